package org.jzeo.cache;

import static org.jzeo.cache.Data.oid;
import static org.jzeo.cache.Data.tid;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;

/** ZEO's cache rules (client-cache spec §4), for both a transient and a persistent cache. */
class SemanticsTest {
    @TempDir
    Path dir;
    private ClientCache cache;

    private ClientCache open(boolean persistent) {
        cache = ClientCache.open(persistent ? ClientCacheConfig.persistent(1 << 20, dir, "c")
                : ClientCacheConfig.transientCache(1 << 20));
        return cache;
    }

    @AfterEach
    void closeCache() {
        if (cache != null) {
            cache.close();
        }
    }

    private static void assertEntry(CacheEntry e, byte[] data, Tid start, Tid end) {
        assertNotNull(e, "expected a hit");
        assertArrayEquals(data, e.data());
        assertEquals(start, e.start());
        assertEquals(end, e.end());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void storeAndLoadCurrent(boolean persistent) {
        ClientCache c = open(persistent);
        Oid o = oid(1);
        assertNull(c.loadCurrent(o));
        byte[] d = Data.of(o, tid(1));
        c.store(o, tid(1), null, d);
        assertEntry(c.loadCurrent(o), d, tid(1), null);
        // the caller's array is copied on store and on load
        d[0] ^= 1;
        c.loadCurrent(o).data()[1] ^= 1;
        assertArrayEquals(Data.of(o, tid(1)), c.loadCurrent(o).data());
        assertEquals(1, c.size());
        assertEquals(Map.of(o, tid(1)), c.currentRevisions());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aSecondCurrentRevisionIsAnErrorTheSameOneANoOp(boolean persistent) {
        ClientCache c = open(persistent);
        Oid o = oid(1);
        c.store(o, tid(1), null, Data.of(o, tid(1)));
        c.store(o, tid(1), null, new byte[] {9}); // same revision again: no-op, data untouched
        assertArrayEquals(Data.of(o, tid(1)), c.loadCurrent(o).data());
        assertThrows(IllegalStateException.class, () -> c.store(o, tid(2), null, Data.of(o, tid(2))));
        assertEquals(1, c.stats().stores());
        assertEquals(1, c.size());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void nonCurrentDuplicateIsANoOpAndBadRangesAreRejected(boolean persistent) {
        ClientCache c = open(persistent);
        Oid o = oid(1);
        c.store(o, tid(1), tid(3), Data.of(o, tid(1)));
        c.store(o, tid(1), tid(3), new byte[] {1});
        assertEntry(c.loadBefore(o, tid(2)), Data.of(o, tid(1)), tid(1), tid(3));
        assertEquals(1, c.size());
        assertThrows(IllegalArgumentException.class, () -> c.store(o, tid(5), tid(5), new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> c.store(o, tid(5), tid(4), new byte[0]));
        assertNull(c.loadCurrent(o), "a non-current revision is not current");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void invalidateMakesCurrentNonCurrent(boolean persistent) {
        ClientCache c = open(persistent);
        Oid o = oid(7);
        c.store(o, tid(1), null, Data.of(o, tid(1)));
        c.invalidate(o, tid(4));
        assertNull(c.loadCurrent(o));
        assertEntry(c.loadBefore(o, tid(4)), Data.of(o, tid(1)), tid(1), tid(4));
        assertEntry(c.loadBefore(o, tid(2)), Data.of(o, tid(1)), tid(1), tid(4));
        assertNull(c.loadBefore(o, tid(5)), "ended before 5");
        assertNull(c.loadBefore(o, tid(1)), "starts at 1: not before 1");
        // the new revision can now be stored as current
        c.store(o, tid(4), null, Data.of(o, tid(4)));
        assertEntry(c.loadCurrent(o), Data.of(o, tid(4)), tid(4), null);
        assertEntry(c.loadBefore(o, tid(5)), Data.of(o, tid(4)), tid(4), null);
        assertEntry(c.loadBefore(o, tid(4)), Data.of(o, tid(1)), tid(1), tid(4));
        assertEquals(2, c.size());
        assertTrue(c.currentRevisions().equals(Map.of(o, tid(4))));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void invalidateWithItsOwnStartIsIgnoredAndMissesChangeNothing(boolean persistent) {
        ClientCache c = open(persistent);
        Oid o = oid(7);
        c.invalidate(o, tid(3)); // nothing cached
        c.invalidate(o, null);
        c.store(o, tid(3), null, Data.of(o, tid(3)));
        c.invalidate(o, tid(3));
        assertEntry(c.loadCurrent(o), Data.of(o, tid(3)), tid(3), null);
        // an end before the start cannot be represented: the revision is dropped, never served with it
        c.invalidate(o, tid(2));
        assertNull(c.loadCurrent(o));
        assertNull(c.loadBefore(o, tid(9)));
        assertEquals(0, c.size());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void invalidateWithoutTidDropsEveryRevision(boolean persistent) {
        ClientCache c = open(persistent);
        Oid o = oid(7);
        Oid other = oid(8);
        c.store(o, tid(1), tid(2), Data.of(o, tid(1)));
        c.store(o, tid(2), tid(5), Data.of(o, tid(2)));
        c.store(o, tid(5), null, Data.of(o, tid(5)));
        c.store(other, tid(1), null, Data.of(other, tid(1)));
        assertEquals(4, c.size());
        c.invalidate(o, null);
        assertNull(c.loadCurrent(o));
        assertNull(c.loadBefore(o, tid(2)));
        assertNull(c.loadBefore(o, tid(3)));
        assertEquals(1, c.size());
        assertEquals(Map.of(other, tid(1)), c.currentRevisions());
    }

    /** loadBefore picks the non-current revision with the largest start before, else the current one (§4). */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void loadBeforeChoosesTheRightRevision(boolean persistent) {
        ClientCache c = open(persistent);
        Oid o = oid(3);
        c.store(o, tid(10), tid(20), Data.of(o, tid(10)));
        c.store(o, tid(30), tid(40), Data.of(o, tid(30)));
        c.store(o, tid(40), null, Data.of(o, tid(40)));
        assertNull(c.loadBefore(o, tid(10)));
        assertEntry(c.loadBefore(o, tid(11)), Data.of(o, tid(10)), tid(10), tid(20));
        assertEntry(c.loadBefore(o, tid(20)), Data.of(o, tid(10)), tid(10), tid(20));
        assertNull(c.loadBefore(o, tid(21)), "the revision from 20 to 30 is not cached");
        assertNull(c.loadBefore(o, tid(30)));
        assertEntry(c.loadBefore(o, tid(31)), Data.of(o, tid(30)), tid(30), tid(40));
        assertEntry(c.loadBefore(o, tid(40)), Data.of(o, tid(30)), tid(30), tid(40));
        assertEntry(c.loadBefore(o, tid(41)), Data.of(o, tid(40)), tid(40), null);
        assertEntry(c.loadBefore(o, Tid.MAX), Data.of(o, tid(40)), tid(40), null);
        assertNull(c.loadBefore(oid(99), Tid.MAX));
    }

    /** A current revision older than a known end is stale (ZEO's ordering race): it is not cached. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void provablyStaleCurrentDataIsNotCached(boolean persistent) {
        ClientCache c = open(persistent);
        Oid o = oid(3);
        c.store(o, tid(1), null, Data.of(o, tid(1)));
        c.invalidate(o, tid(2));
        c.store(o, tid(1), null, Data.of(o, tid(1))); // a late load reply for the old revision
        assertNull(c.loadCurrent(o));
        assertEquals(1, c.size());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void lastTidMovesForwardOnly(boolean persistent) {
        ClientCache c = open(persistent);
        assertEquals(Tid.ZERO, c.lastTid());
        c.setLastTid(tid(5));
        assertEquals(tid(5), c.lastTid());
        c.setLastTid(tid(5));
        c.setLastTid(null);
        c.setLastTid(Tid.ZERO);
        assertEquals(tid(5), c.lastTid());
        assertThrows(IllegalArgumentException.class, () -> c.setLastTid(tid(4)));
        c.setLastTid(tid(6));
        assertEquals(tid(6), c.lastTid());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void clearDropsEverythingIncludingTheLastTid(boolean persistent) {
        ClientCache c = open(persistent);
        for (int i = 0; i < 50; i++) {
            c.store(oid(i), tid(1), null, Data.of(oid(i), tid(1)));
        }
        c.setLastTid(tid(9));
        c.clear();
        assertEquals(0, c.size());
        assertEquals(Tid.ZERO, c.lastTid());
        assertNull(c.loadCurrent(oid(3)));
        assertEquals(0, c.stats().bytesUsed());
        c.setLastTid(tid(2));
        c.store(oid(3), tid(2), null, Data.of(oid(3), tid(2)));
        assertEntry(c.loadCurrent(oid(3)), Data.of(oid(3), tid(2)), tid(2), null);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void recordsTooLargeAreNotCached(boolean persistent) {
        ClientCache c = open(persistent);
        c.store(oid(1), tid(1), null, new byte[1 << 20]);
        c.store(oid(2), tid(1), null, new byte[60_000]); // a segment of a 1 MiB cache is 64 KiB
        assertNull(c.loadCurrent(oid(1)));
        assertNotNull(c.loadCurrent(oid(2)));
        assertEquals(1, c.size());
        assertEquals(1, c.stats().stores());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aClosedCacheRefusesUse(boolean persistent) {
        ClientCache c = open(persistent);
        c.close();
        c.close();
        assertThrows(IllegalStateException.class, () -> c.loadCurrent(oid(1)));
        assertThrows(IllegalStateException.class, () -> c.store(oid(1), tid(1), null, new byte[1]));
        cache = null;
    }
}
