package org.jzeo.api;

/**
 * A committed transaction as undoLog and undoInfo describe it.
 *
 * @param id       the undo id to pass to {@link StorageTransaction#undo(byte[])}
 * @param tid      the transaction's tid
 * @param time     the tid as Unix time
 * @param metadata user, description and extension
 * @param size     the transaction's size in bytes (a FileStorage's {@code tlen}; 0 when unknown)
 */
public record TransactionDescription(byte[] id, Tid tid, double time, TransactionMetaData metadata, long size) {
    /** A description without a size. */
    public TransactionDescription(byte[] id, Tid tid, double time, TransactionMetaData metadata) {
        this(id, tid, time, metadata, 0);
    }
}
