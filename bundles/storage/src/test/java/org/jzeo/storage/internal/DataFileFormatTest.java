package org.jzeo.storage.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.jzeo.api.DataRecord;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionRecord;

/** The low-level reader, iterator, scanner and checker against the Python-made fixtures. */
class DataFileFormatTest {

    private static long pos(JsonNode n) {
        return n.asLong();
    }

    /** Every transaction and record field of basic.fs, as basic.json lists them. */
    @Test
    void basicFsParsesExactlyAsBasicJson() throws IOException {
        JsonNode json = Fixtures.json("basic.json");
        Path file = Fixtures.datafs("basic.fs");
        try (DataFile f = DataFile.openForReading(file)) {
            assertEquals(json.get("file_size").asLong(), f.size());
            assertEquals(json.get("magic").asText(), new String(f.read(0, 4), java.nio.charset.StandardCharsets.US_ASCII));
            long pos = 4;
            int records = 0;
            for (JsonNode t : json.get("transactions")) {
                assertEquals(pos(t.get("pos")), pos);
                TransactionHeader th = f.readTransactionHeader(pos);
                assertEquals(t.get("tid").asText(), th.tid().toHex());
                assertEquals(t.get("status").asText(), String.valueOf(th.statusChar()));
                assertEquals(t.get("tlen").asLong(), th.tlen());
                assertEquals(t.get("user_len").asInt(), th.ulen());
                assertEquals(t.get("description_len").asInt(), th.dlen());
                assertEquals(t.get("extension_len").asInt(), th.elen());
                var md = DataFsStorage.readMetaData(f, th);
                assertEquals(t.get("user_hex").asText(), Fixtures.hex(md.user()));
                assertEquals(t.get("description_hex").asText(), Fixtures.hex(md.description()));
                assertEquals(t.get("extension_hex").asText(), Fixtures.hex(md.extension()));
                assertEquals(t.get("data_start").asLong(), th.dataStart());
                assertEquals(t.get("redundant_tlen_pos").asLong(), th.end());
                assertEquals(t.get("next_txn_pos").asLong(), th.next());
                assertEquals(th.tlen(), f.readU64(th.end()));
                long rec = th.dataStart();
                for (JsonNode r : t.get("records")) {
                    assertEquals(r.get("pos").asLong(), rec);
                    DataHeader h = f.readDataHeader(rec);
                    assertEquals(r.get("oid").asText(), h.oid().toHex());
                    assertEquals(r.get("tid").asText(), h.tid().toHex());
                    assertEquals(r.get("prev").asLong(), h.prev());
                    assertEquals(r.get("tpos").asLong(), h.tloc());
                    assertEquals(r.get("vlen").asInt(), h.vlen());
                    assertEquals(r.get("plen").asLong(), h.plen());
                    assertEquals(r.get("record_len").asLong(), h.recordLength());
                    assertEquals(r.get("deleted").asBoolean(), h.isDeletion());
                    if (h.plen() > 0) {
                        assertTrue(r.get("backpointer").isNull());
                        assertEquals(r.get("data_sha256").asText(), Fixtures.sha256(f.readOwnData(h)));
                    } else {
                        assertEquals(r.get("backpointer").asLong(), h.back());
                        assertTrue(r.get("data_sha256").isNull());
                        DataHeader d = f.resolve(h);
                        if (h.back() == 0) {
                            assertNull(d);
                        } else {
                            assertEquals(r.get("resolved_data_sha256").asText(), Fixtures.sha256(f.readOwnData(d)));
                            assertEquals(r.get("resolved_data_len").asLong(), d.plen());
                            assertEquals(r.get("backpointer_tid").asText(), d.tid().toHex());
                        }
                    }
                    rec += h.recordLength();
                    records++;
                }
                assertEquals(th.end(), rec, "records fill the transaction");
                pos = th.next();
            }
            assertEquals(f.size(), pos);
            assertEquals(2904, records);
        }
    }

    /** The transaction iterator yields what FileIterator yields (tids, metadata, data or resolved data, data_txn). */
    @Test
    void iteratorMatchesBasicJson() {
        JsonNode json = Fixtures.json("basic.json");
        List<TransactionRecord> all = new ArrayList<>();
        try (TransactionIterator it = TransactionIterator.open(Fixtures.datafs("basic.fs"))) {
            it.forEachRemaining(all::add);
            assertTrue(it.warnings().isEmpty());
        }
        assertEquals(json.get("transactions").size(), all.size());
        for (int i = 0; i < all.size(); i++) {
            JsonNode t = json.get("transactions").get(i);
            TransactionRecord x = all.get(i);
            assertEquals(t.get("tid").asText(), x.tid().toHex());
            assertEquals(t.get("status").asText().charAt(0), x.status());
            assertEquals(t.get("user_hex").asText(), Fixtures.hex(x.metadata().user()));
            assertEquals(t.get("description_hex").asText(), Fixtures.hex(x.metadata().description()));
            assertEquals(t.get("extension_hex").asText(), Fixtures.hex(x.metadata().extension()));
            assertEquals(t.get("records").size(), x.records().size());
            for (int k = 0; k < x.records().size(); k++) {
                JsonNode r = t.get("records").get(k);
                DataRecord d = x.records().get(k);
                assertEquals(r.get("oid").asText(), d.oid().toHex());
                assertEquals(x.tid(), d.tid());
                if (r.get("deleted").asBoolean()) {
                    assertNull(d.data());
                    assertNull(d.dataTxn());
                } else if (r.get("plen").asLong() == 0) {
                    assertEquals(r.get("resolved_data_sha256").asText(), Fixtures.sha256(d.data()));
                    assertEquals(r.get("backpointer_tid").asText(), d.dataTxn().toHex());
                } else {
                    assertEquals(r.get("data_sha256").asText(), Fixtures.sha256(d.data()));
                    assertNull(d.dataTxn());
                }
            }
        }
    }

