package org.jzeo.storage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;

import org.jzeo.api.CloseableIterator;
import org.jzeo.api.ConflictError;
import org.jzeo.api.DataRecord;
import org.jzeo.api.HistoryEntry;
import org.jzeo.api.LoadResult;
import org.jzeo.api.Oid;
import org.jzeo.api.POSKeyError;
import org.jzeo.api.ReadOnlyError;
import org.jzeo.api.Storage;
import org.jzeo.api.StorageException;
import org.jzeo.api.StorageListener;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.StorageTransactionError;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionDescription;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.api.TransactionRecord;
import org.jzeo.api.UndoError;
import org.jzeo.storage.internal.PickleReferences;
import org.jzeo.storage.internal.UnreadableRecordException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A complete {@link Storage} kept in memory, with the semantics of a FileStorage: a chain of
 * revisions per object (MVCC loads, history), deletions, two-phase commit with conflict
 * detection, transactional undo, pack with garbage collection, iteration and restore. Nothing is
 * persisted; closing discards everything. It backs the {@code <mappingstorage NAME>} section of a
 * server configuration and is the reference implementation the conformance tests run against.
 *
 * <p>Concurrency: loads, history, iteration and undoLog may run in any number of threads while
 * transactions commit. Transactions buffer their writes; {@link StorageTransaction#vote()} takes
 * the storage's commit lock, which is fair (rule S2: one holder at a time, first come first
 * served), checks every serial and prepares the revisions; {@link StorageTransaction#finish()}
 * notifies the listeners while still holding the lock (rule S3), then publishes the whole
 * transaction atomically (rule S4: a reader sees all of a transaction or none of it), then
 * releases the lock. The commit lock is not tied to a thread: vote and finish may be called from
 * different threads, one at a time.
 *
 * <p>Undo ids are the ASCII bytes of the standard base64 form of the 8-byte tid (for example
 * {@code BA07+Rs34jM=}), as ZODB's FileStorage makes them.
 */
public final class MemoryStorage implements Storage {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryStorage.class);

    private final String name;
    private final boolean readOnly;

    /**
     * The commit lock (rule S2): held from a successful vote to finish or abort, and for a whole
     * pack. Fair, so waiting transactions get it in arrival order. A semaphore rather than a
     * ReentrantLock because vote and finish may run on different threads.
     */
    private final Semaphore commitLock = new Semaphore(1, true);

    /**
     * Guards {@link #heads}, {@link #txns} and {@link #dataSize}. Readers take the read lock;
     * publishing a transaction and installing a pack take the write lock, briefly. Only the holder
     * of the commit lock ever takes the write lock, so the commit-lock holder may read the state
     * without the read lock.
     */
    private final ReentrantReadWriteLock stateLock = new ReentrantReadWriteLock();
    /** oid → newest revision (each revision links to the previous one), in oid order. */
    private final TreeMap<Oid, Revision> heads = new TreeMap<>();
    /** Committed transactions in tid order. */
    private final TreeMap<Tid, Txn> txns = new TreeMap<>();
    private long dataSize;
    /** The last committed tid; written last, under the write lock, when a transaction is published. */
    private volatile Tid lastTid = Tid.ZERO;

    /** The highest oid handed out or stored (unsigned). */
    private final AtomicLong maxOid = new AtomicLong();
    private final List<StorageListener> listeners = new CopyOnWriteArrayList<>();
    private final Set<Handle> openTransactions = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * An empty storage.
     *
     * @param name     the storage name (ZEO's default is {@code "1"})
     * @param readOnly whether writes (commits, pack, new oids) are refused with {@link ReadOnlyError}
     */
    public MemoryStorage(String name, boolean readOnly) {
        this.name = Objects.requireNonNull(name, "name");
        this.readOnly = readOnly;
    }

    /** An empty, writable storage with this name. */
    public static MemoryStorage create(String name) {
        return new MemoryStorage(name, false);
    }

    /** An empty storage with this name, read-only if asked. */
    public static MemoryStorage create(String name, boolean readOnly) {
        return new MemoryStorage(name, readOnly);
    }

    // ------------------------------------------------------------------ data model

    /** One revision of one object. Immutable; a pack builds new chains. */
    private static final class Revision {
        final Tid tid;
        /** The revision's data (resolved through undo copies), or {@code null} for a deletion. */
        final byte[] data;
        /** When the data is a copy of an earlier revision's (undo, restore): that revision's tid. */
        final Tid dataTxn;
        final TransactionMetaData metadata;
        final Revision prev;

        Revision(Tid tid, byte[] data, Tid dataTxn, TransactionMetaData metadata, Revision prev) {
            this.tid = tid;
            this.data = data;
            this.dataTxn = dataTxn;
            this.metadata = metadata;
            this.prev = prev;
        }

        /** What history reports: the record's own data length, 0 for copies and deletions. */
        long ownSize() {
            return data == null || dataTxn != null ? 0 : data.length;
        }

        /** The tid of the revision that really holds this revision's data. */
        Tid holder() {
            return dataTxn != null ? dataTxn : tid;
        }
    }

    /** A committed transaction, for iteration, undoLog and undo. Immutable. */
    private record Txn(Tid tid, char status, TransactionMetaData metadata, List<DataRecord> records) {
    }

    /** A write prepared by a transaction: data or {@code null} (deletion), and a copy source. */
    private record Pending(byte[] data, Tid dataTxn) {
    }

    // ------------------------------------------------------------------ reads

    @Override
    public String getName() {
        return name;
    }

    @Override
    public long getSize() {
        checkOpen();
        stateLock.readLock().lock();
        try {
            return dataSize;
        } finally {
            stateLock.readLock().unlock();
        }
    }

    @Override
    public long objectCount() {
        checkOpen();
        stateLock.readLock().lock();
        try {
            return heads.size();
        } finally {
            stateLock.readLock().unlock();
        }
    }

    /** Record iteration is supported: {@link #nextOid} lists the oids in order. */
    @Override
    public boolean supportsRecordIteration() {
        return true;
    }

    @Override
    public Oid nextOid(Oid start) {
        Objects.requireNonNull(start, "start");
        checkOpen();
        stateLock.readLock().lock();
        try {
            return heads.ceilingKey(start);
        } finally {
            stateLock.readLock().unlock();
        }
    }

    @Override
    public Tid lastTransaction() {
        return lastTid;
    }

    @Override
    public Oid newOid() {
        checkOpen();
        if (readOnly) {
            throw new ReadOnlyError();
        }
        return Oid.of(maxOid.incrementAndGet());
    }

    private void raiseMaxOid(Oid oid) {
        maxOid.accumulateAndGet(oid.value(), (a, b) -> Long.compareUnsigned(a, b) >= 0 ? a : b);
    }

    @Override
    public LoadResult loadBefore(Oid oid, Tid before) {
        Objects.requireNonNull(oid, "oid");
        Objects.requireNonNull(before, "before");
        checkOpen();
        stateLock.readLock().lock();
        try {
            Revision r = heads.get(oid);
            if (r == null) {
                throw new POSKeyError(oid);
            }
            Tid end = null;
            while (r != null && r.tid.compareTo(before) >= 0) {
                end = r.tid;
                r = r.prev;
            }
            if (r == null) {
                return null;
            }
            if (r.data == null) {
                throw new POSKeyError(oid);
            }
            return new LoadResult(r.data.clone(), r.tid, end);
        } finally {
            stateLock.readLock().unlock();
        }
    }

    @Override
    public byte[] loadSerial(Oid oid, Tid serial) {
        Objects.requireNonNull(oid, "oid");
        Objects.requireNonNull(serial, "serial");
        checkOpen();
        stateLock.readLock().lock();
        try {
            for (Revision r = heads.get(oid); r != null && r.tid.compareTo(serial) >= 0; r = r.prev) {
                if (r.tid.equals(serial)) {
                    if (r.data == null) {
                        throw new POSKeyError(oid, oid + " is deleted in revision " + serial);
                    }
                    return r.data.clone();
                }
            }
            throw new POSKeyError(oid, "no revision " + serial + " of " + oid);
        } finally {
            stateLock.readLock().unlock();
        }
    }

    @Override
    public List<HistoryEntry> history(Oid oid, int size) {
        Objects.requireNonNull(oid, "oid");
        checkOpen();
        stateLock.readLock().lock();
        try {
            Revision r = heads.get(oid);
            if (r == null) {
                throw new POSKeyError(oid);
            }
            List<HistoryEntry> out = new ArrayList<>();
            for (; r != null && out.size() < size; r = r.prev) {
                out.add(new HistoryEntry(r.tid, r.tid.timeTime(), r.metadata.user().clone(),
                        r.metadata.description().clone(), r.ownSize(), r.metadata.extension().clone()));
            }
            return out;
        } finally {
            stateLock.readLock().unlock();
        }
    }

    @Override
    public List<TransactionDescription> undoLog(int first, int last, Predicate<TransactionDescription> filter) {
        checkOpen();
        if (last < 0) {
            last = first - last; // ZODB's convention: a negative last is a count
        }
        List<TransactionDescription> out = new ArrayList<>();
        stateLock.readLock().lock();
        try {
            int index = 0;
            for (Txn t : txns.descendingMap().values()) {
                if (index >= last) {
                    break;
                }
                if (t.status() == 'p') {
                    break; // packed: nothing older can be undone
                }
                if (t.status() != ' ') {
                    continue;
                }
                TransactionDescription d = new TransactionDescription(undoId(t.tid()), t.tid(), t.tid().timeTime(),
                        t.metadata());
                if (filter != null && !filter.test(d)) {
                    continue;
                }
                if (index >= first) {
                    out.add(d);
                }
                index++;
            }
        } finally {
            stateLock.readLock().unlock();
        }
        return out;
    }

    /** The undo id of a transaction: the ASCII bytes of base64 of its tid. */
    static byte[] undoId(Tid tid) {
        return Base64.getEncoder().encode(tid.toBytes());
    }

    private static Tid parseUndoId(byte[] id) {
        if (id == null) {
            throw new UndoError("no undo transaction id", null);
        }
        String text = new String(id, StandardCharsets.US_ASCII).strip();
        byte[] raw;
        try {
            raw = Base64.getMimeDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            raw = null;
        }
        if (raw == null || raw.length != 8) {
            throw new UndoError("Invalid undo transaction id", null);
        }
        return Tid.of(raw);
    }

    @Override
    public CloseableIterator<TransactionRecord> iterator(Tid start, Tid stop) {
        checkOpen();
        List<Txn> snapshot;
        stateLock.readLock().lock();
        try {
            Tid from = start == null ? Tid.ZERO : start;
            Tid to = stop == null ? null : stop;
            if (to != null && from.compareTo(to) > 0) {
                snapshot = List.of();
            } else if (to == null) {
                snapshot = new ArrayList<>(txns.tailMap(from, true).values());
            } else {
                snapshot = new ArrayList<>(txns.subMap(from, true, to, true).values());
            }
        } finally {
            stateLock.readLock().unlock();
        }
        Iterator<Txn> it = snapshot.iterator();
        return new CloseableIterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public TransactionRecord next() {
                if (!it.hasNext()) {
                    throw new NoSuchElementException();
                }
                Txn t = it.next();
                List<DataRecord> records = new ArrayList<>(t.records().size());
                for (DataRecord r : t.records()) {
                    records.add(new DataRecord(r.oid(), r.tid(), r.data() == null ? null : r.data().clone(), r.dataTxn()));
                }
                return new TransactionRecord(t.tid(), t.status(), t.metadata(), Collections.unmodifiableList(records));
            }

            @Override
            public void close() {
                // nothing held
            }
        };
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public void addListener(StorageListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void removeListener(StorageListener listener) {
        listeners.remove(listener);
    }

    /** Discards the contents; open transactions are aborted. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Handle h : openTransactions) {
            h.abort();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new StorageException("storage " + name + " is closed");
        }
    }

    private void checkWritable() {
        checkOpen();
        if (readOnly) {
            throw new ReadOnlyError();
        }
    }

    @Override
    public String toString() {
        return "MemoryStorage[" + name + (readOnly ? ", read-only" : "") + "]";
    }

    // ------------------------------------------------------------------ commit

    @Override
    public StorageTransaction tpcBegin(TransactionMetaData metadata) {
        checkWritable();
        Handle h = new Handle(metadata == null ? TransactionMetaData.EMPTY : metadata, null, ' ');
        openTransactions.add(h);
        return h;
    }

    @Override
    public StorageTransaction tpcBegin(TransactionMetaData metadata, Tid tid, char status) {
        checkWritable();
        Objects.requireNonNull(tid, "tid");
        if (status != ' ' && status != 'p') {
            throw new IllegalArgumentException("transaction status must be ' ' or 'p', not '" + status + "'");
        }
        if (tid.compareTo(lastTid) <= 0) {
            throw new StorageTransactionError("tid " + tid + " is not after the last transaction " + lastTid);
        }
        Handle h = new Handle(metadata == null ? TransactionMetaData.EMPTY : metadata, tid, status);
        openTransactions.add(h);
        return h;
    }

    @Override
    public boolean commitLockFree() {
        return commitLock.availablePermits() > 0;
    }

    private void acquireCommitLock() {
        try {
            commitLock.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while waiting for the commit lock", e);
        }
    }

    private enum State { OPEN, VOTING, VOTED, FAILED, FINISHED, ABORTED }

    private sealed interface Op permits Store, Delete, Check, Undo, Restore {
    }

    private record Store(Oid oid, Tid serial, byte[] data) implements Op {
    }

    private record Delete(Oid oid, Tid serial) implements Op {
    }

    private record Check(Oid oid, Tid serial) implements Op {
    }

    private record Undo(Tid target) implements Op {
    }

    private record Restore(Oid oid, byte[] data, Tid dataTxn) implements Op {
    }

    /** The outcome of applying a transaction's operations to the committed state. */
    private static final class Plan {
        final LinkedHashMap<Oid, Pending> writes = new LinkedHashMap<>();
        final LinkedHashSet<Oid> undone = new LinkedHashSet<>();
    }

    /**
     * Applies {@code ops} to the committed state. The caller holds the commit lock or the read lock.
     *
     * @param checks whether serials are checked (at vote) or only undo plans are built (at undo)
     */
    private Plan plan(List<Op> ops, boolean checks) {
        Plan plan = new Plan();
        for (Op op : ops) {
            if (op instanceof Store s) {
                if (checks) {
                    Revision h = heads.get(s.oid());
                    if (h != null && !h.tid.equals(s.serial())) {
                        throw new ConflictError(s.oid(), h.tid, s.serial(), null);
                    }
                }
                plan.writes.put(s.oid(), new Pending(s.data(), null));
            } else if (op instanceof Delete d) {
                if (checks) {
                    Revision h = heads.get(d.oid());
                    if (h == null && !plan.writes.containsKey(d.oid())) {
                        throw new POSKeyError(d.oid());
                    }
                    if (h != null && !h.tid.equals(d.serial())) {
                        throw new ConflictError(d.oid(), h.tid, d.serial(), null);
                    }
                }
                plan.writes.put(d.oid(), new Pending(null, null));
            } else if (op instanceof Check c) {
                if (checks) {
                    Revision h = heads.get(c.oid());
                    Tid current = h == null ? Tid.ZERO : h.tid;
                    if (!current.equals(c.serial())) {
                        throw new ConflictError("serial " + c.serial() + " of " + c.oid()
                                + " is not current (current is " + current + ")", c.oid(), current, c.serial());
                    }
                }
            } else if (op instanceof Undo u) {
                plan.undone.addAll(applyUndo(u.target(), plan));
            } else if (op instanceof Restore r) {
                plan.writes.put(r.oid(), new Pending(r.data(), verifiedDataTxn(r.oid(), r.data(), r.dataTxn())));
            }
        }
        return plan;
    }

    /** Keeps a restore's back-reference only when that transaction holds the same data for the oid. */
    private Tid verifiedDataTxn(Oid oid, byte[] data, Tid dataTxn) {
        if (dataTxn == null || data == null) {
            return null;
        }
        Txn t = txns.get(dataTxn);
        if (t == null) {
            return null;
        }
        for (DataRecord r : t.records()) {
            if (r.oid().equals(oid) && Arrays.equals(r.data(), data)) {
                return r.dataTxn() != null ? r.dataTxn() : dataTxn;
            }
        }
        return null;
    }

    /** Adds the undo of transaction {@code target} to {@code plan}; returns the oids it changes. */
    private List<Oid> applyUndo(Tid target, Plan plan) {
        Txn t = txns.get(target);
        if (t == null) {
            throw new UndoError("Invalid undo transaction id", null);
        }
        if (t.status() != ' ') {
            throw new UndoError("non-undoable transaction", null);
        }
        List<Oid> oids = new ArrayList<>();
        for (DataRecord rec : t.records()) {
            Oid oid = rec.oid();
            Revision undone = heads.get(oid);
            while (undone != null && !undone.tid.equals(target)) {
                undone = undone.prev;
            }
            if (undone == null) {
                throw new UndoError("non-undoable transaction", oid);
            }
            Pending pending = plan.writes.get(oid);
            boolean unchanged;
            if (pending != null) {
                unchanged = target.equals(pending.dataTxn()) || Arrays.equals(pending.data(), undone.data);
            } else {
                Revision current = heads.get(oid);
                unchanged = current == undone || target.equals(current.dataTxn)
                        || Arrays.equals(current.data, undone.data);
            }
            if (!unchanged) {
                if (undone.prev == null) {
                    throw new UndoError("Can't undo an add transaction followed by conflicting transactions.", oid);
                }
                throw new UndoError("Some data were modified by a later transaction", oid);
            }
            Revision before = undone.prev;
            if (before == null || before.data == null) {
                plan.writes.put(oid, new Pending(null, null)); // undoing the creation: the object goes
            } else {
                plan.writes.put(oid, new Pending(before.data, before.holder()));
            }
            oids.add(oid);
        }
        return oids;
    }

    /** Makes a prepared transaction visible, all at once (rule S4). The caller holds the commit lock. */
    private void publish(Tid tid, char status, TransactionMetaData metadata, Plan plan) {
        stateLock.writeLock().lock();
        try {
            List<DataRecord> records = new ArrayList<>(plan.writes.size());
            for (Map.Entry<Oid, Pending> e : plan.writes.entrySet()) {
                Pending p = e.getValue();
                Revision r = new Revision(tid, p.data(), p.dataTxn(), metadata, heads.get(e.getKey()));
                heads.put(e.getKey(), r);
                dataSize += r.ownSize();
                records.add(new DataRecord(e.getKey(), tid, p.data(), p.dataTxn()));
                raiseMaxOid(e.getKey());
            }
            txns.put(tid, new Txn(tid, status, metadata, List.copyOf(records)));
            lastTid = tid; // last: a reader that sees this tid sees the whole transaction
        } finally {
            stateLock.writeLock().unlock();
        }
    }

    /** One transaction's two-phase commit. Methods are synchronized; the commit lock is not held while waiting. */
    private final class Handle implements StorageTransaction {
        private final TransactionMetaData metadata;
        private final Tid explicitTid;
        private final char status;
        private final List<Op> ops = new ArrayList<>();
        private State state = State.OPEN;
        private boolean holdsLock;
        private Tid tid;
        private Plan plan;

        Handle(TransactionMetaData metadata, Tid explicitTid, char status) {
            this.metadata = metadata;
            this.explicitTid = explicitTid;
            this.status = status;
            this.tid = explicitTid;
        }

        @Override
        public TransactionMetaData metadata() {
            return metadata;
        }

        private void requireOpen(String what) {
            if (state != State.OPEN) {
                throw new StorageTransactionError(what + " in a transaction that is " + state.name().toLowerCase());
            }
        }

        @Override
        public synchronized void store(Oid oid, Tid serial, byte[] data) {
            Objects.requireNonNull(oid, "oid");
            Objects.requireNonNull(serial, "serial");
            Objects.requireNonNull(data, "data");
            requireOpen("store");
            ops.add(new Store(oid, serial, data.clone()));
            raiseMaxOid(oid);
        }

        @Override
        public synchronized void deleteObject(Oid oid, Tid serial) {
            Objects.requireNonNull(oid, "oid");
            Objects.requireNonNull(serial, "serial");
            requireOpen("deleteObject");
            ops.add(new Delete(oid, serial));
        }

        @Override
        public synchronized void checkCurrentSerialInTransaction(Oid oid, Tid serial) {
            Objects.requireNonNull(oid, "oid");
            Objects.requireNonNull(serial, "serial");
            requireOpen("checkCurrentSerialInTransaction");
            ops.add(new Check(oid, serial));
        }

        @Override
        public synchronized List<Oid> undo(byte[] transactionId) {
            requireOpen("undo");
            Tid target = parseUndoId(transactionId);
            List<Oid> oids;
            // A first check against the committed state (and this transaction's own undos), so that
            // an impossible undo fails here; vote checks again under the commit lock.
            stateLock.readLock().lock();
            try {
                Plan p = plan(ops, false);
                oids = applyUndo(target, p);
            } finally {
                stateLock.readLock().unlock();
            }
            ops.add(new Undo(target));
            return oids;
        }

        @Override
        public synchronized void restore(Oid oid, Tid serial, byte[] data, Tid dataTxn) {
            Objects.requireNonNull(oid, "oid");
            requireOpen("restore");
            if (explicitTid == null) {
                throw new StorageTransactionError("restore needs a transaction begun with an explicit tid");
            }
            ops.add(new Restore(oid, data == null ? null : data.clone(), dataTxn));
            raiseMaxOid(oid);
        }

        @Override
        public List<Oid> vote() {
            synchronized (this) {
                requireOpen("vote");
                state = State.VOTING;
            }
            acquireCommitLockFor();
            synchronized (this) {
                if (state != State.VOTING) {
                    commitLock.release();
                    throw new StorageTransactionError("transaction was aborted while waiting for the commit lock");
                }
                holdsLock = true; // rule S2: from here until finish or abort
                try {
                    checkOpen();
                    Tid last = lastTid;
                    if (explicitTid != null) {
                        if (explicitTid.compareTo(last) <= 0) {
                            throw new StorageTransactionError("tid " + explicitTid
                                    + " is not after the last transaction " + last);
                        }
                        tid = explicitTid;
                    } else {
                        tid = Tid.now().laterThan(last);
                    }
                    // Holding the commit lock, nobody else changes the state: no read lock needed.
                    plan = plan(ops, true);
                    state = State.VOTED;
                    return List.copyOf(plan.undone);
                } catch (RuntimeException e) {
                    state = State.FAILED;
                    if (explicitTid == null) {
                        tid = null;
                    }
                    plan = null;
                    holdsLock = false;
                    commitLock.release();
                    throw e;
                }
            }
        }

        private void acquireCommitLockFor() {
            try {
                acquireCommitLock();
            } catch (RuntimeException e) {
                synchronized (this) {
                    if (state == State.VOTING) {
                        state = State.FAILED;
                    }
                }
                throw e;
            }
        }

        @Override
        public synchronized Tid finish() {
            if (state != State.VOTED) {
                throw new StorageTransactionError("finish in a transaction that is " + state.name().toLowerCase()
                        + " (finish needs a successful vote)");
            }
            try {
                Set<Oid> oids = Collections.unmodifiableSet(new LinkedHashSet<>(plan.writes.keySet()));
                // Rule S3: listeners hear of the commit while we hold the commit lock, so their
                // notifications are queued before the next transaction can commit, and before the
                // new state can be loaded by anyone.
                for (StorageListener l : listeners) {
                    try {
                        l.committed(MemoryStorage.this, this, tid, oids);
                    } catch (RuntimeException e) {
                        LOG.error("storage listener {} failed for transaction {}", l, tid, e);
                    }
                }
                // Rule S4: the transaction becomes visible all at once, before finish returns.
                publish(tid, status, metadata, plan);
                state = State.FINISHED;
                for (StorageListener l : listeners) {
                    try {
                        l.visible(MemoryStorage.this, tid);
                    } catch (RuntimeException e) {
                        LOG.error("storage listener {} failed on visible {}", l, tid, e);
                    }
                }
                return tid;
            } finally {
                if (state != State.FINISHED) {
                    state = State.FAILED;
                }
                plan = null;
                holdsLock = false;
                commitLock.release();
                openTransactions.remove(this);
            }
        }

        @Override
        public synchronized void abort() {
            if (state == State.FINISHED || state == State.ABORTED) {
                return;
            }
            state = State.ABORTED;
            plan = null;
            if (explicitTid == null) {
                tid = null;
            }
            if (holdsLock) {
                holdsLock = false;
                commitLock.release();
            }
            openTransactions.remove(this);
        }

        @Override
        public synchronized Tid tid() {
            return tid;
        }

        @Override
        public String toString() {
            return "MemoryStorage transaction[" + name + ", " + state + (tid == null ? "" : ", " + tid) + "]";
        }
    }

    // ------------------------------------------------------------------ pack

    /**
     * Removes every revision that was no longer current at {@code packTime}, and with {@code gc}
     * the objects that were not reachable from the root at that time. Transactions at or before the
     * pack time get status {@code 'p'} (undo stops there) and disappear when nothing of them is
     * left. Revisions after the pack time are all kept. If any record reachable from the root
     * (or from a revision after the pack time) cannot be parsed for references, the garbage
     * collection is skipped with a warning: nothing is deleted that is not proven unreachable.
     * Holds the commit lock throughout (rule S2).
     */
    @Override
    public void pack(double packTime, boolean gc) {
        checkWritable();
        Tid packTid = Tid.fromEpochSeconds(packTime);
        if (packTid.equals(Tid.ZERO)) {
            throw new IllegalArgumentException("Invalid pack time");
        }
        acquireCommitLock();
        boolean changed;
        try {
            checkOpen();
            changed = packLocked(packTid, gc);
        } finally {
            commitLock.release();
        }
        if (changed) {
            for (StorageListener l : listeners) {
                try {
                    l.packed(this);
                } catch (RuntimeException e) {
                    LOG.error("storage listener {} failed after pack", l, e);
                }
            }
        }
    }

    /** The pack proper; the caller holds the commit lock, so the state only changes here. */
    private boolean packLocked(Tid packTid, boolean gc) {
        if (heads.isEmpty()) {
            return false;
        }
        // The revision of each oid that was current at the pack time (deletions excluded).
        Map<Oid, Revision> atPack = new HashMap<>();
        for (Map.Entry<Oid, Revision> e : heads.entrySet()) {
            Revision r = e.getValue();
            while (r != null && r.tid.compareTo(packTid) > 0) {
                r = r.prev;
            }
            if (r != null && r.data != null) {
                atPack.put(e.getKey(), r);
            }
        }
        Set<Oid> keep = atPack.keySet();
        if (gc) {
            try {
                keep = reachable(atPack, packTid);
            } catch (UnreadableRecordException e) {
                LOG.warn("pack of {}: a reachable record cannot be read for references ({}); "
                        + "skipping garbage collection, removing old revisions only", name, e.getMessage());
                keep = atPack.keySet();
            }
        }

        // Which revisions survive: all after the pack time, and the kept revision current at it.
        Map<Oid, List<Revision>> survivors = new HashMap<>(); // oldest first
        boolean changed = false;
        for (Map.Entry<Oid, Revision> e : heads.entrySet()) {
            Oid oid = e.getKey();
            Revision base = keep.contains(oid) ? atPack.get(oid) : null;
            List<Revision> chain = new ArrayList<>();
            for (Revision r = e.getValue(); r != null; r = r.prev) {
                if (r.tid.compareTo(packTid) > 0) {
                    chain.add(r);
                } else if (r == base) {
                    chain.add(r);
                    if (r.dataTxn != null) {
                        changed = true; // the copy is resolved into real data
                    }
                } else {
                    changed = true;
                }
            }
            Collections.reverse(chain);
            if (!chain.isEmpty()) {
                survivors.put(oid, chain);
            }
        }
        for (Txn t : txns.headMap(packTid, true).values()) {
            if (t.records().isEmpty()) {
                changed = true; // an empty transaction before the pack time goes
            }
        }
        if (!changed) {
            LOG.info("pack of {}: nothing to remove", name);
            return false;
        }

        // Surviving (oid, tid) pairs, to re-check copy references.
        Map<Oid, Set<Tid>> surviving = new HashMap<>();
        survivors.forEach((oid, chain) -> {
            Set<Tid> tids = new HashSet<>();
            chain.forEach(r -> tids.add(r.tid));
            surviving.put(oid, tids);
        });

        Map<Oid, Revision> newHeads = new HashMap<>();
        Map<Tid, Map<Oid, Revision>> byTxn = new HashMap<>();
        long newSize = 0;
        for (Map.Entry<Oid, List<Revision>> e : survivors.entrySet()) {
            Oid oid = e.getKey();
            Revision prev = null;
            for (Revision r : e.getValue()) {
                Tid dataTxn = r.dataTxn;
                if (r.tid.compareTo(packTid) <= 0
                        || (dataTxn != null && !surviving.get(oid).contains(dataTxn))) {
                    dataTxn = null;
                }
                Revision copy = new Revision(r.tid, r.data, dataTxn, r.metadata, prev);
                newSize += copy.ownSize();
                byTxn.computeIfAbsent(r.tid, k -> new HashMap<>()).put(oid, copy);
                prev = copy;
            }
            newHeads.put(oid, prev);
        }
        TreeMap<Tid, Txn> newTxns = new TreeMap<>();
        for (Txn t : txns.values()) {
            boolean packed = t.tid().compareTo(packTid) <= 0;
            Map<Oid, Revision> revs = byTxn.getOrDefault(t.tid(), Map.of());
            List<DataRecord> records = new ArrayList<>();
            for (DataRecord d : t.records()) {
                Revision r = revs.get(d.oid());
                if (r != null) {
                    records.add(new DataRecord(d.oid(), d.tid(), d.data(), r.dataTxn));
                }
            }
            if (packed && records.isEmpty()) {
                continue;
            }
            newTxns.put(t.tid(), new Txn(t.tid(), packed ? 'p' : t.status(), t.metadata(), List.copyOf(records)));
        }

        stateLock.writeLock().lock();
        try {
            heads.clear();
            heads.putAll(newHeads);
            txns.clear();
            txns.putAll(newTxns);
            dataSize = newSize;
        } finally {
            stateLock.writeLock().unlock();
        }
        LOG.info("packed {} at {}: {} objects, {} transactions left", name, packTid, newHeads.size(), newTxns.size());
        return true;
    }

    /**
     * The oids reachable at the pack time: from the root, and (more cautious than FileStorage)
     * from every revision written after the pack time, so that nothing a later revision refers
     * to is removed.
     *
     * @throws UnreadableRecordException when a record on the way cannot be parsed
     */
    private Set<Oid> reachable(Map<Oid, Revision> atPack, Tid packTid) {
        Set<Oid> seen = new HashSet<>();
        Deque<Oid> todo = new ArrayDeque<>();
        todo.push(Oid.ROOT);
        for (Revision head : heads.values()) {
            for (Revision r = head; r != null && r.tid.compareTo(packTid) > 0; r = r.prev) {
                if (r.data != null) {
                    todo.addAll(PickleReferences.referencesOf(r.data));
                }
            }
        }
        while (!todo.isEmpty()) {
            Oid oid = todo.pop();
            if (!seen.add(oid)) {
                continue;
            }
            Revision r = atPack.get(oid);
            if (r == null) {
                continue; // not present at the pack time: nothing there to keep
            }
            for (Oid ref : PickleReferences.referencesOf(r.data)) {
                if (!seen.contains(ref)) {
                    todo.push(ref);
                }
            }
        }
        return seen;
    }
}
