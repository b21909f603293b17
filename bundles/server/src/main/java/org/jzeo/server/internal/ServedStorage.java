package org.jzeo.server.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import org.jzeo.api.CloseableIterator;
import org.jzeo.api.DataRecord;
import org.jzeo.api.Oid;
import org.jzeo.api.Storage;
import org.jzeo.api.StorageListener;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One storage as the server serves it: its commit lock, invalidation queue, statistics, the
 * connections registered on it, and the {@link CommitStrand} that runs votes and finishes one at a
 * time (storage writes happen there; the fsync happens on the storage's own sync thread, so an
 * event loop never waits for the disk).
 */
final class ServedStorage implements StorageListener {
    private static final Logger LOG = LoggerFactory.getLogger(ServedStorage.class);

    final String name;
    final Storage storage;
    final StorageStats stats = new StorageStats();
    final InvalidationQueue invalidations;
    final CommitLock commitLock;
    private final CommitStrand commitStrand;
    private final Set<Invalidatable> sessions = new CopyOnWriteArraySet<>();
    /**
     * Whose storage transaction is whose: a committer gets no invalidation for its own commit. The
     * storage calls the listener on its own thread (group commit), so the committer is found by
     * the transaction, not by who is running.
     */
    private final java.util.Map<StorageTransaction, Invalidatable> committers = new java.util.concurrent.ConcurrentHashMap<>();

    /** A connection that receives invalidations and info updates. */
    interface Invalidatable {
        /** Queue {@code invalidateTransaction(tid, oids)}; called in tid order, under the storage's commit lock. */
        void queueInvalidation(Tid tid, List<Oid> oids);

        /** Queue an {@code info} update (after a pack). */
        void queueInfo();

        /** Transactions up to {@code tid} are visible to loads: their invalidations may now go out. */
        void releaseUpTo(Tid tid);

        /** What an operator sees of this connection. */
        org.jzeo.server.ClientInfo describe();
    }

    /** Test-only: when true, invalidations are queued late, after the lock has passed on (breaks S3). */
    private final boolean breakS3;

    /** Test-only: deliver invalidations as soon as queued, before their tid is visible (breaks S3's second half). */
    final boolean deliverEarly;

    ServedStorage(String name, Storage storage, int invalidationQueueSize, boolean breakS3) {
        this(name, storage, invalidationQueueSize, breakS3, false);
    }

    ServedStorage(String name, Storage storage, int invalidationQueueSize, boolean breakS3, boolean deliverEarly) {
        this.breakS3 = breakS3;
        this.deliverEarly = deliverEarly;
        this.name = name;
        this.storage = storage;
        this.invalidations = new InvalidationQueue(invalidationQueueSize);
        this.commitStrand = new CommitStrand(name, storage::commitLockFree);
        this.commitLock = new CommitLock(commitStrand.votes());
        seedInvalidations(invalidationQueueSize);
        storage.addListener(this);
    }

