package org.jzeo.api;

import java.util.List;

/**
 * One transaction's two-phase commit against a {@link Storage}.
 *
 * <p>Writes are buffered in the transaction; nothing is visible to readers or locked until
 * {@link #vote()}. Vote takes the storage's commit lock (rule S2: one transaction at a time, first
 * come first served), checks every serial, writes the data and reports conflicts. {@link #finish()}
 * makes the transaction durable (rule S4: forced to disk before it returns and before anyone else
 * can load it), notifies the storage's listeners (rule S3) and releases the lock;
 * {@link #abort()} releases it without a trace. A transaction is used by one thread at a time.
 */
@org.osgi.annotation.versioning.ProviderType
public interface StorageTransaction {
    /** The metadata given at begin. */
    TransactionMetaData metadata();

    /**
     * Stores a new revision of {@code oid}.
     *
     * @param serial the serial the change is based on ({@link Tid#ZERO} for a new object)
     * @param data   the object record
     */
    void store(Oid oid, Tid serial, byte[] data);

    /** Deletes {@code oid} (writes a revision in which it does not exist). */
    void deleteObject(Oid oid, Tid serial);

    /** Fails the vote with a {@link ConflictError} unless {@code serial} is still current for {@code oid}. */
    void checkCurrentSerialInTransaction(Oid oid, Tid serial);

    /**
     * Undoes the transaction with this undo id (from {@link Storage#undoLog}).
     *
     * @return the oids the undo changes
     * @throws UndoError when a later transaction changed one of its objects
     */
    List<Oid> undo(byte[] transactionId);

    /**
     * Writes a record as it is, for copying storages: only for a transaction begun with an
     * explicit tid ({@link Storage#tpcBegin(TransactionMetaData, Tid, char)}).
     *
     * @param data    the record, or {@code null} for a deletion
     * @param dataTxn where the same data already lies (a back-pointer may be written), or {@code null}
     */
    void restore(Oid oid, Tid serial, byte[] data, Tid dataTxn);

    /**
     * Takes the commit lock, checks and writes. Blocks while another transaction holds the lock.
     *
     * @return oids changed besides this transaction's stores (the undone ones)
     * @throws ConflictError when a store is based on a stale serial; the lock is released
     */
    List<Oid> vote();

    /** Commits durably and returns the new tid. Only after a successful {@link #vote()}. */
    Tid finish();

    /**
     * Finishes without waiting for durability where the storage can: returns once the commit
     * lock is released (the next transaction may vote), and completes with the tid when the
     * transaction is durable, heard by the listeners and visible (group commit). The default
     * simply runs {@link #finish()}.
     */
    default java.util.concurrent.CompletionStage<Tid> finishAsync() {
        java.util.concurrent.CompletableFuture<Tid> f = new java.util.concurrent.CompletableFuture<>();
        try {
            f.complete(finish());
        } catch (RuntimeException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    /** Abandons the transaction at any stage; releases the commit lock if held. Idempotent. */
    void abort();

    /** The tid chosen at vote (or given at begin), else {@code null}. */
    Tid tid();
}
