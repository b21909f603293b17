package org.jzeo.api;

import java.util.Set;

/**
 * Hears about committed transactions: the hook the server uses to send invalidations.
 *
 * <p>Ordering contract (rule S3): a storage calls {@link #committed} after the transaction is
 * durable, while it still holds its commit lock and before the new state can be loaded by
 * anybody but the committer's own {@link StorageTransaction#finish()} return. Listeners are called
 * in tid order. A listener must be quick and must not call back into the storage's commit path.
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
     * The storage was packed; sizes changed. Default: nothing.
     *
     * @param storage the storage
     */
    default void packed(Storage storage) {
    }
}
