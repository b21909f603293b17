package org.jzeo.server.internal;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a storage's commit work (vote replays, finishes, aborts) runs: one task at a time, in the
 * order submitted, each seeing everything the earlier ones did. That mutual exclusion is all rule
 * S2 needs of a "commit thread"; which thread runs a task does not matter.
 *
 * <p>So a task submitted while the strand is idle runs at once on the submitting thread (an event
 * loop: an uncontended vote or finish then costs no thread hand-off at all; on a 2-core VM that
 * cut a small commit's latency by about a quarter). A task submitted while another runs is queued and
 * run by the strand's own thread, after the running one and every one queued before it. Tasks
 * never force the disk (the storage's sync thread does), so an event loop is never held for an
 * fsync; they write to the page cache only. A vote may still wait for the storage's own commit
 * lock (held by a pack's last phase or an in-process transaction): votes come through
 * {@link #votes()}, which runs them inline only while {@code inlineAllowed} says that lock is
 * free, so an event loop does not wait for it. (A finish or an abort never waits for it: its
 * transaction holds it, or never took it.)
 */
final class CommitStrand implements Executor {
    private static final Logger LOG = LoggerFactory.getLogger(CommitStrand.class);

    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private final Thread thread;
    private final BooleanSupplier inlineAllowed;
    /** Whether a task is running now, inline or on {@link #thread}. */
    private boolean busy;
    private boolean shutdown;

    CommitStrand(String name) {
        this(name, () -> true);
    }

    /** @param inlineAllowed asked before a vote would run on the submitting thread: whether the storage's commit lock is free (a hint) */
    CommitStrand(String name, BooleanSupplier inlineAllowed) {
        this.inlineAllowed = inlineAllowed;
        this.thread = new Thread(this::run, "zeo-server-commit-" + name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    @Override
    public void execute(Runnable task) {
        submit(task, false);
    }

    /** The same strand for tasks that may wait for the storage's commit lock (votes). */
    Executor votes() {
        return task -> submit(task, true);
    }

    private void submit(Runnable task, boolean mayWaitForStorageLock) {
        synchronized (this) {
            if (shutdown) {
                throw new RejectedExecutionException("the commit strand is shut down");
            }
            if (busy || !queue.isEmpty() || (mayWaitForStorageLock && !inlineAllowed.getAsBoolean())) {
                queue.addLast(task);
                notifyAll();
                return;
            }
            busy = true;
        }
        runAndRelease(task);
    }

    private void run() {
        while (true) {
            Runnable task;
            synchronized (this) {
                while ((busy || queue.isEmpty()) && !(shutdown && queue.isEmpty() && !busy)) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (queue.isEmpty()) {
                    return; // shut down and drained
                }
                task = queue.pollFirst();
                busy = true;
            }
            runAndRelease(task);
        }
    }

    /**
     * Runs a task on the thread that took the strand, then frees it; the strand's thread is woken
     * only if tasks queued meanwhile or it is to stop (a needless wake-up costs a context switch,
     * about 20 µs on a small VM). A failing task must not take the strand, or the event loop it
     * ran on, with it.
     */
    private void runAndRelease(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            LOG.error("commit task failed", e);
        } finally {
            synchronized (this) {
                busy = false;
                if (!queue.isEmpty() || shutdown) {
                    notifyAll();
                }
            }
        }
    }

    /** Refuses new tasks, runs those queued, and waits up to {@code timeoutMillis} for the thread. */
    boolean shutdown(long timeoutMillis) {
        synchronized (this) {
            shutdown = true;
            notifyAll();
        }
        try {
            thread.join(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            thread.interrupt();
            return false;
        }
        return true;
    }

    /** Whether the strand's own thread is still running (tests). */
    boolean threadAlive() {
        return thread.isAlive();
    }
}
