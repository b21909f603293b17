package org.jzeo.api;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * A lock file held while a file is open for writing (a FileStorage's {@code Data.fs.lock}, spec
 * §6.4, and a persistent client cache's), the way zc.lockfile holds it for Python ZODB.
 *
 * <p>Two locks are taken, because on Linux they do not see each other: a BSD {@code flock(2)}
 * ({@code LOCK_EX|LOCK_NB}, through JNA, on a descriptor opened with libc {@code open}) which is
 * what Python's zc.lockfile takes, and a POSIX {@code fcntl} lock through
 * {@link FileChannel#tryLock()} which is what other Java programs take. If JNA's native library
 * cannot load, a warning is logged and only the Java lock is taken.
 *
 * <p>Within one JVM a registry of held lock files refuses a second open before any descriptor is
 * opened: closing any descriptor of a file drops every {@code fcntl} lock the process holds on it,
 * so a failed second attempt must never open and close the file.
 *
 * <p>After locking, the file holds a space, the process id and a newline ({@code " 12345\n"}),
 * as zc.lockfile writes. The file is never deleted.
 */
public final class LockFile implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(LockFile.class);
    private static final Set<Path> HELD_IN_THIS_JVM = new HashSet<>();

    private static final int O_RDWR = 2;
    private static final int O_CREAT = 0100;
    private static final int O_CLOEXEC = 02000000;
    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;

    /** The libc functions used for flock. */
    interface CLibrary extends Library {
        int open(String path, int flags, int mode);

        int flock(int fd, int operation);

        int close(int fd);
    }

    private static final CLibrary LIBC = loadLibc();

    private final Path path;
    private final Path key;
    private final FileChannel channel;
    private final java.nio.channels.FileLock javaLock;
    private final int flockFd;
    private boolean released;

    private LockFile(Path path, Path key, FileChannel channel, java.nio.channels.FileLock javaLock, int flockFd) {
        this.path = path;
        this.key = key;
        this.channel = channel;
        this.javaLock = javaLock;
        this.flockFd = flockFd;
    }

    private static CLibrary loadLibc() {
        try {
            return Native.load("c", CLibrary.class);
        } catch (Throwable t) {
            LoggerFactory.getLogger(LockFile.class).warn(
                    "cannot load libc through JNA ({}): lock files get only a Java (fcntl) lock, which Python"
                            + " processes do not see", t.toString());
            return null;
        }
    }

    /** Whether flock(2) is available (JNA loaded libc). */
    public static boolean flockAvailable() {
        return LIBC != null;
    }

    /** The lock file beside {@code dataFile}. */
    public static Path pathFor(Path dataFile) {
        return dataFile.resolveSibling(dataFile.getFileName() + ".lock");
    }

    /**
     * Locks {@code lockPath} or fails at once.
     *
     * @throws StorageException "Couldn't lock ..." naming the file, when another process or
     *                          storage holds it
     */
    public static LockFile acquire(Path lockPath) {
        Path key = lockPath.toAbsolutePath().normalize();
        synchronized (HELD_IN_THIS_JVM) {
            if (!HELD_IN_THIS_JVM.add(key)) {
                throw new StorageException("Couldn't lock " + lockPath + ": it is held by another storage in this process");
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
                            + ": it is locked by another process (flock, errno " + Native.getLastError() + ")");
                }
            }
            ch = FileChannel.open(key, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE);
            java.nio.channels.FileLock jl;
            try {
                jl = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                jl = null;
            }
            if (jl == null) {
                throw new StorageException("Couldn't lock " + lockPath + ": it is locked by another process (fcntl)");
            }
            byte[] pid = (" " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(pid), 0);
            ch.force(false);
            return new LockFile(lockPath, key, ch, jl, fd);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            if (fd >= 0) {
                LIBC.close(fd);
            }
            synchronized (HELD_IN_THIS_JVM) {
                HELD_IN_THIS_JVM.remove(key);
            }
            if (e instanceof StorageException se) {
                throw se;
            }
            throw new StorageException("Couldn't lock " + lockPath + ": " + e, e);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                LOG.debug("closing a lock file channel", e);
            }
        }
    }

    /** The lock file. */
    public Path path() {
        return path;
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
            LOG.warn("releasing the lock on {}", path, e);
        }
        closeQuietly(channel);
        if (flockFd >= 0) {
            LIBC.close(flockFd);
        }
        synchronized (HELD_IN_THIS_JVM) {
            HELD_IN_THIS_JVM.remove(key);
        }
    }
}
