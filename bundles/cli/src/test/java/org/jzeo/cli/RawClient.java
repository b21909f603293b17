package org.jzeo.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.jzeo.api.Tid;
import org.jzeo.protocol.FrameIO;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.Values;

/** A test client speaking raw ZEO 5 messages through {@link FrameIO}. */
final class RawClient implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(20);
    private final FrameIO io;
    private long nextId = 1;
    private long txn = 100;

    RawClient(int port) throws IOException {
        io = FrameIO.connect("127.0.0.1", port, TIMEOUT);
        io.clientHandshake(TIMEOUT);
    }

    Object call(String method, Object... args) throws IOException {
        long id = nextId++;
        io.send(Message.call(id, method, args));
        while (true) {
            Message m = io.receive(TIMEOUT);
            assertNotNull(m, "connection closed waiting for " + method);
            if (m.isReply() && !m.isHeartbeat() && m.msgidAsLong() == id) {
                assertFalse(m.isError(), () -> method + " failed: " + m);
                return m.args();
            }
        }
    }

    /** Commits one revision of {@code oid} based on {@code serial}; returns the new tid. */
    Tid store(byte[] oid, Tid serial, byte[] data) throws IOException {
        long t = txn++;
        io.send(Message.async("tpc_begin", t, "test", "store", Map.of()));
        io.send(Message.async("storea", oid, serial.toBytes(), data, t));
        call("vote", t);
        return Values.tid(call("tpc_finish", t));
    }

    @Override
    public void close() throws IOException {
        io.close();
    }

    /** A PersistentMapping record {@code {"data": {"pad": padding}}}: two pickles, no references. */
    static byte[] record(int padding) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x80, 3, 'c'});
        out.writeBytes("persistent.mapping\nPersistentMapping\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.writeBytes(new byte[] {'.', (byte) 0x80, 3, '}'});
        text(out, "data");
        out.write('}');
        text(out, "pad");
        text(out, "x".repeat(padding));
        out.writeBytes(new byte[] {'s', 's', '.'});
        return out.toByteArray();
    }

    private static void text(java.io.ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.write('X');
        for (int i = 0; i < 4; i++) {
            out.write(b.length >>> (8 * i));
        }
        out.writeBytes(b);
    }
}
