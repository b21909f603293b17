package org.jzeo.cache;

import java.util.Map;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;

/**
 * The client's cache of object revisions (the semantics of ZEO 5's cache, client-cache spec §4–5;
 * the file format is jzeo's own). Thread-safe. A cache never returns data that was not stored for
 * that oid and tid range.
 *
 * <p>Per oid it holds at most one current revision (end {@code null}) and any number of
 * non-current ones. {@link #lastTid()} is the tid up to which the cache is known to be consistent
 * with the server; a persistent cache keeps it across restarts.
 *
 * <p>Loads never block on writers or on the disk; the arrays in returned entries are copies the
 * caller may keep or change. A persistent cache is the file {@code <directory>/<name>.jzc} (jzeo's
 * own format, not ZEO's {@code .zec}), locked by {@code <name>.jzc.lock} while open, and survives a
 * crash of the process: what it recovers is a state it really had, never data that was not stored.
 * A transient cache lives in memory only. Both hold at most {@code maxBytes} of log records (at
 * least 1 KiB); a record larger than one segment of the cache (about 1/16 of it) is not cached.
 */
public interface ClientCache extends AutoCloseable {
    /**
     * Opens a cache as configured (a persistent file is created or reused; a damaged or foreign file
     * is renamed to {@code <name>.jzc.bad} and started afresh).
     *
     * @throws org.jzeo.api.StorageException "Couldn't lock ..." when the persistent cache is open in
     *                                       another process (or already in this one)
     */
    static ClientCache open(ClientCacheConfig config) {
        return org.jzeo.cache.internal.CacheFactory.open(config);
    }

    /** The current revision of {@code oid}, or {@code null}. */
    CacheEntry loadCurrent(Oid oid);

    /**
     * The revision that was current just before {@code before}: a cached revision with
     * {@code start < before} and ({@code end == null} or {@code end >= before}); {@code null} on a miss.
     */
    CacheEntry loadBefore(Oid oid, Tid before);

    /**
     * Stores a revision. {@code end == null} stores it as current (replacing nothing: a different
     * current revision already cached is an error, as in ZEO); otherwise as non-current. Records too
     * large for the cache are silently not cached.
     *
     * @throws IllegalStateException    when a different current revision of {@code oid} is cached
     * @throws IllegalArgumentException when {@code end} is not after {@code start}
     */
    void store(Oid oid, Tid start, Tid end, byte[] data);

    /**
     * The current revision of {@code oid} ended at {@code tid} (it becomes non-current with
     * {@code end = tid}); with {@code tid == null} every revision of {@code oid} is dropped. A
     * {@code tid} equal to the current revision's start is ignored with a warning.
     */
    void invalidate(Oid oid, Tid tid);

    /** The tid the cache is consistent with, {@link Tid#ZERO} when unknown. */
    Tid lastTid();

    /**
     * Moves {@link #lastTid()} forward (a smaller tid is an error; an equal one, {@code null} and
     * {@link Tid#ZERO} are ignored); persisted.
     *
     * @throws IllegalArgumentException when {@code tid} is smaller than the current last tid
     */
    void setLastTid(Tid tid);

    /** Drops everything, last tid included. */
    void clear();

    /** The oids with a current revision and that revision's start tid (for full verification). */
    Map<Oid, Tid> currentRevisions();

    /** Number of revisions held. */
    long size();

    /** Hit/miss/eviction counters. */
    CacheStats stats();

    /** Flushes (a persistent cache) and releases the file and its lock. */
    @Override
    void close();
}
