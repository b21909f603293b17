package org.jzeo.api;

/** No such object (or no such revision) in the storage. */
public class POSKeyError extends StorageException {
    private static final long serialVersionUID = 1L;
    private final transient Oid oid;

    /** @param oid the missing object */
    public POSKeyError(Oid oid) {
        super(oid.toString());
        this.oid = oid;
    }

    /** @param oid the object @param message which revision was missing */
    public POSKeyError(Oid oid, String message) {
        super(message);
        this.oid = oid;
    }

    /** The missing object. */
    public Oid oid() {
        return oid;
    }

    @Override
    public String pythonClassName() {
        return "ZODB.POSException.POSKeyError";
    }
}
