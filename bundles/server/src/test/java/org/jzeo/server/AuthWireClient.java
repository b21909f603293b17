package org.jzeo.server;

import java.io.IOException;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import org.jzeo.auth.AuthWire;
import org.jzeo.auth.ClientExchange;
import org.jzeo.auth.Credentials;
import org.jzeo.auth.DigestAuthentication;
import org.jzeo.auth.SessionMac;
import org.jzeo.protocol.FrameIO;
import org.jzeo.protocol.Message;

/**
 * A blocking test client that speaks jzeo authentication by hand (FrameIO + {@link SessionMac}),
 * so tests can also send what a correct client never would: tampered, replayed or MAC-less frames.
 */
final class AuthWireClient implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    final FrameIO io;
    private SessionMac sendMac;
    private SessionMac receiveMac;
    private long nextId = 1;
    byte[] lastFrame;

    AuthWireClient(int port) throws IOException {
        this(FrameIO.connect("127.0.0.1", port, TIMEOUT));
    }

    AuthWireClient(Socket socket) throws IOException {
        this(new FrameIO(socket));
    }

    private AuthWireClient(FrameIO io) throws IOException {
        this.io = io;
        io.clientHandshake(TIMEOUT);
    }

    /** Runs the digest exchange; on True switches the MAC on. Returns the reply to jzeo_auth_response. */
    Object authenticate(Credentials credentials) throws IOException {
        ClientExchange exchange = DigestAuthentication.INSTANCE.client(credentials);
        Message challenge = callRaw(AuthWire.START, DigestAuthentication.NAME);
        if (challenge == null || challenge.isError()) {
            throw new IOException("no challenge: " + challenge);
        }
        Message answer = callRaw(AuthWire.RESPONSE, exchange.respond(challenge.args()));
        if (answer == null) {
            return null;
        }
        if (Boolean.TRUE.equals(answer.args())) {
            sendMac = new SessionMac(exchange.sessionKey());
            receiveMac = new SessionMac(exchange.sessionKey());
        }
        return answer.args();
    }

    /** The frame payload for {@code m}: with a MAC once authenticated. */
    byte[] frame(Message m) {
        byte[] payload = io.codec().encode(m);
        if (sendMac == null) {
            return payload;
        }
        byte[] mac = sendMac.next(payload);
        byte[] out = Arrays.copyOf(mac, mac.length + payload.length);
        System.arraycopy(payload, 0, out, mac.length, payload.length);
        return out;
    }

    void send(Message m) throws IOException {
        lastFrame = frame(m);
        io.writeFrame(lastFrame);
    }

    /** The next message, MAC checked; null when the server closed the connection. */
    Message receive() throws IOException {
        byte[] p = io.readFrame(TIMEOUT);
        if (p == null) {
            return null;
        }
        if (receiveMac != null) {
            byte[] mac = Arrays.copyOf(p, SessionMac.LENGTH);
            p = Arrays.copyOfRange(p, SessionMac.LENGTH, p.length);
            if (!MessageDigest.isEqual(mac, receiveMac.next(p))) {
                throw new IOException("server MAC failed");
            }
        }
        return io.codec().decode(p);
    }

    /** A sync call; the reply, or null if the server closed the connection instead. */
    Message callRaw(String method, Object... args) throws IOException {
        long id = nextId++;
        send(Message.call(id, method, args));
        while (true) {
            Message m = receive();
            if (m == null || m.isReply() && Objects.equals(m.msgid(), id)) {
                return m;
            }
        }
    }

    Object call(String method, Object... args) throws IOException {
        Message m = callRaw(method, args);
        if (m == null) {
            throw new IOException("connection closed by the server during " + method);
        }
        if (m.isError()) {
            throw m.toException();
        }
        return m.args();
    }

    void async(String method, Object... args) throws IOException {
        send(Message.async(method, args));
    }

    boolean closedByServer() throws IOException {
        return io.awaitClosed(TIMEOUT);
    }

    @Override
    public void close() throws IOException {
        io.close();
    }
}
