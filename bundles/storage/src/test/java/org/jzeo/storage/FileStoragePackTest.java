package org.jzeo.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jzeo.api.Oid;
import org.jzeo.api.POSKeyError;
import org.jzeo.api.StorageListener;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.storage.internal.FileChecker;
import org.jzeo.storage.internal.Fixtures;

/** Pack on copies of basic.fs. */
class FileStoragePackTest {
    @TempDir
    Path dir;

    private static final JsonNode CURRENT = Fixtures.json("basic.current.json");
    private static final JsonNode TXNS = Fixtures.json("basic.json").get("transactions");

    private Path copy() {
        return Fixtures.copy("basic.fs", dir, "Data.fs");
    }

    private static void assertStructure(Path p) throws IOException {
        FileChecker.Report r = FileChecker.check(p, 0);
        assertTrue(r.ok(), r.error());
        assertEquals(List.of(), FileChecker.checkLinks(p));
    }

    private static double after(Tid t) {
        return t.timeTime() + 1;
    }

    @Test
    void packWithGcKeepsExactlyWhatIsReachable() throws IOException {
        Path p = copy();
        Files.write(dir.resolve("Data.fs.index"), new byte[] {1});
        AtomicInteger packed = new AtomicInteger();
        Tid last = Tid.fromHex(CURRENT.get("lastTransaction").asText());
        int reachable = 0;
        try (FileStorage fs = FileStorage.open(FileStorageConfig.of(p))) {
            fs.addListener(new StorageListener() {
                @Override
                public void committed(org.jzeo.api.Storage s, StorageTransaction t, Tid tid, java.util.Set<Oid> oids) {
                }

                @Override
                public void packed(org.jzeo.api.Storage s) {
                    packed.incrementAndGet();
                }
            });
            long forcesBefore = fs.forceCount();
            fs.pack(after(last), true);
            assertEquals(1, packed.get());
            assertTrue(fs.getSize() < 876889);
            assertTrue(fs.forceCount() > forcesBefore);
            for (JsonNode c : CURRENT.get("current")) {
                Oid oid = Oid.fromHex(c.get("oid").asText());
                if (c.get("reachable_from_root").asBoolean()) {
                    reachable++;
                    assertEquals(c.get("sha256").asText(), Fixtures.sha256(fs.load(oid).data()), oid.toString());
                    assertEquals(c.get("tid").asText(), fs.load(oid).start().toHex());
                    assertEquals(1, fs.history(oid, 10).size(), "one revision left");
                } else {
                    assertThrows(POSKeyError.class, () -> fs.load(oid), "collected " + oid);
                }
            }
            assertEquals(reachable, fs.objectCount());
            assertEquals(last, fs.lastTransaction());
            assertTrue(fs.undoLog(0, 10, d -> true).isEmpty(), "everything is packed");
            // commits go on after the pack
            StorageTransaction t = fs.tpcBegin(TransactionMetaData.of("jzeo", "after pack"));
            Oid fresh = fs.newOid();
            t.store(fresh, Tid.ZERO, "x".getBytes());
            t.vote();
            t.finish();
        }
        assertTrue(reachable > 2000 && reachable < 2793);
        assertFalse(Files.exists(dir.resolve("Data.fs.index")), "the Python index is deleted");
        assertFalse(Files.exists(dir.resolve("Data.fs.pack")));
        assertArrayEquals(Files.readAllBytes(Fixtures.datafs("basic.fs")), Files.readAllBytes(dir.resolve("Data.fs.old")));
        assertStructure(p);
        try (FileStorage fs = FileStorage.open(FileStorageConfig.of(p))) {
            assertEquals(reachable + 1, fs.objectCount());
        }
    }

    @Test
    void packWithoutGcKeepsEveryCurrentObject() throws IOException {
        Path p = copy();
        Tid last = Tid.fromHex(CURRENT.get("lastTransaction").asText());
        try (FileStorage fs = FileStorage.open(FileStorageConfig.builder(p).packKeepOld(false).build())) {
            fs.pack(after(last), false);
            assertEquals(2793, fs.objectCount(), "only the deleted oid goes");
            for (JsonNode c : CURRENT.get("current")) {
                Oid oid = Oid.fromHex(c.get("oid").asText());
                if (c.has("load_error")) {
                    assertThrows(POSKeyError.class, () -> fs.load(oid));
                } else {
                    assertEquals(c.get("sha256").asText(), Fixtures.sha256(fs.load(oid).data()));
                    assertNull(fs.loadBefore(oid, fs.load(oid).start()));
                }
            }
        }
        assertFalse(Files.exists(dir.resolve("Data.fs.old")));
        assertStructure(p);
    }

    /** The pack gc setting of the configuration turns gc off whatever the argument says. */
    @Test
    void configPackGcFalseWins() throws IOException {
        Path p = copy();
        Tid last = Tid.fromHex(CURRENT.get("lastTransaction").asText());
        try (FileStorage fs = FileStorage.open(FileStorageConfig.builder(p).packGc(false).build())) {
            fs.pack(after(last), true);
            assertEquals(2793, fs.objectCount());
        }
    }

