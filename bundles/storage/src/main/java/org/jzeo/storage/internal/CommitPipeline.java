package org.jzeo.storage.internal;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jzeo.api.Oid;
import org.jzeo.api.StorageException;
import org.jzeo.api.Tid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for a {@link DataFsStorage}: the sync processor (ZooKeeper's idea). A finishing
 * transaction writes its status byte, hands itself to this pipeline and releases the commit lock;
 * the pipeline's thread forces the file once for every transaction queued by then, and then, in
 * tid order, lets the storage call the listeners and publish each one. Transactions that finish
 * while a force is under way share the next force.
 *
 * <p>Ordering rules kept here:
 * <ul>
 *   <li><b>S4</b>: a transaction is published (visible to loads, {@code lastTransaction}) and its
 *       finish completes only after a force that began after its status byte was written.</li>
 *   <li><b>S3</b>: listeners of T run before T is published, one transaction at a time, in tid
 *       order, and before the finish of T or of any later transaction completes.</li>
 * </ul>
 * A failed force leaves the storage broken: every pending and later commit fails, since what was
 * written after the failure can no longer be proven durable (the reopen scan repairs the file).
 */
final class CommitPipeline {
    private static final Logger LOG = LoggerFactory.getLogger(CommitPipeline.class);

    /** A transaction written and waiting for its force. */
    record Pending(FileStorageTransaction transaction, Tid tid, long tpos, long end, Set<Oid> changed,
            FileGeneration generation, CompletableFuture<Tid> done) {
    }

    private final DataFsStorage storage;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final Thread thread;
    /** The last tid whose listeners ran and that was published. */
    private Tid publishedTid;
    /** The last tid handed to the pipeline. */
    private Tid enqueuedTid;
    private StorageException broken;
    private boolean stopping;

    CommitPipeline(DataFsStorage storage, Tid lastTid, String name) {
        this.storage = storage;
        this.publishedTid = lastTid;
        this.enqueuedTid = lastTid;
        this.thread = new Thread(this::run, "zeo-storage-sync-" + name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Forces {@code file}. After a failed fsync the dirty pages may be gone while a retry reports
     * success: nothing written so far can be proven durable any more (rule S4), so the pipeline
     * breaks.
     */
    private void force(DataFile file, List<Pending> batch) throws IOException {
        try {
            file.force();
        } catch (IOException | RuntimeException e) {
            fail(batch, e);
            throw e;
        }
    }

    /** Queues a written transaction (called under the commit lock, so in tid order). */
    synchronized CompletableFuture<Tid> enqueue(Pending p) {
        if (broken != null || stopping) {
            p.done().completeExceptionally(broken != null ? broken
                    : new StorageException("the storage " + storage.path() + " is closed"));
            return p.done();
        }
        queue.addLast(p);
        enqueuedTid = p.tid();
        notifyAll();
        return p.done();
    }

    /** Whether a force failed (the storage refuses writes until reopened). */
    synchronized boolean isBroken() {
        return broken != null;
    }

    /** Fails fast if an earlier force failed. */
    synchronized void checkHealthy() {
        if (broken != null) {
            throw new StorageException(broken.getMessage(), broken);
        }
    }

    /** The last tid handed to the pipeline (the floor for new tids is at least this). */
    synchronized Tid enqueuedTid() {
        return enqueuedTid;
    }

    /**
     * Waits until every transaction handed over so far is forced, heard by the listeners and
     * published (for a vote that fails, for pack and for close).
     *
     * @return false if the wait timed out or the pipeline broke
     */
    synchronized boolean drain(long timeoutMillis) {
        Tid target = enqueuedTid;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (publishedTid.compareTo(target) < 0 && broken == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return broken == null;
    }

    private void run() {
        while (true) {
            List<Pending> batch;
            synchronized (this) {
                while (queue.isEmpty() && !stopping) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                if (queue.isEmpty()) {
                    return;
                }
                batch = new ArrayList<>(queue);
                queue.clear();
            }
            try {
                // One force covers every transaction written before it starts (rule S4): those
                // that finish while it runs share the next one.
                FileGeneration forced = null;
                for (Pending p : batch) {
                    if (p.generation() != forced) {
                        force(p.generation().file(), batch);
                        forced = p.generation();
                    }
                }
            } catch (IOException | RuntimeException e) {
                continue; // force() broke the pipeline and failed the batch
            }
            for (Pending p : batch) {
                storage.completeCommit(p); // listeners (S3), then publish (S4)
                synchronized (this) {
                    publishedTid = p.tid();
                    notifyAll();
                }
                p.done().complete(p.tid());
            }
        }
    }

    private void fail(List<Pending> batch, Throwable cause) {
        StorageException e = new StorageException("forcing " + storage.path() + " failed; commits after "
                + publishedTid + " may not be durable (whether they are shows when the storage is reopened) and the"
                + " storage refuses further writes until then: " + cause, cause);
        LOG.error("{}", e.getMessage(), cause);
        List<Pending> failed = new ArrayList<>(batch);
        synchronized (this) {
            broken = e;
            failed.addAll(queue);
            queue.clear();
            notifyAll();
        }
        for (Pending p : failed) {
            p.done().completeExceptionally(e);
        }
    }

    /** Finishes what is queued, then stops the thread. */
    void close() {
        synchronized (this) {
            stopping = true;
            notifyAll();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("the sync thread of {} did not stop", storage.path());
        }
    }
}
