package org.jzeo.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jzeo.api.CloseableIterator;
import org.jzeo.api.HistoryEntry;
import org.jzeo.api.LoadResult;
import org.jzeo.api.Oid;
import org.jzeo.api.POSKeyError;
import org.jzeo.api.ReadOnlyError;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionDescription;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.api.TransactionRecord;
import org.jzeo.storage.internal.Fixtures;

/** A read-only FileStorage on basic.fs answers exactly as Python's FileStorage did (basic.current.json). */
class FileStorageFixtureTest {
    private static FileStorage basic;
    private static JsonNode current;

    @BeforeAll
    static void open() {
        // read-only: no lock file, nothing written beside the fixture
        basic = FileStorage.open(FileStorageConfig.builder(Fixtures.datafs("basic.fs")).readOnly(true).build());
        current = Fixtures.json("basic.current.json");
    }

    @AfterAll
    static void close() {
        basic.close();
    }

    private static Tid tid(JsonNode n) {
        return Tid.fromHex(n.asText());
    }

    @Test
    void summary() {
        assertEquals(tid(current.get("lastTransaction")), basic.lastTransaction());
        assertEquals(current.get("len_storage").asLong(), basic.objectCount());
        assertEquals(2794, basic.objectCount());
        assertEquals(876889, basic.getSize());
        assertTrue(basic.isReadOnly());
        assertEquals("1", basic.getName());
        assertFalse(Files.exists(Fixtures.datafs("basic.fs.lock")), "a read-only open takes no lock");
    }

    @Test
    void everyOidLoadsAsInPython() {
        int loadable = 0;
        Tid after = basic.lastTransaction().next();
        for (JsonNode c : current.get("current")) {
            Oid oid = Oid.fromHex(c.get("oid").asText());
            if (c.has("load_error")) {
                assertThrows(POSKeyError.class, () -> basic.load(oid));
                assertThrows(POSKeyError.class, () -> basic.loadBefore(oid, after));
                assertThrows(POSKeyError.class, () -> basic.lastSerial(oid));
                continue;
            }
            loadable++;
            LoadResult r = basic.load(oid);
            assertEquals(c.get("sha256").asText(), Fixtures.sha256(r.data()), oid.toString());
            assertEquals(c.get("size").asInt(), r.data().length);
            assertEquals(tid(c.get("tid")), r.start());
            assertNull(r.end());
            assertEquals(tid(c.get("tid")), basic.lastSerial(oid));
            JsonNode lb = c.get("loadBefore_max");
            LoadResult b = basic.loadBefore(oid, after);
            assertEquals(lb.get("sha256").asText(), Fixtures.sha256(b.data()));
            assertEquals(tid(lb.get("start")), b.start());
            assertTrue(lb.get("end").isNull());
            assertNull(b.end());
        }
        assertEquals(current.get("loadable_oids").asInt(), loadable);
    }

    @Test
    void samplesHistoryLoadSerialAndLoadBefore() {
        for (JsonNode sample : current.get("samples")) {
            Oid oid = Oid.fromHex(sample.get("oid").asText());
            List<HistoryEntry> h = basic.history(oid, 1000);
            JsonNode expected = sample.get("history_newest_first");
            assertEquals(expected.size(), h.size(), "history of " + oid);
            for (int i = 0; i < h.size(); i++) {
                JsonNode e = expected.get(i);
                HistoryEntry x = h.get(i);
                assertEquals(tid(e.get("tid")), x.tid());
                assertEquals(e.get("size").asLong(), x.size());
                if (e.has("user_name")) { // the fixture leaves them out for the deletion record
                    assertEquals(e.get("user_name").asText(), new String(x.user(), StandardCharsets.UTF_8));
                    assertEquals(e.get("description").asText(), new String(x.description(), StandardCharsets.UTF_8));
                }
                assertEquals(x.tid().timeTime(), x.time());
                if (e.has("loadSerial")) {
                    assertEquals("POSKeyError", e.get("loadSerial").asText());
                    assertThrows(POSKeyError.class, () -> basic.loadSerial(oid, x.tid()));
                } else {
                    assertEquals(e.get("loadSerial_sha256").asText(), Fixtures.sha256(basic.loadSerial(oid, x.tid())));
                }
            }
            assertEquals(Math.min(2, h.size()), basic.history(oid, 2).size());
            for (JsonNode lb : sample.get("loadBefore")) {
                Tid before = tid(lb.get("before"));
                JsonNode result = lb.get("result");
                String what = oid + " before " + before;
                if (result.isNull()) {
                    assertNull(basic.loadBefore(oid, before), what);
                } else if (result.has("error")) {
                    assertEquals("POSKeyError", result.get("error").asText());
                    assertThrows(POSKeyError.class, () -> basic.loadBefore(oid, before), what);
                } else {
                    LoadResult r = basic.loadBefore(oid, before);
                    assertNotNull(r, what);
                    assertEquals(result.get("sha256").asText(), Fixtures.sha256(r.data()), what);
                    assertEquals(result.get("size").asInt(), r.data().length, what);
                    assertEquals(tid(result.get("start")), r.start(), what);
                    assertEquals(result.get("end").isNull() ? null : tid(result.get("end")), r.end(), what);
                }
            }
        }
    }

