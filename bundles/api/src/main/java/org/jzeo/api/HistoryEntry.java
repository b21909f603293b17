package org.jzeo.api;

/**
 * One revision in an object's history, newest first.
 *
 * @param tid         the revision's tid
 * @param time        the tid as Unix time ({@link Tid#timeTime()})
 * @param user        the transaction's user bytes
 * @param description the transaction's description bytes
 * @param size        the record's own data length (0 for an undo back-pointer and for a delete)
 * @param extension   the transaction's pickled extension (empty when none)
 */
public record HistoryEntry(Tid tid, double time, byte[] user, byte[] description, long size, byte[] extension) {
    /** Null extension becomes empty. */
    public HistoryEntry {
        extension = extension == null ? new byte[0] : extension;
    }

    /** An entry without extension bytes. */
    public HistoryEntry(Tid tid, double time, byte[] user, byte[] description, long size) {
        this(tid, time, user, description, size, new byte[0]);
    }
}
