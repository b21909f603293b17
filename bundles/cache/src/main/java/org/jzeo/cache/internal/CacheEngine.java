package org.jzeo.cache.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

import org.jzeo.api.Oid;
import org.jzeo.api.Tid;
import org.jzeo.cache.CacheEntry;
import org.jzeo.cache.CacheStats;
import org.jzeo.cache.ClientCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache: ZEO's semantics over an in-memory index, with every change also appended to a
 * {@link CacheLog} (the {@link SegmentFile} of a persistent cache, nothing for a transient one).
 *
 * <h2>Concurrency</h2>
 * Loads take no lock and do no I/O: they read a {@link ConcurrentHashMap} from oid to an immutable
 * {@link Revisions} whose revisions hold their data on the heap, and return a copy. Changes
 * (store, invalidate, setLastTid, clear) are serialised by one write lock, under which the index
 * is updated copy-on-write and the log record is copied into the memory-mapped file; the kernel
 * writes it back behind, and a flusher thread syncs completed segments. So readers scale with
 * cores and never wait for writers or for the disk.
 *
 * <h2>Eviction: segmented FIFO with second chance</h2>
 * The log is a ring of segments (see {@link Geometry}) filled in turn. When the active segment is
 * full the next one (the oldest) is reused: its revisions that were loaded since they were written
 * (their {@code referenced} bit) are moved into the new generation, up to 3/4 of it, and the rest
 * are evicted. Hot objects thus survive a pass of the ring, one-shot ones leave in FIFO order, and
 * a write never costs more than copying one segment's worth of hot records. The bound counts whole
 * records in the log (including invalidation and last-tid records), so the file never grows past
 * {@code maxBytes} and the heap holds at most that much cached data.
 */
final class CacheEngine implements ClientCache, SegmentFile.Replay {
    private static final Logger LOG = LoggerFactory.getLogger(CacheEngine.class);

    private final String name;
    private final long maxBytes;
    private final Geometry geo;
    private final CacheLog log;
    private final TraceWriter trace;
    private final AutoCloseable fileLock;

    private final ConcurrentHashMap<Oid, Revisions> index = new ConcurrentHashMap<>();
    private final ReentrantLock writeLock = new ReentrantLock();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();

    // guarded by writeLock (volatile where read without it)
    private final long[] segGen;
    private final List<List<Oid>> segOids;
    private int active;
    private int activeOff;
    private boolean activeSealed;
    private long lastGen;
    /** Offset of the log's tail record when it is a LASTTID record (rewritten in place), else -1. */
    private int tailLastTidOff = -1;
    private volatile Tid lastTid = Tid.ZERO;
    private volatile long stores;
    private volatile long evictions;
    private volatile long entries;
    private volatile long bytes;
    private volatile boolean closed;

    CacheEngine(String name, long maxBytes, Geometry geo, CacheLog log, TraceWriter trace, AutoCloseable fileLock) {
        this.name = name;
        this.maxBytes = maxBytes;
        this.geo = geo;
        this.log = log;
        this.trace = trace;
        this.fileLock = fileLock;
        this.segGen = new long[geo.segments()];
        this.segOids = new ArrayList<>(geo.segments());
        for (int i = 0; i < geo.segments(); i++) {
            segOids.add(new ArrayList<>());
        }
    }

    /** Starts writing where recovery left off, or in a fresh first segment. */
    void start(SegmentFile.Tail tail) {
        writeLock.lock();
        try {
            if (tail == null || tail.seg() < 0) {
                lastGen++;
                active = 0;
                segGen[0] = lastGen;
                segOids.get(0).clear();
                activeOff = SegmentFile.SEG_HEADER;
                activeSealed = false;
                log.beginSegment(0, lastGen, lastTid);
            } else {
                active = tail.seg();
                lastGen = tail.gen();
                activeOff = Math.min(tail.offset(), geo.segmentSize());
                activeSealed = activeOff + SegmentFile.END_SIZE > geo.segmentSize();
            }
        } finally {
            writeLock.unlock();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("cache " + name + " is closed");
        }
    }

    // ---- loads: no lock, no I/O ----

