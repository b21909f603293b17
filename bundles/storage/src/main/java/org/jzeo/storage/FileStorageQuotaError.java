package org.jzeo.storage;

import org.jzeo.api.StorageException;

/** A commit would make a FileStorage's file larger than its configured quota. */
public class FileStorageQuotaError extends StorageException {
    private static final long serialVersionUID = 1L;

    /** @param message the file, its size and the quota */
    public FileStorageQuotaError(String message) {
        super(message);
    }

    @Override
    public String pythonClassName() {
        return "ZODB.FileStorage.FileStorage.FileStorageQuotaError";
    }
}
