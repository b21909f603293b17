package org.jzeo.api;

/**
 * A committed transaction as undoLog and undoInfo describe it.
 *
 * @param id          the undo id to pass to {@link StorageTransaction#undo(byte[])}
 * @param tid         the transaction's tid
 * @param time        the tid as Unix time
 * @param metadata    user, description and extension
 */
public record TransactionDescription(byte[] id, Tid tid, double time, TransactionMetaData metadata) {
}
