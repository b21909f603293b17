package org.jzeo.api;

import java.util.Set;

/**
 * Hears about committed transactions: the hook the server uses to send invalidations.
 *
 * <p>Ordering contract (rule S3): a storage calls {@link #committed} after the transaction is
 * durable and before its new state can be loaded by anybody; calls come one at a time, in tid
 * order; the finish of T (and of any later transaction) completes only after the listeners of T
 * returned, and a vote that fails reports its failure only after every transaction finished
 * before it was heard. The commit lock may already have passed to the next transaction (group
 * commit: it may vote while T waits for its force). A listener must be quick and must not call
 * back into the storage's commit path.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface StorageListener {
    /**
     * A transaction was committed.
     *
     * @param storage     the storage
     * @param transaction the committing transaction (its {@link StorageTransaction#tid()} is set)
     * @param tid         the new tid
     * @param oids        every oid whose current revision changed
     */
    void committed(Storage storage, StorageTransaction transaction, Tid tid, Set<Oid> oids);

    /**
     * The transaction {@code tid}, already heard through {@link #committed}, is now visible to
     * loads (and {@link Storage#lastTransaction()} says so). Called in tid order, after the
     * {@code committed} call of the same tid. A server delivers the invalidation for a tid only
     * from here on: a client that hears of T and then loads must be answered from T's state.
     * Default: nothing.
     *
     * @param storage the storage
     * @param tid     the tid now visible
     */
    default void visible(Storage storage, Tid tid) {
    }

    /**
     * The storage was packed; sizes changed. Default: nothing.
     *
     * @param storage the storage
     */
    default void packed(Storage storage) {
    }
}
