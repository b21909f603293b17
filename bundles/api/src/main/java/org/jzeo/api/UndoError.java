package org.jzeo.api;

/** A transaction cannot be undone (a later change to one of its objects, or it was packed away). */
public class UndoError extends StorageException {
    private static final long serialVersionUID = 1L;
    private final transient Oid oid;

    /** @param message why @param oid the object that prevents the undo, or {@code null} */
    public UndoError(String message, Oid oid) {
        super(oid == null ? message : message + " (oid " + oid + ")");
        this.oid = oid;
    }

    /** The object that prevents the undo, or {@code null}. */
    public Oid oid() {
        return oid;
    }

    @Override
    public String pythonClassName() {
        return "ZODB.POSException.UndoError";
    }
}
