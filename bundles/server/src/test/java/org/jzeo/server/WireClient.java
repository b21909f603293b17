package org.jzeo.server;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jzeo.protocol.FrameIO;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.Tuple;

/**
 * A minimal blocking ZEO 5 client for tests: speaks the protocol through {@link FrameIO}, keeps
 * the one-way callbacks (invalidations, info) it receives while waiting for replies.
 */
final class WireClient implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    final FrameIO io;
    final String protocol;
    final List<Message> callbacks = new ArrayList<>();
    private long nextId = 1;

    WireClient(int port) throws IOException {
        io = FrameIO.connect("127.0.0.1", port, TIMEOUT);
        protocol = io.clientHandshake(TIMEOUT);
    }

    /** A sync call; returns the reply message (normal or error). */
    Message callRaw(String method, Object... args) throws IOException {
        long id = nextId++;
        io.send(Message.call(id, method, args));
        return awaitReply(id);
    }

    Message awaitReply(Object id) throws IOException {
        while (true) {
            Message m = io.receive(TIMEOUT);
            if (m.isReply() && Objects.equals(m.msgid(), id)) {
                return m;
            }
            if (m.isReply()) {
                throw new AssertionError("reply to an unexpected msgid: " + m);
            }
            callbacks.add(m);
        }
    }

    /** A sync call that must succeed; returns its result. */
    Object call(String method, Object... args) throws IOException {
        Message m = callRaw(method, args);
        if (m.isError()) {
            throw m.toException();
        }
        return m.args();
    }

    void async(String method, Object... args) throws IOException {
        io.send(Message.async(method, args));
    }

    /** Waits for a callback with this method name (already received or arriving within the timeout). */
    Message awaitCallback(String method) throws IOException {
        for (int i = 0; i < callbacks.size(); i++) {
            if (callbacks.get(i).method().equals(method)) {
                return callbacks.remove(i);
            }
        }
        while (true) {
            Message m = io.receive(TIMEOUT);
            if (m.method().equals(method)) {
                return m;
            }
            callbacks.add(m);
        }
    }

    /** Whether the server closed the connection (EOF) within the timeout. */
    boolean closedByServer(Duration within) throws IOException {
        return io.awaitClosed(within);
    }

    /** Polls for a callback for a short time; null if none arrived. */
    Message pollCallback(Duration wait) throws IOException {
        if (!callbacks.isEmpty()) {
            return callbacks.remove(0);
        }
        try {
            return io.receive(wait);
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    static Tuple args(Object... a) {
        return Tuple.of(a);
    }

    @Override
    public void close() throws IOException {
        io.close();
    }
}
