package org.jzeo.jca;

import jakarta.resource.spi.EISSystemException;
import org.jzeo.api.StorageException;

/**
 * A storage error without a more specific mapping (a read-only storage, an undo that cannot be done,
 * a protocol error...). {@link #getCause()} is the {@link StorageException}; its ZODB class name is
 * also the {@link #getErrorCode() error code}.
 */
public class ZeoStorageException extends EISSystemException {
    private static final long serialVersionUID = 1L;

    /** @param message what failed @param cause the storage's error */
    public ZeoStorageException(String message, StorageException cause) {
        super(message, cause);
        setErrorCode(cause.pythonClassName());
    }
}
