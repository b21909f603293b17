package org.jzeo.api;

/**
 * A write based on a stale revision: the object was changed by another transaction since the
 * serial the writer read.
 */
public class ConflictError extends StorageException {
    private static final long serialVersionUID = 1L;

    private final transient Oid oid;
    private final transient Tid currentSerial;
    private final transient Tid oldSerial;
    private final String className;

    /**
     * @param oid           the object in conflict
     * @param currentSerial the serial committed in the storage
     * @param oldSerial     the serial the writer based its change on
     * @param className     the object's class if known, else {@code null}
     */
    public ConflictError(Oid oid, Tid currentSerial, Tid oldSerial, String className) {
        super(message(oid, currentSerial, oldSerial, className));
        this.oid = oid;
        this.currentSerial = currentSerial;
        this.oldSerial = oldSerial;
        this.className = className;
    }

    /** A conflict with a custom message (e.g. a failed checkCurrentSerialInTransaction). */
    public ConflictError(String message, Oid oid, Tid currentSerial, Tid oldSerial) {
        super(message);
        this.oid = oid;
        this.currentSerial = currentSerial;
        this.oldSerial = oldSerial;
        this.className = null;
    }

    private static String message(Oid oid, Tid current, Tid old, String className) {
        StringBuilder b = new StringBuilder("database conflict error (oid ").append(oid);
        if (className != null) {
            b.append(", class ").append(className);
        }
        if (current != null && old != null) {
            b.append(", serial this txn started with ").append(old.toTimeString())
                    .append(", serial currently committed ").append(current.toTimeString());
        }
        return b.append(')').toString();
    }

    /** The object in conflict. */
    public Oid oid() {
        return oid;
    }

    /** The serial currently committed. */
    public Tid currentSerial() {
        return currentSerial;
    }

    /** The serial the writer started from. */
    public Tid oldSerial() {
        return oldSerial;
    }

    /** The object's class name, or {@code null}. */
    public String className() {
        return className;
    }

    @Override
    public String pythonClassName() {
        return "ZODB.POSException.ConflictError";
    }
}