    @Test
    void scanOfBasicFs() throws IOException {
        try (DataFile f = DataFile.openForReading(Fixtures.datafs("basic.fs"))) {
            IndexScanner.Result r = IndexScanner.scan(f);
            assertEquals(2794, r.index().size());
            assertEquals(f.size(), r.end());
            assertEquals(-1, r.truncateAt());
            assertEquals("040d3bf52a017455", r.lastTid().toHex());
            assertEquals(876858, r.lastTxnPos());
            Oid max = Oid.ROOT;
            for (JsonNode c : Fixtures.json("basic.current.json").get("current")) {
                Oid o = Oid.fromHex(c.get("oid").asText());
                max = o.compareTo(max) > 0 ? o : max;
            }
            assertEquals(max, Oid.of(r.index().maxOid()));
            assertEquals(876800, r.index().get(Oid.of(0xcb)), "the deletion record is the current one");
        }
    }

    @Test
    void checkerAcceptsBasicFsLikeFstest() throws IOException {
        FileChecker.Report r = FileChecker.check(Fixtures.datafs("basic.fs"), 1);
        assertTrue(r.ok(), r.error());
        List<String> expected = new ArrayList<>(Arrays.asList(
                Files.readString(Fixtures.datafs("basic.fstest.txt")).split("\n")));
        expected.removeIf(l -> l.startsWith("# exit status"));
        // the fixture's last line is "no errors detected" directly followed by the exit-status comment
        String last = expected.remove(expected.size() - 1);
        expected.add(last.replace("# exit status: 0", ""));
        assertEquals(expected, r.lines());
        assertEquals(List.of(), FileChecker.checkLinks(Fixtures.datafs("basic.fs")));
    }

    /** fstest -v -v output and error, and FileIterator results, for small/truncated/corrupt. */
    @ParameterizedTest
    @ValueSource(strings = {"small.fs", "truncated.fs", "corrupt.fs"})
    void damagedFilesLikeFstestAndFileIterator(String name) throws IOException {
        JsonNode d = Fixtures.json("damaged.json").get(name);
        FileChecker.Report r = FileChecker.check(Fixtures.datafs(name), 2);
        JsonNode vv = d.get("fstest_vv");
        assertEquals(vv.get("rc").asInt() == 0, r.ok());
        assertEquals(Arrays.asList(vv.get("stdout").asText().split("\n")), r.lines());
        if (!r.ok()) {
            String stderr = vv.get("stderr").asText().trim();
            String expected = stderr.substring(stderr.indexOf(name + " ") + name.length() + 1);
            assertEquals(expected, r.error());
        }
        // the command line prints what fstest prints
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        int rc = FileChecker.run(new String[] {Fixtures.datafs(name).toString()}, new java.io.PrintStream(out),
                new java.io.PrintStream(err));
        assertEquals(d.get("fstest").get("rc").asInt(), rc);
        assertEquals("", out.toString());

        JsonNode fi = d.get("FileIterator");
        List<TransactionRecord> all = new ArrayList<>();
        List<String> warnings;
        try (TransactionIterator it = TransactionIterator.open(Fixtures.datafs(name))) {
            it.forEachRemaining(all::add);
            warnings = it.warnings();
        }
        assertEquals(fi.get("transactions").size(), all.size());
        for (int i = 0; i < all.size(); i++) {
            assertEquals(fi.get("transactions").get(i).get("tid").asText(), all.get(i).tid().toHex());
            assertEquals(fi.get("transactions").get(i).get("records").asInt(), all.get(i).records().size());
        }
        List<String> expectedWarnings = new ArrayList<>();
        for (JsonNode w : fi.get("log")) {
            String text = w.asText();
            expectedWarnings.add(text.substring(text.indexOf(name + " ") + name.length() + 1));
        }
        assertEquals(expectedWarnings, warnings);
    }

    @Test
    void undoIdsAreBase64OfTheTid() {
        Tid t = Tid.fromHex("040d3bf529fd6ddd");
        byte[] id = DataFsFormat.undoId(t);
        assertEquals(java.util.Base64.getEncoder().encodeToString(t.toBytes()), new String(id));
        assertFalse(new String(id).endsWith("\n"));
        assertEquals(t, DataFsFormat.tidOfUndoId(id));
        assertEquals(t, DataFsFormat.tidOfUndoId((new String(id) + "\n").getBytes()));
        assertNull(DataFsFormat.tidOfUndoId("not base64!".getBytes()));
        assertNotNull(DataFsFormat.tidOfUndoId("BA07+Rs34jM=".getBytes()));
    }
}
