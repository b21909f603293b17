package org.jzeo.storage;

import java.nio.file.Path;

import org.jzeo.api.Storage;
import org.jzeo.storage.internal.DataFsStorage;

/**
 * A storage kept in one ZODB {@code Data.fs} file, byte-compatible with Python ZODB's FileStorage:
 * a file written here opens in Python ZODB and passes {@code fstest}, and the reverse.
 *
 * <p>Companion files beside {@code path}: {@code <path>.lock} (held while open for writing, with
 * both {@code fcntl} and {@code flock} locks, so Python processes are excluded too),
 * {@code <path>.jzindex} (jzeo's own index cache, written on a clean close), {@code <path>.trN}
 * (tails cut off a damaged file), {@code <path>.pack} / {@code <path>.old} (pack). A Python
 * {@code <path>.index} is deleted whenever jzeo rewrites or truncates the file.
 *
 * <p>Every acknowledged commit was forced to disk first (rule S4); {@link #forceCount()} lets tests
 * and benchmarks prove it.
 */
@org.osgi.annotation.versioning.ProviderType
public interface FileStorage extends Storage {
    /** The {@code Data.fs} file. */
    Path path();

    /** The configuration this storage was opened with. */
    FileStorageConfig config();

    /** How many times the data file has been forced (fsynced) since open. */
    long forceCount();

    /**
     * Opens (or, with {@link FileStorageConfig#create()} or when missing and writable, creates) a
     * FileStorage.
     *
     * @throws org.jzeo.api.CorruptedDataError when the file is damaged beyond a torn tail
     * @throws org.jzeo.api.StorageException   when the file is locked by another process or storage
     */
    static FileStorage open(FileStorageConfig config) {
        return DataFsStorage.open(config);
    }
}
