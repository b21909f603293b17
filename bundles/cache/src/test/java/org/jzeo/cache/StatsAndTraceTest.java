package org.jzeo.cache;

import static org.jzeo.cache.Data.oid;
import static org.jzeo.cache.Data.tid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jzeo.api.Tid;

/** Counters, and the access trace in ZEO's record format (client-cache spec §7). */
class StatsAndTraceTest {
    @TempDir
    Path dir;

    @Test
    void countersFollowTheOperations() {
        try (ClientCache c = ClientCache.open(ClientCacheConfig.persistent(1 << 20, dir, "s"))) {
            assertEquals(new CacheStats(0, 0, 0, 0, 0, 0, 1 << 20), c.stats());
            c.loadCurrent(oid(1));
            c.store(oid(1), tid(1), null, new byte[10]);
            c.store(oid(1), tid(1), null, new byte[10]); // no-op: not counted
            c.store(oid(2), tid(1), tid(2), new byte[20]);
            c.loadCurrent(oid(1));
            c.loadBefore(oid(2), tid(2));
            c.loadBefore(oid(2), tid(3));
            CacheStats s = c.stats();
            assertEquals(2, s.hits());
            assertEquals(2, s.misses());
            assertEquals(2, s.stores());
            assertEquals(2, s.entries());
            assertEquals(33 + 10 + 33 + 20, s.bytesUsed(), "record sizes in the log");
            assertEquals(0, s.evictions());
            c.invalidate(oid(2), null);
            assertEquals(1, c.stats().entries());
            assertEquals(43, c.stats().bytesUsed());
        }
    }

    /** One 34-byte trace record. */
    record Rec(int time, int code, int dlen, Tid tid, Tid end, long oid) {
    }

    @Test
    void theTraceRecordsEveryAccessInZeoFormat() throws Exception {
        Path trace = dir.resolve("cache.trace");
        long before = System.currentTimeMillis() / 1000;
        try (ClientCache c = ClientCache.open(new ClientCacheConfig(1 << 20, null, null, trace))) {
            c.loadCurrent(oid(5)); // 0x20
            c.store(oid(5), tid(1), null, new byte[7]); // 0x52
            c.loadCurrent(oid(5)); // 0x22
            c.loadBefore(oid(5), tid(1)); // 0x24
            c.invalidate(oid(5), tid(3)); // 0x1C
            c.loadBefore(oid(5), tid(2)); // 0x26
            c.invalidate(oid(6), tid(3)); // 0x10
            c.store(oid(6), tid(1), tid(2), new byte[300]); // 0x54
            c.invalidate(oid(6), null); // 0x1E
        }
        byte[] b = Files.readAllBytes(trace);
        assertEquals(0, b.length % 34);
        ByteBuffer bb = ByteBuffer.wrap(b);
        List<Rec> recs = new ArrayList<>();
        while (bb.hasRemaining()) {
            int time = bb.getInt();
            int packed = bb.getInt();
            assertEquals(8, bb.getShort());
            Tid t = Tid.of(bb.getLong());
            Tid e = Tid.of(bb.getLong());
            recs.add(new Rec(time, packed & 0xff, packed >>> 8, t, e, bb.getLong()));
        }
        int[] codes = recs.stream().mapToInt(Rec::code).toArray();
        org.junit.jupiter.api.Assertions.assertArrayEquals(
                new int[] {0x00, 0x20, 0x52, 0x22, 0x24, 0x1C, 0x26, 0x10, 0x54, 0x1E}, codes);
        for (Rec r : recs) {
            assertTrue(r.time() >= before && r.time() <= System.currentTimeMillis() / 1000 + 1);
        }
        assertEquals(new Rec(recs.get(2).time(), 0x52, 7, tid(1), Tid.ZERO, 5), recs.get(2));
        assertEquals(new Rec(recs.get(3).time(), 0x22, 7, tid(1), Tid.ZERO, 5), recs.get(3));
        assertEquals(new Rec(recs.get(4).time(), 0x24, 0, tid(1), Tid.ZERO, 5), recs.get(4));
        assertEquals(new Rec(recs.get(5).time(), 0x1C, 0, tid(3), Tid.ZERO, 5), recs.get(5));
        assertEquals(new Rec(recs.get(6).time(), 0x26, 7, tid(1), tid(3), 5), recs.get(6));
        assertEquals(new Rec(recs.get(8).time(), 0x54, 300, tid(1), tid(2), 6), recs.get(8));
        // a second open appends, after another start record
        try (ClientCache c = ClientCache.open(new ClientCacheConfig(1 << 20, null, null, trace))) {
            c.loadCurrent(oid(1));
        }
        assertEquals(b.length + 2 * 34, Files.size(trace));
    }
}
