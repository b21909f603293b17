package org.jzeo.cache.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

import org.jzeo.api.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * The {@code <name>.jzc.lock} file, held while a persistent cache is open, so that a second process
 * (or a second cache in this one) fails at once instead of corrupting the file.
 *
 * <p>Two locks are taken because on Linux they ignore each other: BSD {@code flock(2)}
 * ({@code LOCK_EX|LOCK_NB}, through JNA on a descriptor from libc {@code open}), which Python's
 * zc.lockfile and the {@code flock} command use, and the POSIX record lock of
 * {@link FileChannel#tryLock()}, which other Java programs use. Without JNA a warning is logged and
 * only the Java lock is taken.
 *
 * <p>A registry of locks held in this JVM refuses a second attempt before any descriptor is opened:
 * closing any descriptor of a file drops all of the process's POSIX locks on it, so a failed second
 * attempt must not open and close the file. The file holds {@code " <pid>\n"} and is never deleted.
 */
final class CacheLock implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(CacheLock.class);
    private static final Set<Path> HELD = new HashSet<>();

    private static final int O_RDWR = 2;
    private static final int O_CREAT = 0100;
    private static final int O_CLOEXEC = 02000000;
    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;

    /** The libc calls needed for flock. */
    interface LibC extends Library {
        int open(String path, int flags, int mode);

        int flock(int fd, int operation);

        int close(int fd);
    }

    private static final LibC LIBC = loadLibc();

    private final Path key;
    private final FileChannel channel;
    private final FileLock javaLock;
    private final int fd;
    private boolean released;

    private CacheLock(Path key, FileChannel channel, FileLock javaLock, int fd) {
        this.key = key;
        this.channel = channel;
        this.javaLock = javaLock;
        this.fd = fd;
    }

    private static LibC loadLibc() {
        try {
            return Native.load("c", LibC.class);
        } catch (Throwable t) {
            LOG.warn("cannot load libc through JNA ({}): cache lock files get only a Java (fcntl) lock, which"
                    + " flock users do not see", t.toString());
            return null;
        }
    }

    /** Whether flock(2) is taken as well as the Java lock. */
    static boolean flockAvailable() {
        return LIBC != null;
    }

    /**
     * Locks {@code lockPath} or fails at once.
     *
     * @throws StorageException "Couldn't lock ..." when another process or cache holds it
     */
    static CacheLock acquire(Path lockPath) {
        Path key = lockPath.toAbsolutePath().normalize();
        synchronized (HELD) {
            if (!HELD.add(key)) {
                throw new StorageException("Couldn't lock " + lockPath + ": the cache is open in this process");
            }
        }
        int fd = -1;
        FileChannel ch = null;
        try {
            if (LIBC != null) {
                fd = LIBC.open(key.toString(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
                if (fd < 0) {
                    throw new StorageException("Couldn't lock " + lockPath + ": cannot open it (errno "
                            + Native.getLastError() + ")");
                }
                if (LIBC.flock(fd, LOCK_EX | LOCK_NB) != 0) {
                    throw new StorageException("Couldn't lock " + lockPath
                            + ": the cache is in use by another process (flock, errno " + Native.getLastError() + ")");
                }
            }
            ch = FileChannel.open(key, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE);
            FileLock jl;
            try {
                jl = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                jl = null;
            }
            if (jl == null) {
                throw new StorageException("Couldn't lock " + lockPath + ": the cache is in use by another process (fcntl)");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((" " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            return new CacheLock(key, ch, jl, fd);
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ce) {
                    LOG.debug("closing {}", lockPath, ce);
                }
            }
            if (fd >= 0) {
                LIBC.close(fd);
            }
            synchronized (HELD) {
                HELD.remove(key);
            }
            if (e instanceof StorageException se) {
                throw se;
            }
            throw new StorageException("Couldn't lock " + lockPath + ": " + e, e);
        }
    }

    /** Releases both locks. Idempotent. */
    @Override
    public synchronized void close() {
        if (released) {
            return;
        }
        released = true;
        try {
            javaLock.release();
        } catch (IOException e) {
            LOG.warn("releasing {}", key, e);
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("closing {}", key, e);
        }
        if (fd >= 0) {
            LIBC.close(fd);
        }
        synchronized (HELD) {
            HELD.remove(key);
        }
    }
}
