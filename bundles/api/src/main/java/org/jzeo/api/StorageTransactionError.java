package org.jzeo.api;

/** A two-phase commit call out of order: a store outside a transaction, a second tpcBegin, and so on. */
public class StorageTransactionError extends StorageException {
    private static final long serialVersionUID = 1L;

    /** @param message what was out of order */
    public StorageTransactionError(String message) {
        super(message);
    }

    @Override
    public String pythonClassName() {
        return "ZODB.POSException.StorageTransactionError";
    }
}
