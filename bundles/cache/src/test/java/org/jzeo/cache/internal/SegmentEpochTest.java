package org.jzeo.cache.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A segment restarted under a generation it already used (after a power loss lost its header
 * page, recovery can hand out the same generation again) must not revive the records of its
 * earlier use: each start gets a new epoch that salts the record checksums.
 */
class SegmentEpochTest {
    @TempDir
    Path dir;

    private static final class Collect implements SegmentFile.Replay {
        final List<Oid> stored = new ArrayList<>();

        @Override
        public void segment(int seg, long gen, Tid lastTid) {
        }

        @Override
        public void store(int seg, long gen, int size, Oid oid, Tid start, Tid end, byte[] data) {
            stored.add(oid);
        }

        @Override
        public void invalidate(Oid oid, Tid tid, boolean replayed) {
        }

        @Override
        public void lastTid(Tid tid) {
        }

        @Override
        public void dropAll(String why) {
            stored.clear();
        }
    }

    @Test
    void recordsOfAnEarlierUseOfTheSameGenerationDoNotValidate() throws Exception {
        long maxBytes = 1 << 20;
        Geometry geo = Geometry.forMaxBytes(maxBytes);
        Path file = SegmentFile.pathFor(dir, "c");
        SegmentFile sf = SegmentFile.open(file, geo, maxBytes, "zeo-cache-flush-test");
        sf.recover(new Collect());
        sf.beginSegment(0, 7, Tid.ZERO);
        int off = SegmentFile.SEG_HEADER;
        byte[] data = "old revision".getBytes();
        sf.writeStore(0, off, Oid.of(1), Tid.of(10), null, data);
        int next = off + SegmentFile.STORE_OVERHEAD + data.length;
        sf.writeStore(0, next, Oid.of(2), Tid.of(11), null, data);
        // The same segment and generation started again, as after a lost header page; a new record
        // of the same length overwrites old record 1 only, so old record 2 follows it directly.
        sf.beginSegment(0, 7, Tid.ZERO);
        byte[] small = "new revision".getBytes(); // same length: ends exactly where old record 2 starts
        sf.writeStore(0, off, Oid.of(3), Tid.of(12), null, small);
        sf.close();

        SegmentFile again = SegmentFile.open(file, geo, maxBytes, "zeo-cache-flush-test");
        Collect seen = new Collect();
        again.recover(seen);
        again.close();
        assertEquals(List.of(Oid.of(3)), seen.stored, "only the new use's record is replayed");
    }
}
