package org.jzeo.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;
import org.junit.jupiter.api.Test;

class MsgpackTest {
    private static final MessageCodec M5 = MessageCodec.forProtocol("M5");

    private static String hex(Object v) {
        return Fixtures.hex(M5.encodeValue(v));
    }

    @Test
    void smallestEncodings() {
        assertEquals("00", hex(0L));
        assertEquals("7f", hex(127L));
        assertEquals("cc80", hex(128L));
        assertEquals("cd0100", hex(256L));
        assertEquals("ce00010000", hex(65536L));
        assertEquals("cf0000000100000000", hex(1L << 32));
        assertEquals("ff", hex(-1L));
        assertEquals("e0", hex(-32L));
        assertEquals("d0df", hex(-33L));
        assertEquals("d1ff7f", hex(-129L));
        assertEquals("d2ffff7fff", hex(-32769L));
        assertEquals("d3ffffffff7fffffff", hex(-(1L << 31) - 1));
        assertEquals("cfffffffffffffffff", hex(BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE)));
        assertThrows(IllegalArgumentException.class, () -> M5.encodeValue(BigInteger.ONE.shiftLeft(64)));
        assertEquals("cb3ff8000000000000", hex(1.5));
        assertEquals("a0", hex(""));
        assertEquals("d920" + "61".repeat(32), hex("a".repeat(32)));
        assertEquals("da0100", hex("a".repeat(256)).substring(0, 6));
        assertEquals("c400", hex(new byte[0]));
        assertEquals("c50100", hex(new byte[256]).substring(0, 6));
        assertEquals("c4080000000000000005", hex(Oid.of(5)));
        assertEquals("c40803f58e0000000000", hex(Tid.fromHex("03f58e0000000000")));
        assertEquals("c0c2c3", hex(null) + hex(false) + hex(true));
        assertEquals("9291c090", hex(Tuple.of(Tuple.of((Object) null), List.of())));
        assertEquals("80", hex(Map.of()));
        assertEquals("de0010", hex(bigMap(16)).substring(0, 6));
        assertEquals("dc0010", hex(new ArrayList<>(java.util.Collections.nCopies(16, 1L))).substring(0, 6));
    }

    private static Map<Object, Object> bigMap(int n) {
        Map<Object, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            m.put("k" + i, (long) i);
        }
        return m;
    }

    @Test
    void decodeTypes() {
        assertEquals(Long.MIN_VALUE, M5.decodeValue(Fixtures.hex("d38000000000000000")));
        assertEquals(Long.MAX_VALUE, M5.decodeValue(Fixtures.hex("cf7fffffffffffffff")));
        assertEquals(BigInteger.ONE.shiftLeft(63), M5.decodeValue(Fixtures.hex("cf8000000000000000")));
        assertEquals(1.5, M5.decodeValue(Fixtures.hex("ca3fc00000"))); // float32 read as a double
        Tuple t = assertInstanceOf(Tuple.class, M5.decodeValue(Fixtures.hex("92a161c40162")));
        assertEquals("a", t.get(0));
        assertInstanceOf(byte[].class, t.get(1));
        Map<?, ?> m = assertInstanceOf(Map.class, M5.decodeValue(Fixtures.hex("82a17a01a16102")));
        assertEquals(List.of("z", "a"), new ArrayList<>(m.keySet()));
        Object nested = M5.decodeValue(M5.encodeValue(List.of(bigMap(20), Tuple.of("x", List.of(1.25)))));
        assertEquals("(" + Values.repr(bigMap(20)) + ", ('x', (1.25,)))", Values.repr(nested));
    }

    @Test
    void binariesLargerThanTheCollectionLimitDecode() {
        // an object of 20 MiB is a legal ZODB record: only the frame size bounds a bin
        byte[] big = new byte[20 * 1024 * 1024];
        big[big.length - 1] = 7;
        Message m = Message.call(1L, "storea", big);
        Message back = M5.decode(M5.encode(m));
        assertTrue(java.util.Arrays.equals(big, (byte[]) back.arg(0)));
    }

    @Test
    void badInputIsRefused() {
        assertThrows(ProtocolException.class, () -> M5.decodeValue(new byte[0]));
        assertThrows(ProtocolException.class, () -> M5.decodeValue(Fixtures.hex("c1")));        // never used
        assertThrows(ProtocolException.class, () -> M5.decodeValue(Fixtures.hex("0001")));      // extra data
        assertThrows(ProtocolException.class, () -> M5.decodeValue(Fixtures.hex("dd7fffffff00"))); // huge array
        assertThrows(ProtocolException.class, () -> M5.decodeValue(Fixtures.hex("df7fffffff00"))); // huge map
        assertThrows(ProtocolException.class, () -> M5.decodeValue(Fixtures.hex("c6ffffffff00"))); // huge bin
        assertThrows(ProtocolException.class, () -> M5.decodeValue(Fixtures.hex("a2c328")));      // bad UTF-8
        assertThrows(ProtocolException.class, () -> M5.decodeValue(Fixtures.hex("d40100")));     // ext
        assertThrows(ProtocolException.class, () -> M5.decodeValue(Fixtures.hex("92a161")));     // truncated
        assertThrows(ProtocolException.class, () -> M5.decodeValue(Fixtures.hex("8180c0")));     // map key
        byte[] deep = new byte[10_000];
        java.util.Arrays.fill(deep, (byte) 0x91);
        deep[deep.length - 1] = (byte) 0xc0;
        assertTrue(assertThrows(ProtocolException.class, () -> M5.decodeValue(deep)).getMessage().contains("nested"));
        assertThrows(ProtocolException.class, () -> M5.decode(Fixtures.hex("920102")));  // not a 4-tuple
        assertThrows(ProtocolException.class, () -> M5.decode(Fixtures.hex("9401c20590"))); // name not text
        assertThrows(IllegalArgumentException.class, () -> M5.encodeValue("lone \uD800"));
        assertThrows(IllegalArgumentException.class, () -> MessageCodec.forProtocol("Z4"));
    }

    @Test
    void messageHelpers() {
        Message call = Message.call(1, "register", "1", 0L);
        assertEquals("9401c2a8726567697374657292a13100", Fixtures.hex(M5.encode(call)));
        Message async = Message.async("invalidateTransaction", Tid.fromHex("03f58e0000000000"), List.of(Oid.ROOT));
        assertEquals("9400c3b5696e76616c69646174655472616e73616374696f6e92c40803f58e000000000091c4080000000000000000",
                Fixtures.hex(M5.encode(async)));
        Message back = M5.decode(M5.encode(async));
        assertTrue(back.isAsync());
        assertEquals(2, back.argCount());
        Message reply = Message.reply(Tuple.of(Oid.ROOT.toBytes(), Tid.MAX.toBytes()), null);
        Message r2 = M5.decode(M5.encode(reply));
        assertTrue(r2.isReply() && !r2.isError() && r2.replyFlag() == 0);
        assertTrue(Values.deepEquals(reply.msgid(), r2.msgid()));
        assertTrue(M5.decode(Fixtures.hex("94ffc3a470696e6790")).isHeartbeat());
        assertEquals(7L, Message.call(7, "ping").msgidAsLong());
        assertThrows(IllegalArgumentException.class, () -> new Message(1L, false, null, null));
    }
}
