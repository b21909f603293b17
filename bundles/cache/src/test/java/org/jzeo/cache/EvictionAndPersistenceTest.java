package org.jzeo.cache;

import static org.jzeo.cache.Data.oid;
import static org.jzeo.cache.Data.tid;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;

/** Size bound, eviction policy, and persistence across a clean close. */
class EvictionAndPersistenceTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void staysWithinItsBoundAndNeverReturnsWrongData(boolean persistent) throws Exception {
        long max = 16 * 1024;
        ClientCacheConfig cfg = persistent ? ClientCacheConfig.persistent(max, dir, "small")
                : ClientCacheConfig.transientCache(max);
        Model m = new Model(42, 400);
        try (ClientCache c = ClientCache.open(cfg)) {
            for (int i = 0; i < 20_000; i++) {
                m.randomOp(c);
                assertTrue(c.stats().bytesUsed() <= max);
            }
            CacheStats s = c.stats();
            assertTrue(s.evictions() > 100, "evictions " + s);
            assertTrue(s.hits() > 0 && s.misses() > 0, s.toString());
            assertEquals(c.size(), s.entries());
            m.contents(c); // checks every entry it can reach
        }
        if (persistent) {
            assertTrue(Files.size(dir.resolve("small.jzc")) <= max, "file within maxBytes");
        }
    }

    @Test
    void hotRevisionsGetASecondChance() {
        long max = 64 * 1024;
        try (ClientCache c = ClientCache.open(ClientCacheConfig.transientCache(max))) {
            int hot = 50;
            for (int i = 0; i < hot; i++) {
                c.store(oid(i), tid(1), null, Data.of(oid(i), tid(1), 100));
                for (int k = 0; k < 5; k++) { // hot objects arrive among others, as in a real workload
                    Oid other = oid(100_000 + i * 5 + k);
                    c.store(other, tid(1), null, Data.of(other, tid(1), 100));
                }
            }
            // a cold stream several times the cache size, while the hot set keeps being read
            for (int i = 0; i < 5_000; i++) {
                Oid cold = oid(1_000 + i);
                c.store(cold, tid(1), null, Data.of(cold, tid(1), 100));
                if (i % 20 == 0) {
                    for (int h = 0; h < hot; h++) {
                        c.loadCurrent(oid(h));
                    }
                }
            }
            int hotLeft = 0;
            for (int h = 0; h < hot; h++) {
                if (c.loadCurrent(oid(h)) != null) {
                    hotLeft++;
                }
            }
            int coldLeft = 0;
            for (int i = 0; i < 5_000; i++) {
                if (c.loadCurrent(oid(1_000 + i)) != null) {
                    coldLeft++;
                }
            }
            assertEquals(hot, hotLeft, "every hot object survived the cold stream");
            assertTrue(coldLeft < 5_000 / 2, "most of the cold stream was evicted: " + coldLeft);
        }
    }

    @Test
    void entriesInvalidationsAndLastTidSurviveReopen() {
        ClientCacheConfig cfg = ClientCacheConfig.persistent(1 << 20, dir, "p");
        try (ClientCache c = ClientCache.open(cfg)) {
            c.store(oid(1), tid(1), null, Data.of(oid(1), tid(1)));
            c.store(oid(2), tid(1), null, Data.of(oid(2), tid(1)));
            c.store(oid(3), tid(1), null, Data.of(oid(3), tid(1)));
            c.invalidate(oid(2), tid(3));
            c.invalidate(oid(3), null);
            c.setLastTid(tid(2));
            c.setLastTid(tid(3));
        }
        try (ClientCache c = ClientCache.open(cfg)) {
            assertEquals(tid(3), c.lastTid());
            assertEquals(2, c.size());
            assertArrayEquals(Data.of(oid(1), tid(1)), c.loadCurrent(oid(1)).data());
            assertNull(c.loadCurrent(oid(2)));
            CacheEntry e = c.loadBefore(oid(2), tid(3));
            assertEquals(tid(3), e.end());
            assertNull(c.loadBefore(oid(3), Tid.MAX));
            assertThrows(c, tid(2));
            c.clear();
        }
        try (ClientCache c = ClientCache.open(cfg)) {
            assertEquals(0, c.size(), "clear is persistent");
            assertEquals(Tid.ZERO, c.lastTid());
        }
    }

    private static void assertThrows(ClientCache c, Tid older) {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> c.setLastTid(older));
    }

    /** A long random history with many passes round the ring: a reopened cache holds exactly what it held. */
    @Test
    void reopenRestoresExactlyTheContentsAfterManyRotations() {
        ClientCacheConfig cfg = ClientCacheConfig.persistent(32 * 1024, dir, "ring");
        Model m = new Model(7, 300);
        for (int round = 0; round < 4; round++) {
            Set<String> before;
            Tid last;
            long size;
            try (ClientCache c = ClientCache.open(cfg)) {
                for (int i = 0; i < 5_000; i++) {
                    m.randomOp(c);
                }
                before = m.contents(c);
                last = c.lastTid();
                size = c.size();
                assertTrue(c.stats().evictions() > 0);
            }
            try (ClientCache c = ClientCache.open(cfg)) {
                assertEquals(last, c.lastTid());
                assertEquals(size, c.size());
                assertEquals(before, m.contents(c));
            }
        }
    }

    @Test
    void anotherSizeStartsAfresh() {
        try (ClientCache c = ClientCache.open(ClientCacheConfig.persistent(1 << 20, dir, "s"))) {
            c.store(oid(1), tid(1), null, new byte[10]);
            c.setLastTid(tid(1));
        }
        try (ClientCache c = ClientCache.open(ClientCacheConfig.persistent(2 << 20, dir, "s"))) {
            assertEquals(0, c.size());
            assertEquals(Tid.ZERO, c.lastTid());
            c.store(oid(1), tid(1), null, new byte[10]);
        }
        try (ClientCache c = ClientCache.open(ClientCacheConfig.persistent(2 << 20, dir, "s"))) {
            assertNotNull(c.loadCurrent(oid(1)));
        }
        assertTrue(Files.notExists(dir.resolve("s.jzc.bad")), "a resize is not damage");
    }
}
