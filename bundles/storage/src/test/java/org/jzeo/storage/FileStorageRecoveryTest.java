package org.jzeo.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jzeo.api.CorruptedDataError;
import org.jzeo.api.Oid;
import org.jzeo.api.POSKeyError;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.storage.internal.FileChecker;
import org.jzeo.storage.internal.Fixtures;

/** Damaged files (damaged.json), unfinished transactions, empty and FS21 files. */
class FileStorageRecoveryTest {
    @TempDir
    Path dir;

    private static final JsonNode DAMAGED = Fixtures.json("damaged.json");

    private static FileStorage open(Path p, boolean readOnly) {
        return FileStorage.open(FileStorageConfig.builder(p).readOnly(readOnly).build());
    }

    private static void assertLoads(FileStorage fs, JsonNode expected) {
        Iterator<Map.Entry<String, JsonNode>> it = expected.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            Oid oid = Oid.fromHex(e.getKey());
            if (e.getValue().asText().equals("POSKeyError")) {
                assertThrows(POSKeyError.class, () -> fs.load(oid), oid.toString());
            } else {
                assertEquals(Tid.fromHex(e.getValue().asText()), fs.load(oid).start(), oid.toString());
            }
        }
    }

    private static Tid commitOne(FileStorage fs, Oid oid) {
        StorageTransaction t = fs.tpcBegin(TransactionMetaData.of("jzeo", "after recovery"));
        t.store(oid, Tid.ZERO, "new object".getBytes());
        t.vote();
        return t.finish();
    }

    @Test
    void truncatedReadOnlyLeavesTheFileAlone() throws IOException {
        JsonNode d = DAMAGED.get("truncated.fs").get("open_read_only");
        Path p = Fixtures.copy("truncated.fs", dir, "Data.fs");
        try (FileStorage fs = open(p, true)) {
            assertEquals(1353, fs.getSize());
            assertEquals(d.get("len").asLong(), fs.objectCount());
            assertLoads(fs, d.get("load_oids_0_to_5"));
            // Deliberate difference: Python reports the torn transaction's tid (…d4aa); jzeo the last whole one.
            assertEquals(Tid.fromHex("040d3bf751f774bb"), fs.lastTransaction());
        }
        assertEquals(d.get("size_after").asLong(), Files.size(p));
        assertFalse(Files.exists(dir.resolve("Data.fs.tr0")));
        assertFalse(Files.exists(dir.resolve("Data.fs.lock")));
    }

    @Test
    void truncatedWritableCutsTheTailIntoTr0() throws IOException {
        JsonNode d = DAMAGED.get("truncated.fs").get("open_read_write");
        Path p = Fixtures.copy("truncated.fs", dir, "Data.fs");
        Files.write(dir.resolve("Data.fs.tr0"), new byte[] {1}); // taken: the next free name is used
        Files.write(dir.resolve("Data.fs.index"), new byte[] {1}); // a stale Python index
        byte[] original = Files.readAllBytes(p);
        Tid lost = Tid.fromHex("040d3bf751f7d4aa");
        Tid next;
        try (FileStorage fs = open(p, false)) {
            assertEquals(1353, Files.size(p));
            assertArrayEquals(Arrays.copyOfRange(original, 1353, original.length), Files.readAllBytes(dir.resolve("Data.fs.tr1")));
            assertFalse(Files.exists(dir.resolve("Data.fs.index")), "a Python index is stale after truncation");
            assertEquals(d.get("len").asLong(), fs.objectCount());
            assertLoads(fs, d.get("load_oids_0_to_5"));
            next = commitOne(fs, Oid.of(4));
            assertTrue(next.compareTo(lost) > 0, "new tids stay above the lost transaction's");
            assertTrue(Files.size(p) > 1353);
        }
        assertTrue(FileChecker.check(p, 0).ok());
        try (FileStorage fs = open(p, false)) {
            assertEquals(next, fs.lastTransaction());
            assertEquals(next, fs.load(Oid.of(4)).start());
        }
    }

    @Test
    void corruptFileIsRefusedInBothModes() throws IOException {
        Path p = Fixtures.copy("corrupt.fs", dir, "Data.fs");
        byte[] before = Files.readAllBytes(p);
        for (boolean readOnly : new boolean[] {true, false}) {
            CorruptedDataError e = assertThrows(CorruptedDataError.class, () -> open(p, readOnly));
            assertTrue(e.getMessage().endsWith("data record exceeds transaction record at 579"), e.getMessage());
            assertEquals(579, e.position());
            assertArrayEquals(before, Files.readAllBytes(p), "nothing truncated");
            assertFalse(Files.exists(dir.resolve("Data.fs.tr0")));
        }
        // the failed writable open released its lock
        assertThrows(CorruptedDataError.class, () -> open(p, false));
    }

    @Test
    void smallFileOpensAndCommits() throws IOException {
        JsonNode d = DAMAGED.get("small.fs").get("open_read_write");
        Path p = Fixtures.copy("small.fs", dir, "Data.fs");
        try (FileStorage fs = open(p, false)) {
            assertEquals(Tid.fromHex(d.get("lastTransaction").asText()), fs.lastTransaction());
            assertEquals(d.get("len").asLong(), fs.objectCount());
            assertLoads(fs, d.get("load_oids_0_to_5"));
            commitOne(fs, fs.newOid());
        }
        assertTrue(FileChecker.check(p, 0).ok());
    }

    /** A transaction left with status 'c' (a crash between vote and finish) is the end of the file. */
    @Test
    void checkpointTransactionIsRemoved() throws IOException {
        Path p = Fixtures.copy("small.fs", dir, "Data.fs");
        byte[] b = Files.readAllBytes(p);
        b[1353 + 16] = 'c';
        Files.write(p, b);
        try (FileStorage fs = open(p, true)) {
            assertEquals(4, fs.objectCount());
            assertEquals(Tid.fromHex("040d3bf751f774bb"), fs.lastTransaction());
            assertThrows(POSKeyError.class, () -> fs.load(Oid.of(4)));
        }
        assertEquals(1807, Files.size(p));
        try (FileStorage fs = open(p, false)) {
            assertEquals(1353, Files.size(p));
            Tid t = commitOne(fs, Oid.of(4));
            assertTrue(t.compareTo(Tid.fromHex("040d3bf751f7d4aa")) > 0);
        }
        assertTrue(Files.exists(dir.resolve("Data.fs.tr0")));
        assertTrue(FileChecker.check(p, 0).ok());
    }

    @Test
    void tornTransactionHeaderIsRemoved() throws IOException {
        Path p = Fixtures.copy("small.fs", dir, "Data.fs");
        Files.write(p, new byte[10], java.nio.file.StandardOpenOption.APPEND);
        try (FileStorage fs = open(p, false)) {
            assertEquals(1807, Files.size(p));
            assertEquals(5, fs.objectCount());
        }
    }

    @Test
    void emptyFileGetsTheMagic() throws IOException {
        Path p = dir.resolve("Data.fs");
        Files.write(p, new byte[0]);
        try (FileStorage fs = open(p, true)) {
            assertEquals(0, fs.objectCount());
        }
        assertEquals(0, Files.size(p));
        try (FileStorage fs = open(p, false)) {
            assertEquals(Tid.ZERO, fs.lastTransaction());
        }
        assertArrayEquals("FS30".getBytes(), Files.readAllBytes(p));
        try (FileStorage fs = FileStorage.open(FileStorageConfig.of(dir.resolve("new.fs")))) {
            assertEquals(Oid.of(1), fs.newOid(), "oid 0 is the root, created explicitly");
        }
        assertArrayEquals("FS30".getBytes(), Files.readAllBytes(dir.resolve("new.fs")));
    }

    @Test
    void badMagicIsRefused() throws IOException {
        Path p = dir.resolve("Data.fs");
        Files.write(p, "FS99xxxxxxxxxxxxxxxxxxxxxxxxx".getBytes());
        assertThrows(CorruptedDataError.class, () -> open(p, true));
        assertThrows(CorruptedDataError.class, () -> open(p, false));
    }

    @Test
    void fs21FilesKeepTheirMagic() throws IOException {
        Path p = Fixtures.copy("small.fs", dir, "Data.fs");
        byte[] b = Files.readAllBytes(p);
        System.arraycopy("FS21".getBytes(), 0, b, 0, 4);
        Files.write(p, b);
        try (FileStorage fs = open(p, false)) {
            assertEquals(5, fs.objectCount());
            commitOne(fs, fs.newOid());
        }
        assertArrayEquals("FS21".getBytes(), Arrays.copyOf(Files.readAllBytes(p), 4));
        assertTrue(FileChecker.check(p, 0).ok());
    }

    @Test
    void createDiscardsAnExistingFile() throws IOException {
        Path p = Fixtures.copy("small.fs", dir, "Data.fs");
        try (FileStorage fs = FileStorage.open(FileStorageConfig.builder(p).create(true).build())) {
            assertEquals(0, fs.objectCount());
            assertEquals(Tid.ZERO, fs.lastTransaction());
        }
        assertEquals(4, Files.size(p));
    }
}
