package org.jzeo.cache;

import static org.jzeo.cache.Data.oid;
import static org.jzeo.cache.Data.tid;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jzeo.api.Tid;

/**
 * Torn, foreign and truncated files: detected, never served, started afresh. The offsets used
 * here follow the format documented in {@code SegmentFile}: a 64-byte file header, then segments
 * of S bytes, each with a 48-byte header and back-to-back records (a store is 33 + data bytes).
 */
class DamageTest {
    private static final int FILE_HEADER = 64;
    private static final int SEG_HEADER = 48;
    private static final int REC = 33 + 100;

    @TempDir
    Path dir;

    private Path file(String name) {
        return dir.resolve(name + ".jzc");
    }

    private static void flip(Path f, long pos) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(pos);
            int b = raf.read();
            raf.seek(pos);
            raf.write(b ^ 0x40);
        }
    }

    private static void fill(ClientCache c, int from, int to) {
        for (int i = from; i < to; i++) {
            c.store(oid(i), tid(1), null, Data.of(oid(i), tid(1), 100));
        }
    }

    private static boolean has(ClientCache c, int i) {
        CacheEntry e = c.loadCurrent(oid(i));
        if (e == null) {
            return false;
        }
        assertArrayEquals(Data.of(oid(i), tid(1), 100), e.data());
        return true;
    }

    @Test
    void aTornTailIsDroppedAndWritingContinues() throws IOException {
        ClientCacheConfig cfg = ClientCacheConfig.persistent(1 << 20, dir, "t");
        try (ClientCache c = ClientCache.open(cfg)) {
            fill(c, 0, 5);
            c.setLastTid(tid(1));
        }
        // a torn write of the fifth record (its data changed after the checksum was computed)
        flip(file("t"), FILE_HEADER + SEG_HEADER + 4L * REC + 29 + 10);
        try (ClientCache c = ClientCache.open(cfg)) {
            for (int i = 0; i < 4; i++) {
                assertTrue(has(c, i));
            }
            assertNull(c.loadCurrent(oid(4)), "a torn record is never served");
            // the last tid was written after the torn record: the older one (none) is recovered, the safe side
            assertEquals(Tid.ZERO, c.lastTid());
            assertEquals(4, c.size());
            fill(c, 10, 12);
            c.setLastTid(tid(2));
        }
        try (ClientCache c = ClientCache.open(cfg)) {
            assertEquals(6, c.size());
            assertTrue(has(c, 10) && has(c, 11) && has(c, 3));
            assertEquals(tid(2), c.lastTid());
        }
        assertTrue(Files.notExists(dir.resolve("t.jzc.bad")), "a torn tail is normal after a crash");
    }

    /** A record damaged in an older, complete segment: older state cannot be trusted and is dropped. */
    @Test
    void damageInAnOlderSegmentDropsTheStateBeforeIt() throws IOException {
        long max = 16 * 1024; // 3 segments of 5440 bytes: 40 records of 133 bytes each
        int seg = (int) ((max - FILE_HEADER) / 3);
        int perSeg = (seg - SEG_HEADER - 9) / REC;
        assertEquals(40, perSeg);
        ClientCacheConfig cfg = ClientCacheConfig.persistent(max, dir, "o");
        try (ClientCache c = ClientCache.open(cfg)) {
            fill(c, 0, 60);
        }
        flip(file("o"), FILE_HEADER + SEG_HEADER + 10L * REC + 40);
        try (ClientCache c = ClientCache.open(cfg)) {
            for (int i = 0; i < 40; i++) {
                assertNull(c.loadCurrent(oid(i)), "entry " + i + " of the damaged segment");
            }
            for (int i = 40; i < 60; i++) {
                assertTrue(has(c, i), "entry " + i + " of the newest segment");
            }
            assertEquals(20, c.size());
        }
    }

    /** Any single damaged byte in the log area: whatever is served afterwards is exactly what was stored. */
    @Test
    void randomSingleByteDamageNeverServesWrongData() throws IOException {
        ClientCacheConfig cfg = ClientCacheConfig.persistent(16 * 1024, dir, "r");
        Random rnd = new Random(3);
        for (int trial = 0; trial < 40; trial++) {
            try (ClientCache c = ClientCache.open(cfg)) {
                c.clear();
                fill(c, 0, 100);
            }
            long size = Files.size(file("r"));
            flip(file("r"), FILE_HEADER + (long) (rnd.nextDouble() * (size - FILE_HEADER)));
            try (ClientCache c = ClientCache.open(cfg)) {
                int n = 0;
                for (int i = 0; i < 100; i++) {
                    n += has(c, i) ? 1 : 0; // has() checks the data
                }
                assertEquals(n, c.size());
            }
        }
    }

    private void assertStartedAfresh(String name, ClientCacheConfig cfg, byte[] badContents) throws IOException {
        try (ClientCache c = ClientCache.open(cfg)) {
            assertEquals(0, c.size());
            assertEquals(Tid.ZERO, c.lastTid());
            fill(c, 0, 3);
        }
        assertArrayEquals(badContents, Files.readAllBytes(dir.resolve(name + ".jzc.bad")), "the damaged file is kept as .bad");
        try (ClientCache c = ClientCache.open(cfg)) {
            assertEquals(3, c.size());
        }
    }

    @Test
    void aForeignFileIsSetAsideAsBad() throws IOException {
        byte[] junk = new byte[100_000];
        new Random(1).nextBytes(junk);
        Files.write(file("f"), junk);
        assertStartedAfresh("f", ClientCacheConfig.persistent(1 << 20, dir, "f"), junk);
    }

    @Test
    void aZeoCacheFileIsNotTaken() throws IOException {
        byte[] zec = new byte[4096];
        System.arraycopy("ZEC3".getBytes(StandardCharsets.US_ASCII), 0, zec, 0, 4);
        Files.write(file("z"), zec);
        assertStartedAfresh("z", ClientCacheConfig.persistent(1 << 20, dir, "z"), zec);
    }

    @Test
    void aTruncatedFileIsSetAsideAsBad() throws IOException {
        ClientCacheConfig cfg = ClientCacheConfig.persistent(1 << 20, dir, "tr");
        try (ClientCache c = ClientCache.open(cfg)) {
            fill(c, 0, 50);
            c.setLastTid(tid(1));
        }
        try (RandomAccessFile raf = new RandomAccessFile(file("tr").toFile(), "rw")) {
            raf.setLength(raf.length() / 2);
        }
        byte[] half = Files.readAllBytes(file("tr"));
        assertStartedAfresh("tr", cfg, half);

        Files.write(file("tr"), new byte[] {'J', 'Z'}); // shorter than a header
        assertStartedAfresh("tr", cfg, new byte[] {'J', 'Z'});
    }

    @Test
    void aDamagedHeaderIsSetAsideAsBad() throws IOException {
        ClientCacheConfig cfg = ClientCacheConfig.persistent(1 << 20, dir, "h");
        try (ClientCache c = ClientCache.open(cfg)) {
            fill(c, 0, 5);
        }
        flip(file("h"), 26); // inside the header, covered by its checksum
        byte[] damaged = Files.readAllBytes(file("h"));
        assertStartedAfresh("h", cfg, damaged);
    }

    @Test
    void theFileUsesItsOwnMagicAndName() throws IOException {
        try (ClientCache c = ClientCache.open(ClientCacheConfig.persistent(1 << 20, dir, "8881-1"))) {
            fill(c, 0, 1);
        }
        byte[] head = Files.readAllBytes(file("8881-1"));
        assertEquals("JZEOCACH", new String(head, 0, 8, StandardCharsets.US_ASCII));
        assertTrue(Files.size(file("8881-1")) <= 1 << 20);
        assertTrue(Files.notExists(dir.resolve("8881-1.zec")));
    }
}
