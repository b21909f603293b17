package org.jzeo.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.jzeo.api.Oid;
import org.jzeo.api.Tid;

/**
 * The database a client sees: each oid's revision history. Drives a cache the way ClientStorage
 * does (loads store what the "server" returns, commits invalidate then store, then set the last
 * tid) and checks that every entry the cache returns is exactly a stored revision with its true
 * tid range.
 */
final class Model {
    /** Start tids of each oid's revisions, ascending; the last one is current. */
    final Map<Oid, List<Tid>> history = new HashMap<>();
    final Random random;
    final int oids;
    final long firstOid;
    final boolean setsLastTid;
    long clock = 1;

    Model(long seed, int oids) {
        this(seed, 0, oids, true);
    }

    /** Oids {@code firstOid ..+oids}; several models may share a cache if only one sets the last tid. */
    Model(long seed, long firstOid, int oids, boolean setsLastTid) {
        this.random = new Random(seed);
        this.oids = oids;
        this.firstOid = firstOid;
        this.setsLastTid = setsLastTid;
    }

    private Oid pick() {
        return Data.oid(firstOid + random.nextInt(oids));
    }

    Tid lastCommitted() {
        return Data.tid(clock);
    }

    /** One commit of a few oids: invalidate, sometimes store what the client sent, then the last tid. */
    void commit(ClientCache c) {
        Tid t = Data.tid(++clock);
        int n = 1 + random.nextInt(4);
        for (int i = 0; i < n; i++) {
            Oid o = pick();
            List<Tid> h = history.computeIfAbsent(o, k -> new ArrayList<>());
            if (!h.isEmpty() && h.get(h.size() - 1).equals(t)) {
                continue;
            }
            h.add(t);
            c.invalidate(o, t);
            if (random.nextBoolean()) {
                c.store(o, t, null, Data.of(o, t));
            }
        }
        if (setsLastTid) {
            c.setLastTid(t);
        }
    }

    /** A load: a hit must be right; a miss stores the server's answer (current or an older revision). */
    void load(ClientCache c) {
        Oid o = pick();
        List<Tid> h = history.get(o);
        if (h == null) {
            return;
        }
        if (random.nextInt(3) > 0) {
            CacheEntry e = c.loadCurrent(o);
            if (e != null) {
                check(o, e);
                assertEquals(null, e.end());
            } else {
                Tid s = h.get(h.size() - 1);
                c.store(o, s, null, Data.of(o, s));
            }
        } else {
            int i = random.nextInt(h.size());
            Tid before = h.get(i).next();
            CacheEntry e = c.loadBefore(o, before);
            if (e != null) {
                check(o, e);
                assertEquals(h.get(i), e.start(), "loadBefore must return the revision valid before " + before);
            } else {
                Tid end = i + 1 < h.size() ? h.get(i + 1) : null;
                c.store(o, h.get(i), end, Data.of(o, h.get(i)));
            }
        }
    }

    void randomOp(ClientCache c) {
        int k = random.nextInt(10);
        if (k < 3) {
            commit(c);
        } else if (k == 3 && random.nextInt(10) == 0) {
            Oid o = pick();
            c.invalidate(o, null); // verification's full removal
        } else {
            load(c);
        }
    }

    /** The entry is a revision that was stored, with its data and true range (or current when it is the newest). */
    void check(Oid o, CacheEntry e) {
        List<Tid> h = history.get(o);
        if (h == null) {
            fail("entry for never-written oid " + o);
        }
        int i = h.indexOf(e.start());
        assertTrue(i >= 0, () -> "entry " + e.start() + " of " + o + " was never written");
        assertArrayEquals(Data.of(o, e.start()), e.data(), () -> "data of " + o + "@" + e.start());
        if (e.end() == null) {
            assertEquals(h.size() - 1, i, () -> "stale current revision " + e.start() + " of " + o + " (history " + h + ")");
        } else {
            assertTrue(i + 1 < h.size() && h.get(i + 1).equals(e.end()),
                    () -> "wrong end " + e.end() + " for " + o + "@" + e.start() + " (history " + h + ")");
        }
    }

    /** Everything the cache holds for the model's oids, as "oid start end" strings, checked on the way. */
    Set<String> contents(ClientCache c) {
        Set<String> s = new HashSet<>();
        for (Map.Entry<Oid, List<Tid>> me : history.entrySet()) {
            Oid o = me.getKey();
            for (Tid t : me.getValue()) {
                CacheEntry e = c.loadBefore(o, t.next());
                if (e != null) {
                    check(o, e);
                    if (e.start().equals(t)) {
                        s.add(o + " " + e.start() + " " + e.end());
                    }
                }
            }
            CacheEntry cur = c.loadCurrent(o);
            if (cur != null) {
                check(o, cur);
                s.add(o + " " + cur.start() + " " + cur.end());
            }
        }
        return s;
    }
}