    /** Fills the queue with the storage's last transactions, so clients reconnecting after a server restart need no full verification. */
    private void seedInvalidations(int size) {
        if (size <= 0) {
            return;
        }
        Tid last = storage.lastTransaction();
        if (Tid.ZERO.equals(last)) {
            return;
        }
        // Iterating from the start is linear in the file; good enough for the queue sizes used
        // (the storage iterator reads headers cheaply). Only the last `size` are kept.
        List<TransactionRecord> tail = new ArrayList<>();
        try (CloseableIterator<TransactionRecord> it = storage.iterator(null, null)) {
            while (it.hasNext()) {
                tail.add(it.next());
                if (tail.size() > size) {
                    tail.remove(0);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("could not seed the invalidation queue of storage {}: {}", name, e.toString());
            return;
        }
        for (TransactionRecord t : tail) {
            invalidations.add(t.tid(), t.records().stream().map(DataRecord::oid).toList());
        }
    }

    /** Guards the fan-out: a commit's invalidations and a session joining are ordered. */
    private final Object fanOut = new Object();
    /** Transactions heard through committed() but not yet visible, oldest first (under fanOut). */
    private final java.util.ArrayDeque<InvalidationQueue.Entry> notYetVisible = new java.util.ArrayDeque<>();

    /**
     * Joins the invalidation fan-out and returns the tid to answer {@code register} with (rule C2
     * on the server side, ZEO #191): the session hears of every transaction after that tid. A
     * transaction already heard but not yet visible is not in the tid, so its invalidation is
     * queued to the new session here (it is delivered once visible, like any other).
     */
    Tid join(Invalidatable session) {
        synchronized (fanOut) {
            sessions.add(session);
            Tid visible = storage.lastTransaction();
            for (InvalidationQueue.Entry e : notYetVisible) {
                if (e.tid().compareTo(visible) > 0) {
                    session.queueInvalidation(e.tid(), e.oids());
                }
            }
            return visible;
        }
    }

    void unregister(Invalidatable session) {
        sessions.remove(session);
    }

    /** The registered connections, for {@code zeo:clients}. */
    List<org.jzeo.server.ClientInfo> clients() {
        return sessions.stream().map(Invalidatable::describe).toList();
    }

    int connectionCount() {
        return sessions.size();
    }

    /** Runs {@code task} on this storage's commit strand: at once if it is idle, else after the tasks before it. */
    void onCommitThread(Runnable task) {
        commitStrand.execute(task);
    }

    /** Marks whose transaction this is, so its own commit is not sent back to it. */
    void addCommitter(StorageTransaction transaction, Invalidatable session) {
        committers.put(transaction, session);
    }

    /** The transaction is finished or aborted. */
    void removeCommitter(StorageTransaction transaction) {
        committers.remove(transaction);
    }

    /**
     * Rule S3: called by the storage after the transaction is durable and before its new state is
     * visible to loads, in tid order (see {@link StorageListener}). The invalidation is queued on
     * every other connection here, so no connection can answer a request from state that includes
     * this tid before it, and the committer's own finish reply (and any later one) comes after it.
     */
    @Override
    public void committed(Storage s, StorageTransaction transaction, Tid tid, Set<Oid> oids) {
        synchronized (fanOut) {
            fanOut(transaction, tid, oids);
        }
    }

    private void fanOut(StorageTransaction transaction, Tid tid, Set<Oid> oids) {
        List<Oid> list = List.copyOf(oids);
        try {
            invalidations.add(tid, list);
        } catch (RuntimeException e) {
            LOG.error("invalidation queue of storage {}: {}", name, e.toString());
        }
        Tid visible = storage.lastTransaction(); // prune, also for storages that never call visible()
        while (!notYetVisible.isEmpty() && notYetVisible.peekFirst().tid().compareTo(visible) <= 0) {
            notYetVisible.removeFirst();
        }
        notYetVisible.addLast(new InvalidationQueue.Entry(tid, list));
        Invalidatable self = transaction == null ? null : committers.get(transaction);
        if (breakS3) {
            // Deliberately wrong, for the race tests only: the invalidation is queued after the
            // new state is visible and the lock has moved on.
            List<Invalidatable> targets = sessions.stream().filter(x -> x != self).toList();
            Thread late = new Thread(() -> {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                targets.forEach(x -> x.queueInvalidation(tid, list));
            }, "zeo-test-late-invalidation");
            late.setDaemon(true);
            late.start();
            return;
        }
        for (Invalidatable session : sessions) {
            if (session != self) {
                try {
                    session.queueInvalidation(tid, list);
                } catch (RuntimeException e) {
                    // e.g. its event loop is shutting down: the others must still hear of tid
                    LOG.warn("cannot queue invalidation {} for a session of storage {}: {}", tid, name, e.toString());
                }
            }
        }
        if (deliverEarly) {
            // Test-only: with invalidations going out before visibility, hold the transaction
            // invisible a moment so clients can act on the early invalidation (the window the
            // race tests must catch; in production it is short but real under group commit).
            try {
                Thread.sleep(3);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The other half of rule S3: an invalidation queued in {@link #committed} is delivered only
     * from here on, so a client that hears of T and then loads is answered from T's state (else it
     * would cache the older revision as current: the stale read the reliability suite caught).
     */
    @Override
    public void visible(Storage s, Tid tid) {
        synchronized (fanOut) {
            while (!notYetVisible.isEmpty() && notYetVisible.peekFirst().tid().compareTo(tid) <= 0) {
                notYetVisible.removeFirst();
            }
        }
        for (Invalidatable session : sessions) {
            session.releaseUpTo(tid);
        }
    }

    /** Counts packs that replaced the file, so a pack call can tell whether clients heard of it. */
    private final java.util.concurrent.atomic.AtomicLong packsHeard = new java.util.concurrent.atomic.AtomicLong();

    @Override
    public void packed(Storage s) {
        packsHeard.incrementAndGet();
        broadcastInfo();
    }

    /** The number of packs heard through {@link #packed} so far. */
    long packsHeard() {
        return packsHeard.get();
    }

    /** Every client of this storage gets an {@code info} callback with the current size. */
    void broadcastInfo() {
        for (Invalidatable session : sessions) {
            session.queueInfo();
        }
    }

    void close() {
        storage.removeListener(this);
        if (!commitStrand.shutdown(10_000)) {
            LOG.warn("the commit thread of storage {} did not stop within 10 s", name);
        }
    }
}
