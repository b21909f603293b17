package org.jzeo.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jzeo.api.CloseableIterator;
import org.jzeo.api.DataRecord;
import org.jzeo.api.Oid;
import org.jzeo.api.StorageException;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.api.TransactionRecord;
import org.jzeo.storage.internal.DataFsStorage;
import org.jzeo.storage.internal.FileChecker;
import org.jzeo.storage.internal.Fixtures;

/** Commits on real files, re-read from disk by an independent parser; the index file; copying. */
class FileStorageCommitTest {
    @TempDir
    Path dir;

    private static final byte[] EXT = HexFormat.of().parseHex("80037d710058010000006b71015801000000767102732e");

    /** A byte-level parse written here, independent of the storage's reader. */
    private record RawTxn(long pos, long tid, byte status, byte[] user, byte[] desc, byte[] ext, List<RawRec> recs) {
    }

    private record RawRec(long pos, long oid, long tid, long prev, long tloc, long plen, byte[] data, long back) {
    }

    private static List<RawTxn> parse(Path p) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p));
        assertEquals("FS30", new String(b.array(), 0, 4, StandardCharsets.US_ASCII));
        List<RawTxn> out = new ArrayList<>();
        int pos = 4;
        while (pos < b.limit()) {
            long tid = b.getLong(pos);
            long tlen = b.getLong(pos + 8);
            byte st = b.get(pos + 16);
            int ul = b.getShort(pos + 17) & 0xffff;
            int dl = b.getShort(pos + 19) & 0xffff;
            int el = b.getShort(pos + 21) & 0xffff;
            byte[] u = new byte[ul];
            byte[] d = new byte[dl];
            byte[] e = new byte[el];
            b.get(pos + 23, u);
            b.get(pos + 23 + ul, d);
            b.get(pos + 23 + ul + dl, e);
            assertEquals(tlen, b.getLong((int) (pos + tlen)), "redundant length");
            List<RawRec> recs = new ArrayList<>();
            int r = pos + 23 + ul + dl + el;
            while (r < pos + tlen) {
                long plen = b.getLong(r + 34);
                assertEquals(0, b.getShort(r + 32));
                byte[] data = null;
                long back = 0;
                if (plen > 0) {
                    data = new byte[(int) plen];
                    b.get(r + 42, data);
                } else {
                    back = b.getLong(r + 42);
                }
                recs.add(new RawRec(r, b.getLong(r), b.getLong(r + 8), b.getLong(r + 16), b.getLong(r + 24), plen, data, back));
                r += 42 + (plen > 0 ? plen : 8);
            }
            assertEquals(pos + tlen, r, "records fill the transaction");
            out.add(new RawTxn(pos, tid, st, u, d, e, recs));
            pos = (int) (pos + tlen + 8);
        }
        return out;
    }

    @Test
    void commitsAreWrittenInZodbFormatAndSurviveReopen() throws IOException {
        Path p = dir.resolve("Data.fs");
        Oid a;
        Oid b;
        Tid t1;
        Tid t2;
        Tid t3;
        try (FileStorage fs = FileStorage.open(FileStorageConfig.of(p))) {
            a = fs.newOid();
            b = fs.newOid();
            long forces = fs.forceCount();
            StorageTransaction t = fs.tpcBegin(new TransactionMetaData("/ müller".getBytes(StandardCharsets.UTF_8),
                    "café ☃".getBytes(StandardCharsets.UTF_8), EXT));
            t.store(a, Tid.ZERO, "a1".getBytes());
            t.store(b, Tid.ZERO, "b1".getBytes());
            t.vote();
            t1 = t.finish();
            assertTrue(fs.forceCount() >= forces + 1, "finish forced the file");
            for (int i = 0; i < 3; i++) {
                long before = fs.forceCount();
                StorageTransaction x = fs.tpcBegin(TransactionMetaData.EMPTY);
                x.vote();
                assertEquals(before, fs.forceCount(), "vote writes, the finish's force makes it durable");
                x.finish();
                assertEquals(before + 1, fs.forceCount(), "one force per commit, before finish returns");
            }
            org.jzeo.api.ForceLatency latency = fs.forceLatency();
            assertEquals(fs.forceCount(), latency.count(), "every force is timed");
            assertTrue(latency.p50Micros() > 0 && latency.p50Micros() <= latency.p99Micros()
                    && latency.p99Micros() <= latency.maxMicros() + 10, latency.toString());
            StorageTransaction u = fs.tpcBegin(TransactionMetaData.of("u", "2"));
            u.store(a, t1, "a2".getBytes());
            u.deleteObject(b, t1);
            u.vote();
            t2 = u.finish();
            StorageTransaction v = fs.tpcBegin(TransactionMetaData.of("u", "undo"));
            v.undo(fs.undoLog(0, 1, d -> true).get(0).id());
            v.vote();
            t3 = v.finish();
        }
        List<RawTxn> raw = parse(p);
        assertEquals(6, raw.size());
        RawTxn first = raw.get(0);
        assertEquals(t1.value(), first.tid());
        assertEquals(' ', first.status());
        assertEquals("/ müller", new String(first.user(), StandardCharsets.UTF_8));
        assertEquals("café ☃", new String(first.desc(), StandardCharsets.UTF_8));
        assertArrayEquals(EXT, first.ext());
        assertEquals(2, first.recs().size());
        RawRec a1 = first.recs().get(0);
        assertEquals(a.value(), a1.oid());
        assertEquals(t1.value(), a1.tid());
        assertEquals(0, a1.prev());
        assertEquals(first.pos(), a1.tloc());
        assertEquals("a1", new String(a1.data()));
        RawTxn second = raw.get(4);
        assertEquals(a1.pos(), second.recs().get(0).prev(), "prev links the revisions");
        assertNull(second.recs().get(1).data());
        assertEquals(0, second.recs().get(1).back(), "a deletion: plen 0, back-pointer 0");
        RawTxn undo = raw.get(5);
        assertEquals(t3.value(), undo.tid());
        assertEquals(a1.pos(), undo.recs().get(0).back(), "undo writes a back-pointer to the older revision");
        assertEquals(first.recs().get(1).pos(), undo.recs().get(1).back(), "the deleted b comes back");
        assertTrue(FileChecker.check(p, 0).ok());
        assertEquals(List.of(), FileChecker.checkLinks(p));

        try (FileStorage fs = FileStorage.open(FileStorageConfig.of(p))) {
            assertEquals(t3, fs.lastTransaction());
            assertEquals("a1", new String(fs.load(a).data()));
            assertEquals("b1", new String(fs.load(b).data()));
            assertEquals(t2, fs.loadBefore(a, t3).start());
            assertTrue(fs.newOid().compareTo(b) > 0);
        }
    }

    @Test
    void metadataLimitsAndQuota() throws IOException {
        Path p = dir.resolve("Data.fs");
        try (FileStorage fs = FileStorage.open(FileStorageConfig.builder(p).quota(400L).build())) {
            byte[] big = new byte[65536];
            StorageException e = assertThrows(StorageException.class,
                    () -> fs.tpcBegin(new TransactionMetaData(big, null, null)));
            assertTrue(e.getMessage().contains("user name too long"), e.getMessage());
            assertThrows(StorageException.class, () -> fs.tpcBegin(new TransactionMetaData(null, big, null)));
            assertThrows(StorageException.class, () -> fs.tpcBegin(new TransactionMetaData(null, null, big)));
            StorageTransaction ok = fs.tpcBegin(new TransactionMetaData(new byte[65535], null, null));
            ok.abort();

            StorageTransaction t = fs.tpcBegin(TransactionMetaData.EMPTY);
            t.store(fs.newOid(), Tid.ZERO, new byte[500]);
            assertThrows(FileStorageQuotaError.class, t::vote);
            t.abort();
            assertEquals(4, Files.size(p), "nothing written");
            StorageTransaction small = fs.tpcBegin(TransactionMetaData.EMPTY);
            small.store(fs.newOid(), Tid.ZERO, new byte[10]);
            small.vote();
            small.finish();
        }
    }

    @Test
    void indexFileIsUsedWhenFreshAndIgnoredWhenStale() throws IOException {
        Path p = Fixtures.copy("basic.fs", dir, "Data.fs");
        Path index = dir.resolve("Data.fs.jzindex");
        try (FileStorage fs = FileStorage.open(FileStorageConfig.of(p))) {
            assertFalse(((DataFsStorage) fs).openedFromIndex());
            assertFalse(Files.exists(index), "no index while open for writing");
        }
        assertTrue(Files.exists(index), "written on a clean close");
        assertFalse(Files.exists(dir.resolve("Data.fs.index")), "never Python's name");
        byte[] saved = Files.readAllBytes(index);
        JsonNode current = Fixtures.json("basic.current.json");
        Oid fresh;
        try (FileStorage fs = FileStorage.open(FileStorageConfig.of(p))) {
            assertTrue(((DataFsStorage) fs).openedFromIndex());
            assertEquals(2794, fs.objectCount());
            assertEquals(Tid.fromHex(current.get("lastTransaction").asText()), fs.lastTransaction());
            for (JsonNode c : current.get("current")) {
                if (!c.has("load_error")) {
                    Oid oid = Oid.fromHex(c.get("oid").asText());
                    assertEquals(c.get("sha256").asText(), Fixtures.sha256(fs.load(oid).data()));
                }
            }
            // another writer appends: simulated by committing and then putting the old index back
            fresh = fs.newOid();
            StorageTransaction t = fs.tpcBegin(TransactionMetaData.EMPTY);
            t.store(fresh, Tid.ZERO, "appended".getBytes());
            t.vote();
            t.finish();
        }
        Files.write(index, saved);
        try (FileStorage fs = FileStorage.open(FileStorageConfig.builder(p).readOnly(true).build())) {
            assertFalse(((DataFsStorage) fs).openedFromIndex(), "stale: the file grew");
            assertEquals("appended", new String(fs.load(fresh).data()));
            assertEquals(2795, fs.objectCount());
        }
        assertArrayEquals(saved, Files.readAllBytes(index), "a read-only open leaves the index alone");
        // a corrupt index is ignored too
        try (FileStorage fs = FileStorage.open(FileStorageConfig.of(p))) {
            assertFalse(((DataFsStorage) fs).openedFromIndex());
        }
        byte[] good = Files.readAllBytes(index);
        byte[] bad = good.clone();
        bad[bad.length / 2] ^= 0x40;
        Files.write(index, bad);
        try (FileStorage fs = FileStorage.open(FileStorageConfig.of(p))) {
            assertFalse(((DataFsStorage) fs).openedFromIndex(), "checksum mismatch");
            assertEquals("appended", new String(fs.load(fresh).data()));
        }
        try (FileStorage fs = FileStorage.open(FileStorageConfig.of(p))) {
            assertTrue(((DataFsStorage) fs).openedFromIndex());
            assertEquals(2795, fs.objectCount());
        }
    }

    /** copyTransactionsFrom basic.fs: identical iteration, back-pointers written as back-pointers. */
    @Test
    void copyOfBasicFs() throws IOException {
        Path p = dir.resolve("Copy.fs");
        List<TransactionRecord> expected = new ArrayList<>();
        try (FileStorage src = FileStorage.open(FileStorageConfig.builder(Fixtures.datafs("basic.fs")).readOnly(true).build());
                FileStorage dst = FileStorage.open(FileStorageConfig.of(p))) {
            dst.copyTransactionsFrom(src);
            try (CloseableIterator<TransactionRecord> it = src.iterator(null, null)) {
                it.forEachRemaining(expected::add);
            }
            List<TransactionRecord> actual = new ArrayList<>();
            try (CloseableIterator<TransactionRecord> it = dst.iterator(null, null)) {
                it.forEachRemaining(actual::add);
            }
            assertEquals(expected.size(), actual.size());
            for (int i = 0; i < expected.size(); i++) {
                TransactionRecord e = expected.get(i);
                TransactionRecord x = actual.get(i);
                assertEquals(e.tid(), x.tid());
                assertEquals(e.status(), x.status());
                assertArrayEquals(e.metadata().extension(), x.metadata().extension());
                for (int k = 0; k < e.records().size(); k++) {
                    DataRecord er = e.records().get(k);
                    DataRecord xr = x.records().get(k);
                    assertEquals(er.oid(), xr.oid());
                    assertArrayEquals(er.data(), xr.data());
                    assertEquals(er.dataTxn(), xr.dataTxn());
                }
            }
            assertEquals(src.lastTransaction(), dst.lastTransaction());
            assertEquals(src.objectCount(), dst.objectCount());
            JsonNode current = Fixtures.json("basic.current.json");
            for (JsonNode c : current.get("current")) {
                if (!c.has("load_error")) {
                    Oid oid = Oid.fromHex(c.get("oid").asText());
                    assertEquals(c.get("sha256").asText(), Fixtures.sha256(dst.load(oid).data()));
                    assertEquals(c.get("tid").asText(), dst.load(oid).start().toHex());
                }
            }
        }
        long backPointers = parse(p).stream().flatMap(t -> t.recs().stream()).filter(r -> r.data() == null && r.back() != 0).count();
        assertEquals(2, backPointers, "the two undo records of T9 stay back-pointers");
        assertTrue(FileChecker.check(p, 0).ok());
    }

    @Test
    void configFromFilestorageSection() {
        FileStorageConfig c = FileStorageConfig.fromOptions("main", Map.of("path", "/var/zeo/Data.fs",
                "read-only", "true", "quota", "10MB", "pack-gc", "false", "pack-keep-old", "no"));
        assertEquals("main", c.name());
        assertEquals(Path.of("/var/zeo/Data.fs"), c.path());
        assertTrue(c.readOnly());
        assertEquals(10L << 20, c.quota());
        assertFalse(c.packGc());
        assertFalse(c.packKeepOld());
        FileStorageConfig d = FileStorageConfig.fromOptions(null, Map.of("path", "Data.fs"));
        assertEquals(FileStorageConfig.of(Path.of("Data.fs")), d);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FileStorageConfig.fromOptions("1", Map.of("path", "x", "blob-dir", "/blobs")));
        assertTrue(e.getMessage().contains("blobs not supported"));
        assertThrows(IllegalArgumentException.class, () -> FileStorageConfig.fromOptions("1", Map.of("create", "true")));
        assertThrows(IllegalArgumentException.class, () -> FileStorageConfig.fromOptions("1", Map.of("path", "x", "bogus", "1")));
        assertThrows(IllegalArgumentException.class, () -> FileStorageConfig.fromOptions("1", Map.of("path", "x", "create", "maybe")));
        assertThrows(IllegalArgumentException.class, () -> FileStorageConfig.builder(Path.of("x")).create(true).readOnly(true).build());
    }
}
