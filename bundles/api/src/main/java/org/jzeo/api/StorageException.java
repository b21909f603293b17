package org.jzeo.api;

/** Base of every storage error (ZODB's POSException). Unchecked, as in ZODB. */
public class StorageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong */
    public StorageException(String message) {
        super(message);
    }

    /** @param message what went wrong @param cause the underlying error */
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The Python class name a ZEO peer uses for this error ({@code module.ClassName}), so the
     * protocol can send and map it.
     */
    public String pythonClassName() {
        return "ZODB.POSException.POSException";
    }
}