    /**
     * Pack between T7b and T8: T8, the undo T9 (back-pointers into T6 and into the packed T3),
     * T10..T12 keep their structure; everything current still loads identically.
     */
    @Test
    void packInTheMiddleKeepsLaterHistoryAndBackPointers() throws IOException {
        Path p = copy();
        Tid t7b = Tid.fromHex(TXNS.get(7).get("tid").asText());
        Tid t8 = Tid.fromHex(TXNS.get(8).get("tid").asText());
        Tid t9 = Tid.fromHex(TXNS.get(9).get("tid").asText());
        double packTime = (t7b.timeTime() + t8.timeTime()) / 2;
        assertTrue(Tid.fromEpochSeconds(packTime).compareTo(t7b) > 0 && Tid.fromEpochSeconds(packTime).compareTo(t8) < 0);
        try (FileStorage fs = FileStorage.open(FileStorageConfig.of(p))) {
            fs.pack(packTime, true);
            for (JsonNode c : CURRENT.get("current")) {
                Oid oid = Oid.fromHex(c.get("oid").asText());
                if (!c.has("load_error")) {
                    assertEquals(c.get("sha256").asText(), Fixtures.sha256(fs.load(oid).data()), oid.toString());
                }
            }
            assertEquals(5, fs.undoLog(0, 10, d -> true).size(), "T8..T12 are still undoable");
            // oid 0xac5: T9 undid T8 by pointing back at its T3 revision (before the pack time)
            Oid ac5 = Oid.of(0xac5);
            assertEquals("89967aaa4cd30d08dd49aa63dac977c47015aa6b2bdd562794316db67c33f678",
                    Fixtures.sha256(fs.loadSerial(ac5, t9)));
            assertEquals(0, fs.history(ac5, 10).get(0).size(), "still a back-pointer");
            // undoing the undo conflicts: T10 changed oid 1 afterwards
            byte[] id9 = fs.undoLog(0, 10, d -> d.tid().equals(t9)).get(0).id();
            StorageTransaction bad = fs.tpcBegin(TransactionMetaData.of("jzeo", "undo T9"));
            assertThrows(org.jzeo.api.UndoError.class, () -> bad.undo(id9));
            bad.abort();
            // undoing T11 (the deletion of 0xcb) brings back its T3 revision, which the pack kept
            Oid cb = Oid.of(0xcb);
            Tid t11 = Tid.fromHex(TXNS.get(11).get("tid").asText());
            byte[] id11 = fs.undoLog(0, 10, d -> d.tid().equals(t11)).get(0).id();
            StorageTransaction t = fs.tpcBegin(TransactionMetaData.of("jzeo", "undo T11"));
            assertEquals(List.of(cb), t.undo(id11));
            t.vote();
            Tid undoTid = t.finish();
            assertEquals("2f4f150b422d4670d710e069bac6a426f582c8cd0f1974cce5b7cb1b78ae73bc",
                    Fixtures.sha256(fs.load(cb).data()));
            assertEquals(undoTid, fs.load(cb).start());
        }
        assertStructure(p);
    }

    /** Loads and commits keep working, and stay correct, while a pack runs. */
    @Test
    void loadsAndCommitsDuringPack() throws Exception {
        Path p = copy();
        Tid last = Tid.fromHex(CURRENT.get("lastTransaction").asText());
        List<JsonNode> sample = new ArrayList<>();
        int i = 0;
        for (JsonNode c : CURRENT.get("current")) {
            if (c.get("reachable_from_root").asBoolean() && i++ % 10 == 0) {
                sample.add(c);
            }
        }
        try (FileStorage fs = FileStorage.open(FileStorageConfig.of(p))) {
            AtomicBoolean done = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Future<Integer> reader = pool.submit(() -> {
                    int n = 0;
                    while (!done.get() || n < sample.size()) {
                        JsonNode c = sample.get(n % sample.size());
                        Oid oid = Oid.fromHex(c.get("oid").asText());
                        assertEquals(c.get("sha256").asText(), Fixtures.sha256(fs.load(oid).data()));
                        n++;
                    }
                    return n;
                });
                Future<List<Oid>> writer = pool.submit(() -> {
                    List<Oid> written = new ArrayList<>();
                    while (!done.get() || written.size() < 5) {
                        Oid oid = fs.newOid();
                        StorageTransaction t = fs.tpcBegin(TransactionMetaData.of("w", "during pack"));
                        t.store(oid, Tid.ZERO, ("v" + oid).getBytes());
                        t.vote();
                        t.finish();
                        written.add(oid);
                    }
                    return written;
                });
                fs.pack(after(last), false);
                done.set(true);
                assertTrue(reader.get(30, TimeUnit.SECONDS) >= sample.size());
                for (Oid oid : writer.get(30, TimeUnit.SECONDS)) {
                    assertEquals("v" + oid, new String(fs.load(oid).data()), "a commit made during the pack survives");
                }
            } finally {
                done.set(true);
                pool.shutdownNow();
            }
        }
        assertStructure(p);
    }

    @Test
    void packBeforeTheFirstTransactionChangesNothing() throws IOException {
        Path p = copy();
        try (FileStorage fs = FileStorage.open(FileStorageConfig.of(p))) {
            fs.pack(1_000_000_000.0, true); // 2001
            assertEquals(2794, fs.objectCount());
        }
        assertArrayEquals(Files.readAllBytes(Fixtures.datafs("basic.fs")), Files.readAllBytes(p));
        assertFalse(Files.exists(dir.resolve("Data.fs.old")));
    }
}