    @Override
    public CacheEntry loadCurrent(Oid oid) {
        checkOpen();
        Revisions r = index.get(oid);
        Rev c = r == null ? null : r.current;
        if (c == null) {
            misses.increment();
            trace(TraceWriter.LOAD_MISS, oid, null, null, 0);
            return null;
        }
        return hit(TraceWriter.LOAD_HIT, oid, c);
    }

    @Override
    public CacheEntry loadBefore(Oid oid, Tid before) {
        checkOpen();
        Objects.requireNonNull(before, "before");
        Revisions r = index.get(oid);
        if (r != null) {
            Rev n = r.noncurrentBefore(before);
            if (n != null && n.end.compareTo(before) >= 0) {
                return hit(TraceWriter.LOAD_BEFORE_HIT, oid, n);
            }
            Rev c = r.current;
            if (c != null && c.start.compareTo(before) < 0) {
                return hit(TraceWriter.LOAD_BEFORE_HIT, oid, c);
            }
        }
        misses.increment();
        trace(TraceWriter.LOAD_BEFORE_MISS, oid, before, null, 0);
        return null;
    }

    private CacheEntry hit(int code, Oid oid, Rev rev) {
        if (!rev.referenced) {
            rev.referenced = true; // written only when it changes, so hot objects do not bounce a cache line
        }
        hits.increment();
        trace(code, oid, rev.start, rev.end, rev.data.length);
        // a copy: the caller may not corrupt what later loads return
        return new CacheEntry(rev.data.clone(), rev.start, rev.end);
    }

    private void trace(int code, Oid oid, Tid tid, Tid end, int dlen) {
        TraceWriter t = trace;
        if (t != null) {
            t.record(code, oid, tid, end, dlen);
        }
    }

    // ---- changes: under the write lock ----

    @Override
    public void store(Oid oid, Tid start, Tid end, byte[] data) {
        Objects.requireNonNull(oid, "oid");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(data, "data");
        if (end != null && end.compareTo(start) <= 0) {
            throw new IllegalArgumentException("end " + end + " must be after start " + start + " for oid " + oid);
        }
        int size = SegmentFile.STORE_OVERHEAD + data.length;
        if (size > geo.maxRecord()) {
            return; // too large for the cache: not cached, as ZEO
        }
        byte[] copy = data.clone();
        writeLock.lock();
        try {
            checkOpen();
            Revisions r = Revisions.of(index.get(oid));
            if (end == null) {
                if (r.current != null) {
                    if (r.current.start.equals(start)) {
                        return;
                    }
                    throw new IllegalStateException("already have current data for oid " + oid + " (" + r.current.start
                            + "), cannot store " + start);
                }
                if (r.endsAfter(start)) {
                    // a revision that ended after this start is cached: this "current" data is provably stale
                    LOG.debug("not caching stale current data for oid {} at {}", oid, start);
                    return;
                }
            } else if (r.noncurrentStarting(start) != null) {
                return;
            }
            int off = alloc(size);
            log.writeStore(active, off, oid, start, end, copy);
            Rev rev = new Rev(start, end, copy, active, segGen[active], size);
            // re-read: making room may have evicted or moved revisions of this oid
            Revisions now = Revisions.of(index.get(oid));
            index.put(oid, end == null ? now.withCurrent(rev) : now.withNoncurrent(rev));
            segOids.get(active).add(oid);
            stores++;
            entries++;
            bytes += size;
        } finally {
            writeLock.unlock();
        }
        trace(end == null ? TraceWriter.STORE_CURRENT : TraceWriter.STORE_NONCURRENT, oid, start, end, data.length);
    }

    @Override
    public void invalidate(Oid oid, Tid tid) {
        Objects.requireNonNull(oid, "oid");
        int code;
        writeLock.lock();
        try {
            checkOpen();
            Revisions r = index.get(oid);
            boolean changes;
            if (tid == null) {
                changes = r != null;
            } else if (r == null || r.current == null) {
                changes = false;
            } else if (tid.equals(r.current.start)) {
                LOG.warn("cache {}: ignoring invalidation of oid {} with its own start tid {}", name, oid, tid);
                return;
            } else {
                changes = true;
            }
            if (!changes) {
                code = TraceWriter.INVALIDATE_MISS;
            } else {
                int off = alloc(SegmentFile.INVAL_SIZE);
                log.writeInvalidate(active, off, oid, tid);
                code = applyInvalidate(oid, tid);
            }
        } finally {
            writeLock.unlock();
        }
        trace(code, oid, tid, null, 0);
    }

