package org.jzeo.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A ZODB storage: a set of objects, each a chain of revisions named by tids, written through
 * two-phase commit ({@link StorageTransaction}). Implementations are safe for concurrent use:
 * loads may run while a transaction commits, and several transactions may be open at once
 * (they serialise at vote).
 */
@org.osgi.annotation.versioning.ProviderType
public interface Storage extends AutoCloseable {
    /** The storage's name (a server serves storages by name; ZEO's default is {@code "1"}). */
    String getName();

    /** Bytes used (the file size for a FileStorage). */
    long getSize();

    /** Number of objects (oids present, including deleted ones, as ZODB's {@code len}). */
    long objectCount();

    /** The tid of the last committed transaction, {@link Tid#ZERO} when empty. */
    Tid lastTransaction();

    /** Allocates a new oid, greater than every oid stored or handed out. Not persisted. */
    Oid newOid();

    /** Allocates {@code count} new oids. */
    default List<Oid> newOids(int count) {
        List<Oid> oids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            oids.add(newOid());
        }
        return oids;
    }

    /**
     * The current revision.
     *
     * @throws POSKeyError when the object does not exist (or is deleted)
     */
    default LoadResult load(Oid oid) {
        LoadResult r = loadBefore(oid, Tid.MAX);
        if (r == null) {
            throw new POSKeyError(oid);
        }
        return r;
    }

    /**
     * The revision that was current just before {@code before}.
     *
     * @return the revision, or {@code null} when the object has no revision before that tid
     * @throws POSKeyError when the object does not exist, or that revision is a deletion
     */
    LoadResult loadBefore(Oid oid, Tid before);

    /**
     * The data of the revision written by {@code serial}.
     *
     * @throws POSKeyError when there is no such revision
     */
    byte[] loadSerial(Oid oid, Tid serial);

    /** The tid of the object's current revision. */
    default Tid lastSerial(Oid oid) {
        return load(oid).start();
    }

    /**
     * Up to {@code size} revisions of the object, newest first.
     *
     * @throws POSKeyError when the object does not exist
     */
    List<HistoryEntry> history(Oid oid, int size);

    /** Starts a transaction; the tid is chosen at vote. */
    StorageTransaction tpcBegin(TransactionMetaData metadata);

    /**
     * Starts a transaction with a given tid and status, for copying storages
     * ({@link StorageTransaction#restore}). The tid must be greater than {@link #lastTransaction()}.
     */
    StorageTransaction tpcBegin(TransactionMetaData metadata, Tid tid, char status);

    /**
     * Undoable transactions, newest first: those at positions {@code first} (inclusive) to
     * {@code last} (exclusive) among the ones {@code filter} accepts. Stops at a packed transaction.
     */
    List<TransactionDescription> undoLog(int first, int last, Predicate<TransactionDescription> filter);

    /**
     * undoLog filtered by a ZEO-style specification: every entry of the map must equal the
     * description's field ({@code user_name}, {@code description}, {@code id} as bytes).
     */
    default List<TransactionDescription> undoInfo(int first, int last, Map<String, byte[]> specification) {
        if (specification == null || specification.isEmpty()) {
            return undoLog(first, last, d -> true);
        }
        return undoLog(first, last, d -> specification.entrySet().stream().allMatch(e -> switch (e.getKey()) {
            case "user_name" -> java.util.Arrays.equals(e.getValue(), d.metadata().user());
            case "description" -> java.util.Arrays.equals(e.getValue(), d.metadata().description());
            case "id" -> java.util.Arrays.equals(e.getValue(), d.id());
            default -> false;
        }));
    }

    /**
     * Whether {@link #nextOid} works: the storage can list its oids in order (ZEO's
     * {@code record_iternext} and ZODB's {@code IStorageCurrentRecordIteration}).
     */
    default boolean supportsRecordIteration() {
        return false;
    }

    /**
     * The smallest oid at or after {@code start} that the storage holds (deleted ones included),
     * or {@code null} when there is none.
     *
     * @throws UnsupportedOperationException unless {@link #supportsRecordIteration()}
     */
    default Oid nextOid(Oid start) {
        throw new UnsupportedOperationException("record iteration is not supported by " + getName());
    }

    /**
     * How many times the storage forced its data to stable storage (fsync) since it was opened; 0
     * for storages without a disk. Benchmarks divide it by commits to show every commit was forced.
     */
    default long forceCount() {
        return 0;
    }

    /**
     * Whether a vote would get the storage's commit lock without waiting, right now: a hint that may
     * change at once. A server votes on its network thread only while it is true, so a commit lock
     * held for long (by a pack's last phase, or an in-process transaction between vote and finish)
     * never stalls the other connections served by that thread. Default: true (no such lock).
     */
    default boolean commitLockFree() {
        return true;
    }

    /** How long the forces counted by {@link #forceCount()} took; null for storages without a disk. */
    default ForceLatency forceLatency() {
        return null;
    }

    /** Whether this storage supports undo. */
    default boolean supportsUndo() {
        return true;
    }

    /**
     * Removes revisions not current at {@code packTime} (Unix seconds), and with {@code gc} the
     * objects not reachable from the root. Never deletes data it cannot prove unreachable.
     */
    void pack(double packTime, boolean gc);

    /**
     * Committed transactions with {@code start <= tid <= stop}, in tid order.
     *
     * @param start the first tid, or {@code null} for the beginning
     * @param stop  the last tid, or {@code null} for the end
     */
    CloseableIterator<TransactionRecord> iterator(Tid start, Tid stop);

    /** Whether writes are refused. */
    boolean isReadOnly();

    /** Registers a listener for committed transactions. */
    void addListener(StorageListener listener);

    /** Removes a listener. */
    void removeListener(StorageListener listener);

    /** Closes the storage; open transactions are aborted. Idempotent. */
    @Override
    void close();

    /**
     * Copies every transaction of {@code source} into this storage, keeping tids, metadata and
     * statuses; for filling an empty storage.
     */
    default void copyTransactionsFrom(Storage source) {
        Objects.requireNonNull(source, "source");
        try (CloseableIterator<TransactionRecord> it = source.iterator(null, null)) {
            while (it.hasNext()) {
                TransactionRecord t = it.next();
                StorageTransaction txn = tpcBegin(t.metadata(), t.tid(), t.status());
                try {
                    for (DataRecord r : t.records()) {
                        txn.restore(r.oid(), r.tid(), r.data(), r.dataTxn());
                    }
                    txn.vote();
                    txn.finish();
                } catch (RuntimeException e) {
                    txn.abort();
                    throw e;
                }
            }
        }
    }
}
