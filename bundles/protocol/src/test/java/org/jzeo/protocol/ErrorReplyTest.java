package org.jzeo.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jzeo.api.ConflictError;
import org.jzeo.api.Oid;
import org.jzeo.api.POSKeyError;
import org.jzeo.api.ReadOnlyError;
import org.jzeo.api.StorageTransactionError;
import org.jzeo.api.Tid;
import org.jzeo.api.UndoError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Error replies both ways, against the recorded Python frames. */
class ErrorReplyTest {

    private static JsonNode findErrorFrame(String fmt, String className) {
        JsonNode session = Fixtures.json("wire/" + fmt.toLowerCase() + "-session.json");
        for (JsonNode f : session.get("frames")) {
            JsonNode d = f.get("decoded");
            if (d.isArray() && d.get(2).asText().equals(".reply") && d.get(1).asInt() == 2
                    && d.get(3).get(0).asText().equals(className)) {
                return f;
            }
        }
        throw new AssertionError("no " + className + " frame in " + fmt);
    }

    @ParameterizedTest
    @ValueSource(strings = {"M5", "Z5"})
    void conflictErrorBothWays(String fmt) {
        JsonNode f = findErrorFrame(fmt, "ZODB.POSException.ConflictError");
        MessageCodec codec = MessageCodec.forProtocol(fmt);
        byte[] payload = Fixtures.hex(f.get("payload_hex").textValue());
        Message m = codec.decode(payload);
        assertTrue(m.isError());
        assertEquals(2, m.replyFlag());
        RuntimeException e = m.toException();
        ConflictError c = assertInstanceOf(ConflictError.class, e);
        assertEquals(ConflictError.class, c.getClass());
        JsonNode dict = f.get("decoded").get(3).get(1).get("$dict");
        assertEquals(Oid.of(Fixtures.hex(dict.get(1).get(1).get("$bytes").asText())), c.oid());
        assertEquals(Tid.of(Fixtures.hex(dict.get(3).get(1).get(0).get("$bytes").asText())), c.currentSerial());
        assertEquals(Tid.of(Fixtures.hex(dict.get(3).get(1).get(1).get("$bytes").asText())), c.oldSerial());
        assertEquals("persistent.mapping.PersistentMapping", c.className());
        // and back: the Java exception gives exactly the recorded bytes
        byte[] again = codec.encode(Message.errorReply(m.msgid(), c));
        assertEquals(Fixtures.hex(payload), Fixtures.hex(again));
    }

    @ParameterizedTest
    @ValueSource(strings = {"M5", "Z5"})
    void posKeyErrorBothWays(String fmt) {
        JsonNode f = findErrorFrame(fmt, "ZODB.POSException.POSKeyError");
        MessageCodec codec = MessageCodec.forProtocol(fmt);
        byte[] payload = Fixtures.hex(f.get("payload_hex").textValue());
        Message m = codec.decode(payload);
        assertInstanceOf(Tuple.class, m.msgid(), "loadBefore's msgid is (oid, tid)");
        POSKeyError p = assertInstanceOf(POSKeyError.class, m.toException());
        assertEquals(Oid.of(0x7777), p.oid());
        assertEquals(Fixtures.hex(payload), Fixtures.hex(codec.encode(Message.errorReply(m.msgid(), p))));
        // a fresh POSKeyError too
        assertEquals(Fixtures.hex(payload),
                Fixtures.hex(codec.encode(Message.errorReply(m.msgid(), new POSKeyError(Oid.of(0x7777))))));
    }