    @Test
    void unknownOidIsAPosKeyError() {
        Oid missing = Oid.of(0x7fff_0000L);
        assertThrows(POSKeyError.class, () -> basic.load(missing));
        assertThrows(POSKeyError.class, () -> basic.loadBefore(missing, Tid.MAX));
        assertThrows(POSKeyError.class, () -> basic.history(missing, 3));
        assertThrows(POSKeyError.class, () -> basic.loadSerial(missing, basic.lastTransaction()));
    }

    @Test
    void undoLogStopsAtThePackedTransactions() {
        JsonNode txns = Fixtures.json("basic.json").get("transactions");
        List<TransactionDescription> log = basic.undoLog(0, 100, d -> true);
        // T6..T12 are ' ', T1..T5 are 'p'
        assertEquals(8, log.size());
        for (int i = 0; i < log.size(); i++) {
            JsonNode t = txns.get(txns.size() - 1 - i);
            TransactionDescription d = log.get(i);
            assertEquals(tid(t.get("tid")), d.tid());
            assertEquals(Base64.getEncoder().encodeToString(d.tid().toBytes()), new String(d.id(), StandardCharsets.US_ASCII));
            assertEquals(t.get("user_hex").asText(), Fixtures.hex(d.metadata().user()));
            assertEquals(t.get("extension_hex").asText(), Fixtures.hex(d.metadata().extension()));
            assertEquals(d.tid().timeTime(), d.time());
        }
        assertEquals(t(log.subList(2, 4)), t(basic.undoLog(2, 4, d -> true)));
        assertEquals(txns.get(txns.size() - 1).get("tlen").asLong(), log.get(0).size());
        assertEquals(log.subList(2, 5).stream().map(TransactionDescription::tid).toList(),
                basic.undoLog(2, -3, d -> true).stream().map(TransactionDescription::tid).toList(), "negative last");
        assertEquals(List.of(log.get(1).tid()), basic.undoInfo(0, 10,
                Map.of("description", log.get(1).metadata().description())).stream().map(TransactionDescription::tid).toList());
    }

    @Test
    void iteratorBounds() {
        JsonNode txns = Fixtures.json("basic.json").get("transactions");
        Tid t3 = tid(txns.get(2).get("tid"));
        Tid t5 = tid(txns.get(4).get("tid"));
        List<Tid> got = new ArrayList<>();
        try (CloseableIterator<TransactionRecord> it = basic.iterator(t3, t5)) {
            it.forEachRemaining(t -> got.add(t.tid()));
        }
        assertEquals(List.of(t3, tid(txns.get(3).get("tid")), t5), got);
        try (CloseableIterator<TransactionRecord> it = basic.iterator(null, null)) {
            int n = 0;
            while (it.hasNext()) {
                TransactionRecord t = it.next();
                assertEquals(n < 5 ? 'p' : ' ', t.status());
                n++;
            }
            assertEquals(13, n);
        }
    }

    @Test
    void readOnlyRefusesWrites() {
        assertThrows(ReadOnlyError.class, () -> basic.tpcBegin(TransactionMetaData.EMPTY));
        assertThrows(ReadOnlyError.class, () -> basic.tpcBegin(TransactionMetaData.EMPTY, Tid.now(), ' '));
        assertThrows(ReadOnlyError.class, () -> basic.pack(System.currentTimeMillis() / 1000.0, true));
        assertThrows(ReadOnlyError.class, basic::newOid);
    }

    /** A writable copy: new oids start above every oid in the file; commits append after the last transaction. */
    @Test
    void writableCopyAllocatesAboveTheFile(@TempDir Path dir) throws IOException {
        Path copy = Fixtures.copy("basic.fs", dir, "Data.fs");
        try (FileStorage fs = FileStorage.open(FileStorageConfig.of(copy))) {
            Oid max = Oid.ROOT;
            for (JsonNode c : current.get("current")) {
                Oid o = Oid.fromHex(c.get("oid").asText());
                max = o.compareTo(max) > 0 ? o : max;
            }
            Oid fresh = fs.newOid();
            assertEquals(max.next(), fresh);
            StorageTransaction t = fs.tpcBegin(TransactionMetaData.of("jzeo", "append"));
            t.store(fresh, Tid.ZERO, "data".getBytes());
            t.vote();
            Tid tid = t.finish();
            assertTrue(tid.compareTo(tid(current.get("lastTransaction"))) > 0);
            assertTrue(Files.size(copy) > 876889, "appended after the last transaction");
            assertEquals(Files.size(copy), fs.getSize());
        }
        byte[] original = Files.readAllBytes(Fixtures.datafs("basic.fs"));
        byte[] appended = Files.readAllBytes(copy);
        assertArrayEquals(original, Arrays.copyOf(appended, original.length), "the existing bytes are untouched");
        assertTrue(org.jzeo.storage.internal.FileChecker.check(copy, 0).ok());
    }

    private static List<Tid> t(List<TransactionDescription> l) {
        return l.stream().map(TransactionDescription::tid).toList();
    }

    @Test
    void nextOidWalksTheOidsInOrder() {
        assertTrue(basic.supportsRecordIteration());
        List<Oid> all = new ArrayList<>();
        for (Oid o = basic.nextOid(Oid.ROOT); o != null; o = basic.nextOid(o.next())) {
            all.add(o);
        }
        List<Oid> expected = new ArrayList<>();
        current.get("current").forEach(c -> expected.add(Oid.fromHex(c.get("oid").asText())));
        assertEquals(expected, all);
    }

    static <T> List<T> list(Iterator<T> it) {
        List<T> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
