package org.jzeo.storage.internal;

import org.jzeo.api.StorageException;

/**
 * An object record could not be parsed for references (a truncated or malformed pickle, an
 * unknown opcode, a persistent id of an unexpected shape). A pack's garbage collection that meets
 * one must not delete anything it cannot prove unreachable.
 */
public class UnreadableRecordException extends StorageException {
    private static final long serialVersionUID = 1L;

    /** @param message what failed, and where */
    public UnreadableRecordException(String message) {
        super(message);
    }

    /** @param message what failed @param cause the underlying error */
    public UnreadableRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
