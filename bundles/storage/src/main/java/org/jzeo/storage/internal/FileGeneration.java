package org.jzeo.storage.internal;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One data file together with the index of positions in it and its committed end. A storage has
 * one current generation; pack replaces it with a new one (a new file, a new index).
 *
 * <p>Readers {@link #tryAcquire() acquire} the generation for the duration of one operation (a
 * load, an undoLog walk, an iterator's lifetime) and release it afterwards. When pack or close
 * {@link #retire() retires} a generation, its file stays open until the last reader releases it,
 * so a read that started on the old file finishes on the old file (whose bytes never change)
 * instead of failing on a closed channel. A reader that fails to acquire a retired generation
 * re-reads the storage's current one.
 */
public final class FileGeneration {
    private static final Logger LOG = LoggerFactory.getLogger(FileGeneration.class);

    private final DataFile file;
    private final OidIndex index;
    /** End of committed data: written only under the commit lock, after the data is durable. */
    private volatile long end;
    /** 1 for the storage's own reference plus one per reader; the file closes at 0. */
    private final AtomicInteger users = new AtomicInteger(1);

    /** A current generation for {@code file}, with its index and committed end. */
    public FileGeneration(DataFile file, OidIndex index, long end) {
        this.file = file;
        this.index = index;
        this.end = end;
    }

    /** The data file. */
    public DataFile file() {
        return file;
    }

    /** oid → newest record position in {@link #file()}. */
    public OidIndex index() {
        return index;
    }

    /** End of committed data. */
    public long end() {
        return end;
    }

    /** Moves the committed end (commit path only, under the commit lock). */
    public void setEnd(long end) {
        this.end = end;
    }

    /** Takes a reader's reference; false when the generation is already closed. */
    public boolean tryAcquire() {
        while (true) {
            int n = users.get();
            if (n == 0) {
                return false;
            }
            if (users.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Drops a reader's reference, closing the file after the last one of a retired generation. */
    public void release() {
        if (users.decrementAndGet() == 0) {
            try {
                file.close();
            } catch (IOException e) {
                LOG.warn("closing {}", file.path(), e);
            }
        }
    }

    /** Drops the storage's own reference: the file closes when the last reader is done. */
    public void retire() {
        release();
    }
}
