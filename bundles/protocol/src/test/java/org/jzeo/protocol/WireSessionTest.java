package org.jzeo.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every recorded frame of both sessions decodes to the fixture's value and re-encodes byte for byte. */
class WireSessionTest {

    static Stream<Arguments> frames() {
        List<Arguments> out = new ArrayList<>();
        for (String fmt : List.of("M5", "Z5")) {
            JsonNode session = Fixtures.json("wire/" + fmt.toLowerCase() + "-session.json");
            for (JsonNode f : session.get("frames")) {
                out.add(Arguments.of(fmt, f.get("seq").asInt() + " " + f.get("conn").asText() + " "
                        + f.get("dir").asText(), f));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} seq {1}")
    @MethodSource("frames")
    void frameDecodesAndReencodesExactly(String fmt, String label, JsonNode frame) {
        byte[] payload = Fixtures.hex(frame.get("payload_hex").textValue());
        assertEquals(frame.get("len").asInt(), payload.length);
        if (frame.path("handshake").asBoolean()) {
            assertEquals(fmt, new String(payload, java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals("00000002" + Fixtures.hex(payload), frame.get("frame_hex").textValue());
            assertEquals(fmt, frame.get("decoded").textValue());
            return;
        }
        MessageCodec codec = MessageCodec.forProtocol(fmt);
        Message m = codec.decode(payload);
        Object expected = Fixtures.toValue(frame.get("decoded"));
        Object actual = Fixtures.listsAsTuples(m.toValue());
        assertTrue(Values.deepEquals(expected, actual), () -> "decoded " + Values.repr(actual) + "\nexpected "
                + Values.repr(expected));
        assertEquals(Fixtures.hex(payload), Fixtures.hex(codec.encode(m)), "re-encoding differs");
        if (frame.has("msgpack_typed")) {
            checkTyped(frame.get("msgpack_typed"), m.toValue());
        }
        // the reply/call shape rules of fixtures README §4
        if (m.isReply()) {
            assertInstanceOf(Long.class, m.flag(), "reply flags are ints");
            assertTrue(m.replyFlag() == 0 || m.replyFlag() == 2);
        } else {
            assertInstanceOf(Boolean.class, m.flag(), "call flags are bools");
            assertTrue(Values.isSequence(m.args()));
        }
        if (m.method().equals("loadBefore")) {
            assertInstanceOf(Tuple.class, m.msgid(), "loadBefore uses (oid, tid) as msgid");
        }
    }

    /** Checks that every node's msgpack type corresponds to the Java type of the decoded value. */
    private static void checkTyped(JsonNode typed, Object v) {
        String t = typed.get("t").textValue();
        switch (t) {
            case "nil" -> assertNull(v);
            case "bool" -> assertInstanceOf(Boolean.class, v);
            case "posfixint", "negfixint", "uint8", "uint16", "uint32", "int8", "int16", "int32", "int64" ->
                    assertInstanceOf(Long.class, v);
            case "uint64" -> assertTrue(v instanceof Long || v instanceof BigInteger);
            case "float64" -> {
                assertInstanceOf(Double.class, v);
                assertEquals(Double.valueOf(typed.get("v").textValue()), v);
            }
            case "fixstr", "str8", "str16", "str32" -> {
                assertInstanceOf(String.class, v);
                assertEquals(typed.get("v").textValue(), v);
            }
            case "bin8", "bin16", "bin32" -> {
                assertInstanceOf(byte[].class, v);
                assertEquals(typed.get("hex").textValue(), Fixtures.hex((byte[]) v));
            }
            case "fixarray", "array16", "array32" -> {
                Tuple tu = assertInstanceOf(Tuple.class, v);
                JsonNode items = typed.get("v");
                assertEquals(items.size(), tu.size());
                for (int i = 0; i < tu.size(); i++) {
                    checkTyped(items.get(i), tu.get(i));
                }
            }
            case "fixmap", "map16", "map32" -> {
                Map<?, ?> m = assertInstanceOf(Map.class, v);
                JsonNode pairs = typed.get("v");
                assertEquals(pairs.size(), m.size());
                int i = 0;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    checkTyped(pairs.get(i).get(0), e.getKey());
                    checkTyped(pairs.get(i).get(1), e.getValue());
                    i++;
                }
            }
            default -> fail("unexpected msgpack type " + t);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"M5", "Z5"})
    void handshakeFramesAreRecorded(String fmt) {
        JsonNode session = Fixtures.json("wire/" + fmt.toLowerCase() + "-session.json");
        int handshakes = 0;
        for (JsonNode f : session.get("frames")) {
            if (f.path("handshake").asBoolean()) {
                handshakes++;
                assertEquals("00000002" + Fixtures.hex(fmt.getBytes()), f.get("frame_hex").textValue());
            }
        }
        assertEquals(4, handshakes); // two connections, both directions
    }

    /** Z5 keeps tuples and lists apart: new_oids/vote/history replies are lists, loadBefore's a tuple. */
    @ParameterizedTest
    @ValueSource(strings = {"Z5"})
    void pickleListsAndTuples(String fmt) {
        JsonNode session = Fixtures.json("wire/z5-session.json");
        MessageCodec codec = MessageCodec.forProtocol(fmt);
        Map<Object, String> methodByCall = new java.util.HashMap<>();
        int lists = 0;
        for (JsonNode f : session.get("frames")) {
            if (f.path("handshake").asBoolean()) {
                continue;
            }
            Message m = codec.decode(Fixtures.hex(f.get("payload_hex").textValue()));
            String key = f.get("conn").asText() + Values.repr(m.msgid());
            if (!m.isReply()) {
                methodByCall.put(key, m.method());
                if (m.method().equals("invalidateTransaction")) {
                    assertInstanceOf(List.class, m.arg(1));
                }
                continue;
            }
            String method = methodByCall.get(key);
            if (m.isError() || m.args() == null || method == null) {
                continue;
            }
            switch (method) {
                case "new_oids", "vote", "history", "undoLog", "undoInfo" -> {
                    assertInstanceOf(List.class, m.args(), method);
                    lists++;
                }
                case "loadBefore", "iterator_next", "iterator_record_next" ->
                        assertInstanceOf(Tuple.class, m.args(), method);
                default -> {
                }
            }
        }
        assertTrue(lists >= 5, "lists seen: " + lists);
    }
}