    /** The index side of an invalidation (live or replayed); returns the trace code. */
    private int applyInvalidate(Oid oid, Tid tid) {
        Revisions r = index.get(oid);
        if (r == null) {
            return TraceWriter.INVALIDATE_MISS;
        }
        if (tid == null) {
            for (Rev rev : r.all()) {
                forget(rev);
            }
            index.remove(oid);
            return TraceWriter.INVALIDATE_DISCARD;
        }
        Rev cur = r.current;
        if (cur == null) {
            return TraceWriter.INVALIDATE_MISS;
        }
        int c = tid.compareTo(cur.start);
        if (c == 0) {
            return TraceWriter.INVALIDATE_MISS;
        }
        Revisions nr = r.without(cur);
        int code;
        if (c < 0) {
            // an end before the start cannot be represented; dropping is the safe reading
            LOG.warn("cache {}: invalidation of oid {} at {} precedes its current revision {}; dropping it", name, oid,
                    tid, cur.start);
            forget(cur);
            code = TraceWriter.INVALIDATE_DISCARD;
        } else if (r.noncurrentStarting(cur.start) != null) {
            forget(cur); // the same revision is already cached as non-current
            code = TraceWriter.INVALIDATE_NONCURRENT;
        } else {
            nr = nr.withNoncurrent(cur.withEnd(tid));
            code = TraceWriter.INVALIDATE_NONCURRENT;
        }
        if (nr.isEmpty()) {
            index.remove(oid);
        } else {
            index.put(oid, nr);
        }
        return code;
    }

    private void forget(Rev rev) {
        entries--;
        bytes -= rev.size;
    }

    @Override
    public Tid lastTid() {
        return lastTid;
    }