    /** Every error reply recorded in protocol-errors.json maps to a Java exception and back to the same bytes. */
    static Stream<Arguments> recordedErrors() {
        List<Arguments> out = new ArrayList<>();
        for (JsonNode r : Fixtures.json("protocol-errors.json").get("results")) {
            for (JsonNode e : r.get("events")) {
                JsonNode d = e.get("decoded");
                if (e.has("recv_hex") && d != null && d.isArray() && d.size() == 4 && d.get(1).asInt() == 2
                        && d.get(2).asText().equals(".reply")) {
                    out.add(Arguments.of(r.get("format").asText(), r.get("case").asText(), e.get("recv_hex").asText()));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("recordedErrors")
    void recordedErrorReplies(String fmt, String name, String hex) {
        MessageCodec codec = MessageCodec.forProtocol(fmt);
        Message m = codec.decode(Fixtures.hex(hex));
        RuntimeException e = m.toException();
        String cls = (String) ((Tuple) m.args()).get(0);
        switch (cls) {
            case "ZODB.POSException.ReadOnlyError" -> assertInstanceOf(ReadOnlyError.class, e);
            case "ZODB.POSException.StorageTransactionError" -> {
                assertInstanceOf(StorageTransactionError.class, e);
                assertEquals("(None, 424242)", e.getMessage());
            }
            default -> {
                ServerException s = assertInstanceOf(ServerException.class, e);
                assertEquals(cls, s.className());
                assertEquals(cls, s.pythonClassName());
            }
        }
        if (!(e instanceof StorageTransactionError)) {
            assertEquals(hex, Fixtures.hex(codec.encode(Message.errorReply(m.msgid(), e))));
        }
    }

    @Test
    void readOnlyErrorHasEmptyArgs() {
        Message m = Message.errorReply(3L, new ReadOnlyError());
        assertEquals(Tuple.of("ZODB.POSException.ReadOnlyError", Tuple.EMPTY).toString(), m.args().toString());
        assertInstanceOf(ReadOnlyError.class, m.toException());
    }

    @Test
    void undoErrorUsesAttributeDict() {
        Message m = Message.errorReply(4L, new UndoError("non-undoable transaction", Oid.of(5)));
        Tuple args = (Tuple) m.args();
        assertEquals("ZODB.POSException.UndoError", args.get(0));
        Map<?, ?> d = (Map<?, ?>) args.get(1);
        assertEquals(List.of("_reason", "_oid"), new ArrayList<>(d.keySet()));
        assertEquals("non-undoable transaction", d.get("_reason"));
        UndoError back = assertInstanceOf(UndoError.class, m.toException());
        assertEquals(Oid.of(5), back.oid());
        assertEquals(new UndoError("non-undoable transaction", Oid.of(5)).getMessage(), back.getMessage());
    }

    @Test
    void storageTransactionErrorAndGenericJavaErrors() {
        Message m = Message.errorReply(1L, new StorageTransactionError("Already voting (locked)"));
        assertEquals("(1, 2, '.reply', ('ZODB.POSException.StorageTransactionError', ('Already voting (locked)',)))",
                Values.repr(m.toValue()));
        assertEquals("Already voting (locked)", m.toException().getMessage());
        Message v = Message.errorReply(1L, new IllegalArgumentException("unknown storage: nope"));
        assertEquals("('builtins.ValueError', ('unknown storage: nope',))", Values.repr(v.args()));
        ServerException s = assertInstanceOf(ServerException.class, v.toException());
        assertEquals("builtins.ValueError", s.className());
        assertEquals("builtins.RuntimeError", ((Tuple) Message.errorReply(1L, new IllegalStateException()).args()).get(0));
    }

    @Test
    void readConflictErrorKeepsItsClass() {
        Map<Object, Object> d = new java.util.LinkedHashMap<>();
        d.put("message", "database read conflict error");
        d.put("oid", Oid.of(1).toBytes());
        d.put("class_name", null);
        d.put("serials", Tuple.of(Tid.of(9).toBytes(), Tid.of(8).toBytes()));
        Message m = Message.errorReply(7L, "ZODB.POSException.ReadConflictError", d);
        RemoteConflictError r = assertInstanceOf(RemoteConflictError.class, m.toException());
        assertEquals("ZODB.POSException.ReadConflictError", r.pythonClassName());
        assertEquals(Tid.of(9), r.currentSerial());
        assertEquals(Tid.of(8), r.oldSerial());
        assertNull(r.className());
        for (String fmt : List.of("M5", "Z5")) {
            MessageCodec c = MessageCodec.forProtocol(fmt);
            assertArrayEquals(c.encode(m), c.encode(Message.errorReply(7L, r)));
        }
    }

    @Test
    void conflictWithoutSerials() {
        ConflictError c = new ConflictError(Oid.of(2), null, null, null);
        Map<?, ?> d = (Map<?, ?>) ((Tuple) Message.errorReply(1L, c).args()).get(1);
        assertEquals("database conflict error", d.get("message"));
        assertNull(d.get("serials"));
        assertTrue(d.containsKey("serials"));
    }

    @Test
    void malformedErrorRepliesBecomeServerExceptions() {
        assertInstanceOf(ServerException.class, new Message(1L, 2L, ".reply", "weird").toException());
        assertInstanceOf(ServerException.class,
                Message.errorReply(1L, "ZODB.POSException.POSKeyError", Tuple.of("not an oid")).toException());
        assertInstanceOf(ServerException.class,
                Message.errorReply(1L, "ZODB.POSException.ConflictError", Tuple.of("args")).toException());
        assertThrows(IllegalStateException.class, () -> Message.reply(1L, null).toException());
        assertNotNull(Message.errorReply(1L, new ServerException("x.Y", null)).args());
    }
}
