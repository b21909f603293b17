package org.jzeo.client;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;
import org.jzeo.cache.CacheEntry;
import org.jzeo.cache.CacheStats;
import org.jzeo.cache.ClientCache;

/**
 * Test-only in-memory {@link ClientCache} with the interface's semantics (unbounded). "Persistent"
 * instances are kept by {@link TestCaches} so that a restarted client finds its cache again.
 */
final class MemoryCache implements ClientCache {
    private final Map<Oid, List<CacheEntry>> entries = new HashMap<>();
    private Tid lastTid = Tid.ZERO;
    private long hits;
    private long misses;
    private long stores;
    volatile boolean closed;

    @Override
    public synchronized CacheEntry loadCurrent(Oid oid) {
        for (CacheEntry e : entries.getOrDefault(oid, List.of())) {
            if (e.end() == null) {
                hits++;
                return e;
            }
        }
        misses++;
        return null;
    }

    @Override
    public synchronized CacheEntry loadBefore(Oid oid, Tid before) {
        for (CacheEntry e : entries.getOrDefault(oid, List.of())) {
            if (e.start().compareTo(before) < 0 && (e.end() == null || e.end().compareTo(before) >= 0)) {
                hits++;
                return e;
            }
        }
        misses++;
        return null;
    }

    @Override
    public synchronized void store(Oid oid, Tid start, Tid end, byte[] data) {
        List<CacheEntry> list = entries.computeIfAbsent(oid, k -> new ArrayList<>());
        for (CacheEntry e : list) {
            if (e.start().equals(start)) {
                if (e.end() == null && end == null) {
                    return;
                }
                if (end != null && e.end() != null) {
                    return;
                }
            }
            if (end == null && e.end() == null) {
                throw new IllegalStateException("a different current revision of " + oid + " is cached");
            }
        }
        stores++;
        list.add(new CacheEntry(data.clone(), start, end));
    }

    @Override
    public synchronized void invalidate(Oid oid, Tid tid) {
        if (tid == null) {
            entries.remove(oid);
            return;
        }
        List<CacheEntry> list = entries.get(oid);
        if (list == null) {
            return;
        }
        for (int i = 0; i < list.size(); i++) {
            CacheEntry e = list.get(i);
            if (e.end() == null) {
                if (e.start().compareTo(tid) < 0) {
                    list.set(i, new CacheEntry(e.data(), e.start(), tid));
                } else {
                    list.remove(i);
                }
                return;
            }
        }
    }

    @Override
    public synchronized Tid lastTid() {
        return lastTid;
    }

    @Override
    public synchronized void setLastTid(Tid tid) {
        if (tid.compareTo(lastTid) < 0) {
            throw new IllegalArgumentException("last tid going backwards: " + tid + " < " + lastTid);
        }
        lastTid = tid;
    }

    @Override
    public synchronized void clear() {
        entries.clear();
        lastTid = Tid.ZERO;
    }

    @Override
    public synchronized Map<Oid, Tid> currentRevisions() {
        Map<Oid, Tid> out = new LinkedHashMap<>();
        entries.forEach((oid, list) -> list.stream().filter(e -> e.end() == null).findFirst()
                .ifPresent(e -> out.put(oid, e.start())));
        return out;
    }

    @Override
    public synchronized long size() {
        return entries.values().stream().mapToLong(List::size).sum();
    }

    @Override
    public synchronized CacheStats stats() {
        return new CacheStats(hits, misses, stores, 0, size(), 0, Long.MAX_VALUE);
    }

    @Override
    public void close() {
        closed = true;
    }
}
