package org.jzeo.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jzeo.api.Oid;
import org.junit.jupiter.api.Test;

class PickleTest {
    private static final MessageCodec Z5 = MessageCodec.forProtocol("Z5");

    private static Object roundTrip(Object v) {
        Object back = Pickles.loads(Pickles.dumps(v));
        assertTrue(Values.deepEquals(v, back), () -> Values.repr(v) + " came back as " + Values.repr(back));
        Object back2 = Pickles.loads(Pickles.dumps(v, true));
        assertTrue(Values.deepEquals(v, back2), () -> "memo: " + Values.repr(back2));
        return back;
    }

    @Test
    void integersUseThePythonOpcodes() {
        assertEquals("80034b002e", Fixtures.hex(Pickles.dumps(0L)));
        assertEquals("80034bff2e", Fixtures.hex(Pickles.dumps(255L)));
        assertEquals("80034d00012e", Fixtures.hex(Pickles.dumps(256L)));
        assertEquals("80034dffff2e", Fixtures.hex(Pickles.dumps(65535L)));
        assertEquals("80034a000001002e", Fixtures.hex(Pickles.dumps(65536L)));
        assertEquals("80034affffffff2e", Fixtures.hex(Pickles.dumps(-1L)));
        assertEquals("80034a000000802e", Fixtures.hex(Pickles.dumps((long) Integer.MIN_VALUE)));
        assertEquals("80038a0500000080002e", Fixtures.hex(Pickles.dumps(1L << 31)));
        assertEquals("80038a05ffffff7fff2e", Fixtures.hex(Pickles.dumps(-(1L << 31) - 1)));
        assertEquals("80038a06d03ad49adc7f2e", Fixtures.hex(Pickles.dumps(140585467132624L)));
        assertEquals("80038a09000000000000008000" + "2e", Fixtures.hex(Pickles.dumps(BigInteger.ONE.shiftLeft(63))));
        for (Object v : List.of(0L, 1L, -1L, 127L, 128L, -128L, -129L, 255L, 256L, 65535L, 65536L, (long) Integer.MAX_VALUE,
                (long) Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE, BigInteger.ONE.shiftLeft(63),
                BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE), BigInteger.ONE.shiftLeft(100).negate(),
                BigInteger.valueOf(Long.MIN_VALUE).subtract(BigInteger.ONE), BigInteger.TEN.pow(700))) {
            Object back = roundTrip(v);
            if (v instanceof BigInteger b && b.bitLength() <= 63) {
                assertInstanceOf(Long.class, back);
            } else {
                assertInstanceOf(v.getClass(), back);
            }
        }
        assertInstanceOf(Long.class, Pickles.loads(Pickles.dumps(BigInteger.valueOf(5))));
        assertEquals(5L, Pickles.loads(Pickles.dumps(5)));
    }

    @Test
    void heartbeatMatchesTheSpec() {
        assertEquals("8003284affffffff4b0058060000002e7265706c794e742e", Fixtures.hex(Z5.encode(Message.HEARTBEAT)));
        assertEquals("94ff00a62e7265706c79c0", Fixtures.hex(MessageCodec.forProtocol("M5").encode(Message.HEARTBEAT)));
        assertTrue(Z5.decode(Z5.encode(Message.HEARTBEAT)).isHeartbeat());
    }

    @Test
    void specLoadBeforeExample() {
        Message m = Message.call(5, "loadBefore", Oid.ROOT, Fixtures.hex("03f58e0000000001"));
        assertEquals("8003284b058958" + "0a000000" + Fixtures.hex("loadBefore".getBytes())
                + "43080000000000000000430803f58e0000000001" + "86742e", Fixtures.hex(Z5.encode(m)));
    }

    @Test
    void bytesStringsAndFloats() {
        assertEquals("800343002e", Fixtures.hex(Pickles.dumps(new byte[0])));
        byte[] b255 = new byte[255];
        assertEquals("8003" + "43ff", Fixtures.hex(Pickles.dumps(b255)).substring(0, 8));
        byte[] b256 = new byte[256];
        Arrays.fill(b256, (byte) 7);
        assertEquals("8003" + "4200010000", Fixtures.hex(Pickles.dumps(b256)).substring(0, 14));
        byte[] big = new byte[100_000];
        new java.util.Random(1).nextBytes(big);
        roundTrip(big);
        roundTrip(b256);
        roundTrip(new byte[0]);
        assertEquals("800358000000002e", Fixtures.hex(Pickles.dumps("")));
        assertEquals("80035802000000c3a92e", Fixtures.hex(Pickles.dumps("é")));
        roundTrip("café ☃ \uD83D\uDE00 müller");
        roundTrip("lone \uD800 surrogate"); // Python's surrogatepass
        assertEquals("800347" + "3ff8000000000000" + "2e", Fixtures.hex(Pickles.dumps(1.5)));
        roundTrip(-0.0);
        roundTrip(Double.NaN);
        roundTrip(1795537679.6446304);
        roundTrip(null);
        roundTrip(true);
        roundTrip(false);
        assertEquals("8003882e", Fixtures.hex(Pickles.dumps(true)));
    }

    @Test
    void containers() {
        assertEquals("8003292e", Fixtures.hex(Pickles.dumps(Tuple.EMPTY)));
        assertEquals("80035d2e", Fixtures.hex(Pickles.dumps(List.of())));
        assertEquals("80037d2e", Fixtures.hex(Pickles.dumps(Map.of())));
        assertEquals("80035d4b01612e", Fixtures.hex(Pickles.dumps(List.of(1L))));
        assertEquals("80035d284b014b0265" + "2e", Fixtures.hex(Pickles.dumps(List.of(1L, 2L))));
        assertEquals("80037d58010000006b4b01732e", Fixtures.hex(Pickles.dumps(Map.of("k", 1L))));
        assertEquals("80034b01852e", Fixtures.hex(Pickles.dumps(Tuple.of(1L))));
        assertEquals("8003284b014b024b034b04742e", Fixtures.hex(Pickles.dumps(Tuple.of(1L, 2L, 3L, 4L))));
        Map<Object, Object> nested = new LinkedHashMap<>();
        nested.put("z", Tuple.of(List.of(Tuple.EMPTY, Map.of()), null, new byte[] {1}));
        nested.put("a", List.of(List.of(List.of("deep"))));
        nested.put(7L, 1.25);
        nested.put(Tuple.of("t", 1L), false);
        Object back = roundTrip(nested);
        assertEquals(List.of("z", "a", 7L), new ArrayList<>(((Map<?, ?>) back).keySet()).subList(0, 3));
        assertInstanceOf(List.class, ((Map<?, ?>) back).get("a"));
    }

    @Test
    void longListsAreBatchedInThousands() {
        List<Object> l = new ArrayList<>();
        Map<Object, Object> m = new LinkedHashMap<>();
        for (long i = 0; i < 2001; i++) {
            l.add(i % 50);
            m.put("k" + i, i % 3);
        }
        byte[] p = Pickles.dumps(l);
        assertEquals(2, count(p, 0x65)); // APPENDS: 1000 + 1000, then one APPEND
        assertEquals(0x61, p[p.length - 2] & 0xff);
        roundTrip(l);
        byte[] q = Pickles.dumps(m);
        assertEquals(0x73, q[q.length - 2] & 0xff); // the 2001st item is a SETITEM
        roundTrip(m);
    }

    private static int count(byte[] p, int op) {
        // only valid for pickles whose other bytes never equal op (small ints < 50 here)
        int n = 0;
        for (byte b : p) {
            if ((b & 0xff) == op) {
                n++;
            }
        }
        return n;
    }

    @Test
    void memoOpcodesAreReadAndExtensionsMatchZodb() {
        JsonNode basic = Fixtures.json("datafs/basic.json");
        int checked = 0;
        for (JsonNode t : basic.get("transactions")) {
            String hex = t.get("extension_hex").asText();
            if (hex.isEmpty()) {
                assertEquals(Map.of(), Pickles.loadExtension(new byte[0]));
                continue;
            }
            Map<String, Object> ext = Pickles.loadExtension(Fixtures.hex(hex));
            assertTrue(!ext.isEmpty());
            assertEquals(hex, Fixtures.hex(Pickles.dumpExtension(ext)), "ZODB's own pickle of " + ext);
            checked++;
        }
        assertTrue(checked >= 5);
        assertEquals(0, Pickles.dumpExtension(Map.of()).length);
        assertEquals("80037d710058010000006b710158010000007671027" + "32e",
                Fixtures.hex(Pickles.dumpExtension(Map.of("k", "v")))); // filestorage-format.md §7.5
        assertEquals(Map.of(), Pickles.loadExtension(new byte[] {1, 2, 3}));
        assertEquals(Map.of(), Pickles.loadExtension(Pickles.dumps(List.of(1L))));
    }

    @Test
    void otherProtocolsAndMemo() {
        // pickle.dumps(('a', l, l, {'k': b'xxx'}, 'a'), 4) with l = []: FRAME, SHORT_BINUNICODE,
        // MEMOIZE, BINGET of the shared list, SHORT_BINBYTES
        Object v = Pickles.loads(Fixtures.hex(
                "8004951b00000000000000288c0161945d9468017d948c016b9443037878789473680074942e"));
        assertEquals("('a', [], [], {'k': b'xxx'}, 'a')", Values.repr(v));
        // protocol 1 (BINPUT/BINGET, SETITEM)
        assertEquals("('a', [], [], {'k': 'v'})", Values.repr(Pickles.loads(Fixtures.hex(
                "2858010000006171005d710168017d710258010000006b7103580100000076710473747105" + "2e"))));
        // protocol 0 text opcodes
        byte[] text = "(lp0\nI1\naI01\naL12345678901234567890L\naF1.5\na.".getBytes();
        assertEquals("[1, True, 12345678901234567890, 1.5]", Values.repr(Pickles.loads(text)));
        // protocol 2 bytes go through _codecs.encode (GLOBAL + REDUCE): refused
        assertThrows(ProtocolException.class, () -> Pickles.loads(Fixtures.hex(
                "80022858010000006171005d710168017d710258010000006b7103635f636f646563730a656e636f64650a71045803"
                        + "000000787878710558060000006c6174696e3171068671075271087368007471092e")));
        // sets are not supported
        assertThrows(ProtocolException.class, () -> Pickles.loads(Fixtures.hex("80049507000000000000008f94284b01902e")));
        // Python 2 str (SHORT_BINSTRING) is bytes on the wire, text in stored extensions
        byte[] py2 = Fixtures.hex("8002550368692171006800862e");
        Tuple t = (Tuple) Pickles.loads(py2);
        assertInstanceOf(byte[].class, t.get(0));
        byte[] py2ext = Fixtures.hex("80027d71005504757365727101550361626371027" + "32e");
        assertEquals(Map.of("user", "abc"), Pickles.loadExtension(py2ext));
    }

    @Test
    void refusesClassesAndMalformedInput() {
        ProtocolException g = assertThrows(ProtocolException.class,
                () -> Pickles.loads("c__builtin__\neval\n(S'1'\ntR.".getBytes()));
        assertTrue(g.getMessage().contains("GLOBAL"), g.getMessage());
        assertTrue(assertThrows(ProtocolException.class, () -> Pickles.loads(Fixtures.hex("80044e4e522e")))
                .getMessage().contains("REDUCE"));
        assertTrue(assertThrows(ProtocolException.class,
                () -> Pickles.loads(Fixtures.hex("80048c086275696c74696e73948c046576616c9493"))).getMessage()
                .contains("STACK_GLOBAL"));
        assertThrows(ProtocolException.class, () -> Pickles.loads(Fixtures.hex("8003")));          // no STOP
        assertThrows(ProtocolException.class, () -> Pickles.loads(Fixtures.hex("80032e")));        // empty stack
        assertThrows(ProtocolException.class, () -> Pickles.loads(Fixtures.hex("800342ffffff7f2e"))); // length > data
        assertThrows(ProtocolException.class, () -> Pickles.loads(Fixtures.hex("8003ff2e")));      // unknown opcode
        assertThrows(ProtocolException.class, () -> Pickles.loads(Fixtures.hex("80036801")));      // memo miss
        assertThrows(ProtocolException.class, () -> Pickles.loads(Fixtures.hex("80035d71006800612e"))); // cycle
        assertThrows(ProtocolException.class, () -> Pickles.loads(Fixtures.hex("80035d5d732e"))); // SETITEM underflow
        assertThrows(ProtocolException.class, () -> Pickles.loads(Fixtures.hex("80037d5d4b01732e"))); // unhashable key
        assertThrows(ProtocolException.class, () -> Pickles.loads(Fixtures.hex("80038b000000012e"))); // LONG4 too long
        assertThrows(ProtocolException.class, () -> Pickles.loads(Fixtures.hex("8003580200000080ff2e"))); // bad UTF-8
        assertThrows(IllegalArgumentException.class, () -> Pickles.dumps(new Object()));
    }

    @Test
    void deepNestingAndMemoBombsAreRefused() {
        ByteArrayOutputStream deep = new ByteArrayOutputStream();
        deep.write(0x80);
        deep.write(3);
        for (int i = 0; i < 100_000; i++) {
            deep.write(0x5d); // EMPTY_LIST
        }
        for (int i = 0; i < 99_999; i++) {
            deep.write(0x61); // APPEND
        }
        deep.write(0x2e);
        assertTrue(assertThrows(ProtocolException.class, () -> Pickles.loads(deep.toByteArray())).getMessage()
                .contains("nested"));
        // L0 = []; Li = [L(i-1), L(i-1)] through the memo: 2^40 nodes from a few hundred bytes
        ByteArrayOutputStream bomb = new ByteArrayOutputStream();
        bomb.writeBytes(Fixtures.hex("80035d7100"));
        for (int i = 1; i <= 40; i++) {
            bomb.writeBytes(new byte[] {0x5d, 0x28, 0x68, (byte) (i - 1), 0x68, (byte) (i - 1), 0x65, 0x71, (byte) i, 0x30});
        }
        bomb.writeBytes(new byte[] {0x68, 40, 0x2e});
        ProtocolException e = assertThrows(ProtocolException.class, () -> Pickles.loads(bomb.toByteArray()));
        assertTrue(e.getMessage().contains("too many"), e.getMessage());
    }

    @Test
    void messageShapeErrors() {
        assertThrows(ProtocolException.class, () -> Z5.decode(Fixtures.hex("80034b014b02862e")));
        assertThrows(ProtocolException.class, () -> Z5.decode(Fixtures.hex("8003284b014b024b034b04742e")));
        assertThrows(ProtocolException.class, () -> Z5.decode(new byte[0]));
        // a list-shaped message and a bytes method name (Python 2) are accepted
        Message m = Z5.decode(Fixtures.hex("80035d284b0189430470696e6729652e"));
        assertEquals("ping", m.method());
        assertEquals(0, m.argCount());
    }
}
