package org.jzeo.api;

/** A write was attempted on a read-only storage, server or connection. */
public class ReadOnlyError extends StorageException {
    private static final long serialVersionUID = 1L;

    /** A read-only error without detail (what ZEO sends). */
    public ReadOnlyError() {
        super("read-only");
    }

    /** @param message what was refused */
    public ReadOnlyError(String message) {
        super(message);
    }

    @Override
    public String pythonClassName() {
        return "ZODB.POSException.ReadOnlyError";
    }
}
