package org.jzeo.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jzeo.api.Tid;
import org.jzeo.protocol.FrameIO;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.MessageCodec;
import org.jzeo.protocol.Tuple;
import org.jzeo.protocol.Values;
import org.jzeo.storage.FileStorage;
import org.jzeo.storage.FileStorageConfig;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Compatibility proof against Python ZEO 5.4.1: the Python clients' side of the recorded sessions
 * ({@code fixtures/wire/m5-session.json}, {@code z5-session.json}) is sent, frame by frame and in
 * the recorded order, to a real jzeo server holding the same starting state (a new FileStorage),
 * and every reply and callback the server sends is compared with what the Python server sent.
 *
 * <p>What differs by nature is mapped, not ignored: recorded tids are mapped to the live ones as
 * they first appear (and must then stay consistent), undo ids (base64 of a tid) likewise, the pack
 * time is taken from the live clock, and the storage's file name in {@code get_info} and the
 * float times are compared by type only. Everything else, sizes included, must be equal.
 */
class WireReplayTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final HexFormat HEX = HexFormat.of();

    @TempDir
    Path dir;

    private final Map<String, byte[]> tidMap = new HashMap<>(); // recorded hex -> live bytes
    private final List<String> recordedTids = new ArrayList<>();
    private final List<String> mismatches = new ArrayList<>();

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"m5", "z5"})
    void pythonClientSessionGetsPythonServerAnswers(String flavour) throws Exception {
        JsonNode fixture = new ObjectMapper().readTree(new File(System.getProperty("jzeo.fixtures"),
                "wire/" + flavour + "-session.json"));
        fixture.get("tids").forEach(t -> recordedTids.add(t.asText()));
        MessageCodec codec = MessageCodec.forProtocol(fixture.get("format").asText());
        boolean msgpack = codec.protocol().equals(MessageCodec.M5);

        try (FileStorage storage = FileStorage.open(FileStorageConfig.of("1", dir.resolve("Data.fs")));
                StorageServer server = new StorageServer(ServerConfig.builder().address("127.0.0.1:0")
                        .msgpack(msgpack).build(), Map.of("1", storage)).start()) {
            Map<String, FrameIO> conns = new LinkedHashMap<>();
            for (JsonNode f : fixture.get("frames")) {
                String conn = f.get("conn").asText();
                String where = "seq " + f.get("seq").asInt() + " (" + conn + " " + f.get("dir").asText() + ")";
                boolean c2s = f.get("dir").asText().equals("c2s");
                if (f.path("handshake").asBoolean(false)) {
                    if (!c2s) {
                        FrameIO io = FrameIO.connect("127.0.0.1", server.port(), TIMEOUT);
                        conns.put(conn, io);
                        byte[] announced = io.readFrame(TIMEOUT);
                        assertEquals(f.get("decoded").asText(), new String(announced, StandardCharsets.US_ASCII), where);
                    } else {
                        conns.get(conn).writeFrame(f.get("decoded").asText().getBytes(StandardCharsets.US_ASCII));
                        conns.get(conn).useProtocol(codec.protocol());
                    }
                    continue;
                }
                Message recorded = codec.decode(HEX.parseHex(f.get("payload_hex").asText()));
                FrameIO io = conns.get(conn);
                if (c2s) {
                    Message live = new Message(toLive(recorded.msgid(), null), recorded.flag(), recorded.method(),
                            toLive(recorded.args(), recorded.method()));
                    io.writeFrame(codec.encode(live));
                } else {
                    byte[] payload;
                    try {
                        payload = io.readFrame(TIMEOUT);
                    } catch (java.net.SocketTimeoutException e) {
                        // Say which frame never came, and what differed before it (often the cause).
                        throw new AssertionError(where + ": no frame within " + TIMEOUT + ", expected " + recorded
                                + "; differences so far: " + mismatches, e);
                    }
                    assertTrue(payload != null, where + ": connection closed, expected " + recorded);
                    Message actual = codec.decode(payload);
                    if (System.getProperty("replay.debug") != null) {
                        System.out.println(where + " live: " + actual + "\n    recorded: " + recorded);
                    }
                    compare(where, recorded.toValue(), actual.toValue());
                }
            }
            for (FrameIO io : conns.values()) {
                io.close();
            }
        }
        assertEquals(List.of(), mismatches, "replies that differ from Python ZEO's");
    }

    /** Rewrites a recorded client value for the live server: tids, undo ids and the pack time. */
    private Object toLive(Object v, String method) {
        if (v instanceof byte[] b) {
            String hex = HEX.formatHex(b);
            if (b.length == 8 && tidMap.containsKey(hex)) {
                return tidMap.get(hex);
            }
            for (String t : recordedTids) {
                if (Arrays.equals(b, undoId(HEX.parseHex(t))) && tidMap.containsKey(t)) {
                    return undoId(tidMap.get(t));
                }
            }
            return b;
        }
        if (v instanceof Double && "pack".equals(method)) {
            // Just after everything committed so far, as in the recording. The clock alone is not
            // enough: in milliseconds it can read earlier than the last tid, taken microseconds
            // ago in the same millisecond (the pack then keeps that transaction's history).
            double latest = tidMap.values().stream().mapToDouble(t -> Tid.of(t).timeTime()).max().orElse(0);
            return Math.max(System.currentTimeMillis() / 1000.0, latest + 0.001);
        }
        if (v instanceof Tuple t) {
            List<Object> out = new ArrayList<>();
            for (Object o : t.items()) {
                out.add(toLive(o, method));
            }
            return new Tuple(out);
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object o : l) {
                out.add(toLive(o, method));
            }
            return out;
        }
        return v;
    }

    private static byte[] undoId(byte[] tid) {
        return Base64.getEncoder().encodeToString(tid).getBytes(StandardCharsets.US_ASCII);
    }

    private void compare(String path, Object expected, Object actual) {
        if (expected instanceof byte[] e) {
            if (!(actual instanceof byte[] a)) {
                mismatches.add(path + ": expected bytes, got " + Values.repr(actual));
                return;
            }
            String hex = HEX.formatHex(e);
            if (e.length == 8 && recordedTids.contains(hex)) {
                byte[] live = tidMap.computeIfAbsent(hex, k -> a);
                if (!Arrays.equals(live, a)) {
                    mismatches.add(path + ": tid " + hex + " maps to " + HEX.formatHex(live) + " but got " + HEX.formatHex(a));
                }
                return;
            }
            for (String t : recordedTids) {
                if (Arrays.equals(e, undoId(HEX.parseHex(t)))) {
                    byte[] liveTid = Base64.getDecoder().decode(a);
                    byte[] live = tidMap.computeIfAbsent(t, k -> liveTid);
                    if (!Arrays.equals(undoId(live), a)) {
                        mismatches.add(path + ": undo id of " + t + " differs: " + new String(a, StandardCharsets.US_ASCII));
                    }
                    return;
                }
            }
            if (!Arrays.equals(e, a)) {
                mismatches.add(path + ": expected " + Values.repr(e) + ", got " + Values.repr(a));
            }
        } else if (expected instanceof Double) {
            if (!(actual instanceof Double)) {
                mismatches.add(path + ": expected a float, got " + Values.repr(actual));
            }
        } else if (expected instanceof Tuple || expected instanceof List) {
            if (actual == null) {
                mismatches.add(path + ": expected " + Values.repr(expected) + ", got None");
                return;
            }
            if (expected.getClass() != actual.getClass() && !(expected instanceof List && actual instanceof List)) {
                mismatches.add(path + ": expected a " + Values.typeName(expected) + ", got " + Values.repr(actual));
                return;
            }
            List<Object> e = Values.sequence(expected);
            List<Object> a = Values.sequence(actual);
            if (e.size() != a.size()) {
                mismatches.add(path + ": expected " + e.size() + " items " + Values.repr(expected) + ", got " + Values.repr(actual));
                return;
            }
            for (int i = 0; i < e.size(); i++) {
                compare(path + "[" + i + "]", e.get(i), a.get(i));
            }
        } else if (expected instanceof Map<?, ?> e) {
            if (!(actual instanceof Map<?, ?> a)) {
                mismatches.add(path + ": expected a dict, got " + Values.repr(actual));
                return;
            }
            if (!new ArrayList<>(e.keySet()).equals(new ArrayList<>(a.keySet()))) {
                mismatches.add(path + ": keys " + e.keySet() + " expected, got " + a.keySet());
                return;
            }
            for (Map.Entry<?, ?> en : e.entrySet()) {
                if ("name".equals(en.getKey()) && e.containsKey("interfaces")) {
                    continue; // get_info's name is the storage's file path
                }
                compare(path + "." + en.getKey(), en.getValue(), a.get(en.getKey()));
            }
        } else if (!Values.deepEquals(expected, actual)) {
            mismatches.add(path + ": expected " + Values.repr(expected) + ", got " + Values.repr(actual));
        }
    }
}