    @Override
    public void setLastTid(Tid tid) {
        if (tid == null || tid.equals(Tid.ZERO)) {
            return;
        }
        writeLock.lock();
        try {
            checkOpen();
            int c = tid.compareTo(lastTid);
            if (c == 0) {
                return;
            }
            if (c < 0) {
                throw new IllegalArgumentException("new last tid (" + tid + ") must be greater than previous one ("
                        + lastTid + ")");
            }
            if (tailLastTidOff >= 0) {
                // Consecutive last tids rewrite the tail record in place, so idle transactions do not
                // fill the log. If that write is torn the previous, older tid is recovered: older only
                // means more invalidations are asked for, never that stale data is trusted.
                log.writeLastTid(active, tailLastTidOff, tid);
            } else {
                int off = alloc(SegmentFile.LASTTID_SIZE);
                log.writeLastTid(active, off, tid);
                tailLastTidOff = off;
            }
            lastTid = tid;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void clear() {
        writeLock.lock();
        try {
            checkOpen();
            index.clear();
            for (List<Oid> l : segOids) {
                l.clear();
            }
            java.util.Arrays.fill(segGen, 0);
            entries = 0;
            bytes = 0;
            lastTid = Tid.ZERO;
            log.clear();
            lastGen++;
            active = 0;
            segGen[0] = lastGen;
            activeOff = SegmentFile.SEG_HEADER;
            activeSealed = false;
            tailLastTidOff = -1;
            log.beginSegment(0, lastGen, Tid.ZERO);
        } finally {
            writeLock.unlock();
        }
    }

    /** Reserves {@code size} bytes in the active segment, moving to the next one when it is full. */
    private int alloc(int size) {
        if (activeSealed || activeOff + size + SegmentFile.END_SIZE > geo.segmentSize()) {
            rotate(size);
        }
        int off = activeOff;
        activeOff += size;
        tailLastTidOff = -1;
        return off;
    }

    /**
     * Seals the active segment and reuses the oldest one: second chance for referenced revisions,
     * eviction for the rest. Moved revisions take at most 3/4 of the segment, so each rotation frees
     * at least a quarter of one (a store copies at most 3 bytes of hot data per byte it writes,
     * amortised), and always leave room for the {@code need} bytes that caused the rotation.
     */
    private void rotate(int need) {
        if (!activeSealed) {
            log.seal(active, activeOff);
        }
        int next = (active + 1) % geo.segments();
        long oldGen = segGen[next];
        long gen = ++lastGen;
        List<Oid> oids = segOids.get(next);
        segOids.set(next, new ArrayList<>());
        segGen[next] = gen;
        active = next;
        activeOff = SegmentFile.SEG_HEADER;
        activeSealed = false;
        tailLastTidOff = -1;
        log.beginSegment(next, gen, lastTid);
        int budget = Math.min(geo.maxRecord() / 4 * 3, geo.maxRecord() - need);
        Set<Oid> seen = new HashSet<>();
        for (Oid oid : oids) {
            if (!seen.add(oid)) {
                continue;
            }
            Revisions r = index.get(oid);
            if (r == null) {
                continue;
            }
            Revisions nr = r;
            for (Rev rev : r.all()) {
                if (!rev.livesIn(next, oldGen)) {
                    continue;
                }
                if (rev.referenced && rev.size <= budget) {
                    budget -= rev.size;
                    int off = activeOff;
                    activeOff += rev.size;
                    log.writeStore(next, off, oid, rev.start, rev.end, rev.data);
                    nr = nr.replace(rev, rev.movedTo(next, gen));
                    segOids.get(next).add(oid);
                } else {
                    nr = nr.without(rev);
                    forget(rev);
                    evictions++;
                }
            }
            if (nr.isEmpty()) {
                index.remove(oid);
            } else if (nr != r) {
                index.put(oid, nr);
            }
        }
    }

    @Override
    public Map<Oid, Tid> currentRevisions() {
        checkOpen();
        Map<Oid, Tid> m = new HashMap<>();
        index.forEach((oid, r) -> {
            if (r.current != null) {
                m.put(oid, r.current.start);
            }
        });
        return m;
    }

    @Override
    public long size() {
        return entries;
    }

    @Override
    public CacheStats stats() {
        return new CacheStats(hits.sum(), misses.sum(), stores, evictions, entries, bytes, maxBytes);
    }

    @Override
    public void close() {
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                log.close();
            } finally {
                if (trace != null) {
                    trace.close();
                }
                if (fileLock != null) {
                    try {
                        fileLock.close();
                    } catch (Exception e) {
                        LOG.warn("cache {}: releasing the lock", name, e);
                    }
                }
            }
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public String toString() {
        return "ClientCache[" + name + ", " + entries + " revisions, " + bytes + "/" + maxBytes + " bytes]";
    }

    // ---- recovery (single-threaded, before start) ----

    @Override
    public void segment(int seg, long gen, Tid tid) {
        segGen[seg] = gen;
        segOids.get(seg).clear();
        lastTid(tid);
    }

    @Override
    public void store(int seg, long gen, int size, Oid oid, Tid start, Tid end, byte[] data) {
        Revisions r = Revisions.of(index.get(oid));
        // Replay never rejects: the log is history, and a later record supersedes an earlier one.
        Rev old = end == null ? r.current : r.noncurrentStarting(start);
        if (old != null) {
            r = r.without(old);
            forget(old);
        }
        Rev rev = new Rev(start, end, data, seg, gen, size);
        index.put(oid, end == null ? r.withCurrent(rev) : r.withNoncurrent(rev));
        segOids.get(seg).add(oid);
        entries++;
        bytes += size;
    }

    @Override
    public void invalidate(Oid oid, Tid tid, boolean replayed) {
        applyInvalidate(oid, tid);
    }

    @Override
    public void lastTid(Tid tid) {
        if (tid.compareTo(lastTid) > 0) {
            lastTid = tid;
        }
    }

    @Override
    public void dropAll(String why) {
        index.clear();
        for (List<Oid> l : segOids) {
            l.clear();
        }
        entries = 0;
        bytes = 0;
    }
}
