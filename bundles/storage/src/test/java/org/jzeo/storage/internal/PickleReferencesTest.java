package org.jzeo.storage.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.jzeo.api.Oid;

class PickleReferencesTest {
    private static final HexFormat HEX = HexFormat.of();

    static Path fixtures() {
        String dir = System.getProperty("jzeo.fixtures");
        Path p = dir == null || dir.isBlank() || dir.startsWith("${") ? Path.of("../../../shared/fixtures") : Path.of(dir);
        return p.toAbsolutePath().normalize();
    }

    static Stream<Arguments> refsRecords() throws IOException {
        JsonNode root = new ObjectMapper().readTree(fixtures().resolve("datafs/refs.json").toFile());
        List<Arguments> out = new ArrayList<>();
        for (JsonNode r : root.get("records")) {
            out.add(Arguments.of(r.get("oid").asText() + "@" + r.get("tid").asText(), r));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refsRecords")
    void referencesMatchReferencesf(String name, JsonNode r) {
        byte[] record = HEX.parseHex(r.get("pickle_hex").asText());
        List<Oid> expected = new ArrayList<>();
        r.get("referencesf").forEach(n -> expected.add(Oid.fromHex(n.asText())));
        assertEquals(expected, PickleReferences.referencesOf(record));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refsRecords")
    void classMatchesGetPickleMetadata(String name, JsonNode r) {
        byte[] record = HEX.parseHex(r.get("pickle_hex").asText());
        JsonNode meta = r.get("get_pickle_metadata");
        assertArrayEquals(new String[] {meta.get(0).asText(), meta.get(1).asText()}, PickleReferences.classOf(record));
    }

    @Test
    void refsFixtureCoversEveryReferenceKind() throws IOException {
        JsonNode root = new ObjectMapper().readTree(fixtures().resolve("datafs/refs.json").toFile());
        Set<String> kinds = new HashSet<>();
        root.get("records").forEach(r -> r.get("ref_kinds").forEach(k -> kinds.add(k.asText())));
        assertEquals(Set.of("oid", "oid_class", "weak", "weak_xdb", "xdb_oid_class", "xdb_oid"), kinds);
    }

    /** One data record of a Data.fs, parsed with the spec's §3/§4 layout. */
    record FsRecord(long pos, Oid oid, long plen, long back, byte[] data) {
    }

    /** A minimal forward scan of a Data.fs: every data record in file order. */
    static List<FsRecord> scan(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file);
        assertEquals("FS30", new String(file, 0, 4, StandardCharsets.US_ASCII));
        List<FsRecord> out = new ArrayList<>();
        long pos = 4;
        while (pos < file.length) {
            long tlen = b.getLong((int) pos + 8);
            int ulen = b.getShort((int) pos + 17) & 0xffff;
            int dlen = b.getShort((int) pos + 19) & 0xffff;
            int elen = b.getShort((int) pos + 21) & 0xffff;
            long end = pos + tlen;
            long rp = pos + 23 + ulen + dlen + elen;
            while (rp < end) {
                int p = (int) rp;
                Oid oid = Oid.of(file, p);
                assertEquals(0, b.getShort(p + 32), "vlen");
                long plen = b.getLong(p + 34);
                if (plen > 0) {
                    byte[] data = new byte[(int) plen];
                    System.arraycopy(file, p + 42, data, 0, (int) plen);
                    out.add(new FsRecord(rp, oid, plen, 0, data));
                    rp += 42 + plen;
                } else {
                    out.add(new FsRecord(rp, oid, 0, b.getLong(p + 42), null));
                    rp += 50;
                }
            }
            assertEquals(end, rp, "data records end at the transaction end");
            assertEquals(tlen, b.getLong((int) end), "redundant length");
            pos = end + 8;
        }
        return out;
    }

    @Test
    void everyRecordOfBasicFsIsReadable() throws IOException {
        byte[] file = Files.readAllBytes(fixtures().resolve("datafs/basic.fs"));
        List<FsRecord> records = scan(file);
        assertEquals(2904, records.size());
        int withData = 0;
        for (FsRecord r : records) {
            if (r.data() != null) {
                withData++;
                PickleReferences.referencesOf(r.data());
                String[] cls = PickleReferences.classOf(r.data());
                assertFalse(cls[0].isEmpty(), "module of the record at " + r.pos());
                assertFalse(cls[1].isEmpty(), "class of the record at " + r.pos());
            }
        }
        assertEquals(2901, withData);
    }

    /** A walk from the root over the current records gives exactly Python's reachable set. */
    @Test
    void reachabilityOfBasicFsMatchesPython() throws IOException {
        byte[] file = Files.readAllBytes(fixtures().resolve("datafs/basic.fs"));
        Map<Long, FsRecord> byPos = new HashMap<>();
        Map<Oid, FsRecord> current = new HashMap<>();
        for (FsRecord r : scan(file)) {
            byPos.put(r.pos(), r);
            current.put(r.oid(), r);
        }
        Set<Oid> reachable = new HashSet<>();
        Deque<Oid> todo = new ArrayDeque<>(List.of(Oid.ROOT));
        while (!todo.isEmpty()) {
            Oid oid = todo.pop();
            FsRecord r = current.get(oid);
            if (r == null || !reachable.add(oid)) {
                continue;
            }
            while (r.data() == null && r.back() != 0) {
                r = byPos.get(r.back());
            }
            if (r.data() != null) {
                todo.addAll(PickleReferences.referencesOf(r.data()));
            }
        }
        JsonNode cur = new ObjectMapper().readTree(fixtures().resolve("datafs/basic.current.json").toFile());
        Set<Oid> expected = new HashSet<>();
        for (JsonNode c : cur.get("current")) {
            if (c.get("reachable_from_root").asBoolean()) {
                expected.add(Oid.fromHex(c.get("oid").asText()));
            }
        }
        assertEquals(2792, expected.size());
        assertEquals(expected, reachable);
    }

    // ------------------------------------------------------------- hand-made records

    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof String s) {
                out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
            } else if (p instanceof Integer i) {
                out.write(i);
            } else if (p instanceof byte[] b) {
                out.writeBytes(b);
            } else {
                throw new IllegalArgumentException(String.valueOf(p));
            }
        }
        return out.toByteArray();
    }

    private static final String PM_CLASS = "cpersistent.mapping\nPersistentMapping\n";

    /** The spec's §7.2 worked example: root mapping {'data': {'child': ref(oid 1)}}. */
    static byte[] specExample() {
        return bytes(0x80, 3, PM_CLASS, "q", 0, ".",
                0x80, 3, "}q", 1, "X", new byte[] {4, 0, 0, 0}, "dataq", 2, "}q", 3,
                "X", new byte[] {5, 0, 0, 0}, "childq", 4, "C", 8, Oid.of(1).toBytes(), "q", 5,
                "h", 0, 0x86, "q", 6, "Q", "ss.");
    }

    @Test
    void specWorkedExample() {
        byte[] record = specExample();
        assertEquals(List.of(Oid.of(1)), PickleReferences.referencesOf(record));
        assertArrayEquals(new String[] {"persistent.mapping", "PersistentMapping"}, PickleReferences.classOf(record));
    }

    /** py2 / FS21 era: protocol 1, oids as SHORT_BINSTRING, tuples built with MARK ... TUPLE. */
    @Test
    void protocolOneWithShortBinstringOids() {
        byte[] oid5 = Oid.of(5).toBytes();
        byte[] oid7 = Oid.of(0x0a0d).toBytes(); // contains a newline byte: must stay raw bytes
        byte[] record = bytes(PM_CLASS, "q", 0, ".",
                "}q", 1, "U", 4, "data", "q", 2, "}q", 3, "(",
                "U", 1, "a", "(U", 8, oid5, "q", 4, "h", 0, "tq", 5, "Q",
                "U", 1, "b", "U", 8, oid7, "Q",
                "U", 1, "c", "(U", 1, "w", "(h", 4, "tl", "Q",
                "U", 1, "d", "h", 5, "Q",
                "us.");
        assertEquals(List.of(Oid.of(5), Oid.of(0x0a0d), Oid.of(5)), PickleReferences.referencesOf(record));
        assertArrayEquals(new String[] {"persistent.mapping", "PersistentMapping"}, PickleReferences.classOf(record));
    }

    /** Protocol 0 text opcodes: PUT/GET lines, quoted STRING with escapes, PERSID. */
    @Test
    void protocolZeroTextOpcodes() {
        byte[] record = bytes(PM_CLASS, "p0\n.",
                "(dp1\nS'data'\np2\n(dp3\nS'x'\n(S'\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\t'\np4\ng0\ntp5\nQs",
                "S\"y\"\nI01\nsS'z'\nPabcdefgh\nss.");
        assertEquals(List.of(Oid.of(9), Oid.of(0x6162636465666768L)), PickleReferences.referencesOf(record));
    }

    /** Protocol 4-style framing, MEMOIZE, STACK_GLOBAL and NEWOBJ are accepted. */
    @Test
    void protocolFourOpcodes() {
        byte[] oid = Oid.of(3).toBytes();
        byte[] classPickle = bytes(0x80, 4, 0x95, new byte[] {30, 0, 0, 0, 0, 0, 0, 0},
                0x8c, 18, "persistent.mapping", 0x94, 0x8c, 17, "PersistentMapping", 0x94, 0x93, 0x94, ".");
        byte[] state = bytes(0x80, 4, "}", 0x94, 0x8c, 1, "k", 0x94, "C", 8, oid, 0x94, "h", 2, 0x86, "Q",
                0x8c, 1, "o", "h", 2, ")", 0x81, "ss.");
        byte[] record = bytes(classPickle, state);
        assertEquals(List.of(Oid.of(3)), PickleReferences.referencesOf(record));
        assertArrayEquals(new String[] {"persistent.mapping", "PersistentMapping"}, PickleReferences.classOf(record));
    }

    @Test
    void classOfOtherForms() {
        // (class, None) as in the wire fixtures
        byte[] withNone = bytes(0x80, 3, "cfoo.bar\nBaz\nq", 0, "N", 0x86, "q", 1, ".", 0x80, 3, "}.");
        assertArrayEquals(new String[] {"foo.bar", "Baz"}, PickleReferences.classOf(withNone));
        assertEquals(List.of(), PickleReferences.referencesOf(withNone));
        // ((module, name), None): persistent classes
        byte[] nested = bytes(0x80, 3, "X", new byte[] {3, 0, 0, 0}, "m.n", "X", new byte[] {1, 0, 0, 0}, "C",
                0x86, "N", 0x86, ".", 0x80, 3, "N.");
        assertArrayEquals(new String[] {"m.n", "C"}, PickleReferences.classOf(nested));
        // garbage: an empty pair, as get_pickle_metadata gives
        assertArrayEquals(new String[] {"", ""}, PickleReferences.classOf(new byte[] {1, 2, 3}));
    }

    @Test
    void truncatedRecordsAreRefused() {
        byte[] record = specExample();
        for (int len = 0; len < record.length; len++) {
            byte[] cut = java.util.Arrays.copyOf(record, len);
            int l = len;
            UnreadableRecordException e = assertThrows(UnreadableRecordException.class,
                    () -> PickleReferences.referencesOf(cut), "truncated to " + l);
            assertFalse(e.getMessage().isBlank());
        }
    }

    @Test
    void garbageIsRefused() {
        assertThrows(UnreadableRecordException.class, () -> PickleReferences.referencesOf(null));
        assertThrows(UnreadableRecordException.class,
                () -> PickleReferences.referencesOf("hello, world".getBytes(StandardCharsets.US_ASCII)));
        // unknown opcode
        UnreadableRecordException e = assertThrows(UnreadableRecordException.class,
                () -> PickleReferences.referencesOf(bytes(0x80, 3, 0xff, ".")));
        assertTrue(e.getMessage().contains("0xff"), e.getMessage());
        // bytes after the second pickle
        byte[] trailing = bytes(specExample(), "N");
        assertThrows(UnreadableRecordException.class, () -> PickleReferences.referencesOf(trailing));
        // a memo slot that was never set
        assertThrows(UnreadableRecordException.class,
                () -> PickleReferences.referencesOf(bytes(0x80, 3, "N.", 0x80, 3, "h", 9, ".")));
        // an oid that is not 8 bytes
        assertThrows(UnreadableRecordException.class,
                () -> PickleReferences.referencesOf(bytes(0x80, 3, "N.", 0x80, 3, "C", 3, "abc", "Q.")));
        // a persistent id that is neither tuple, bytes nor list
        assertThrows(UnreadableRecordException.class,
                () -> PickleReferences.referencesOf(bytes(0x80, 3, "N.", 0x80, 3, "NQ.")));
        // stack underflow
        assertThrows(UnreadableRecordException.class,
                () -> PickleReferences.referencesOf(bytes(0x80, 3, "N.", 0x80, 3, "s.")));
        // a pickle that leaves two values
        assertThrows(UnreadableRecordException.class,
                () -> PickleReferences.referencesOf(bytes(0x80, 3, "NN.", 0x80, 3, "N.")));
        // an oversized length
        assertThrows(UnreadableRecordException.class,
                () -> PickleReferences.referencesOf(bytes(0x80, 3, "N.", 0x80, 3, "B", new byte[] {-1, -1, -1, 127}, ".")));
        // only the class pickle
        assertThrows(UnreadableRecordException.class,
                () -> PickleReferences.referencesOf(bytes(0x80, 3, "N.")));
    }

    @Test
    void randomCorruptionNeverEscapesAsAnotherException() {
        byte[] record = specExample();
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 5000; i++) {
            byte[] copy = record.clone();
            copy[random.nextInt(copy.length)] = (byte) random.nextInt(256);
            try {
                PickleReferences.referencesOf(copy);
            } catch (UnreadableRecordException expected) {
                // fine: refused
            }
            PickleReferences.classOf(copy);
        }
    }
}
