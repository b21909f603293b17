package org.jzeo.api;

/**
 * One revision in an object's history, newest first.
 *
 * @param tid         the revision's tid
 * @param time        the tid as Unix time ({@link Tid#timeTime()})
 * @param user        the transaction's user bytes
 * @param description the transaction's description bytes
 * @param size        the record's own data length (0 for an undo back-pointer and for a delete)
 */
public record HistoryEntry(Tid tid, double time, byte[] user, byte[] description, long size) {
}
