package org.jzeo.cli;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Timer;
import java.util.TimerTask;
import org.jzeo.protocol.FrameDecoder;
import org.jzeo.protocol.FrameIO;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.MessageCodec;
import org.jzeo.protocol.ProtocolException;
import org.jzeo.server.ServerAddress;

/**
 * A minimal blocking ZEO 5 client for the tools: raw protocol messages over TCP or a Unix socket,
 * one call at a time. Server-initiated one-way messages ({@code info}, {@code invalidateTransaction})
 * and heartbeats met while waiting for a reply are skipped.
 *
 * <p>Every blocking step is bounded by the timeout: a watchdog closes the connection when a
 * connect, read or write has not finished in time (Unix-socket streams have no read timeout of
 * their own).
 */
final class WireClient implements Closeable {
    /** An error reply from the server. */
    static final class RemoteError extends IOException {
        private static final long serialVersionUID = 1L;
        final String className;

        RemoteError(String className, String message) {
            super(className + ": " + message);
            this.className = className;
        }
    }

    private final Closeable connection;
    private final DataInputStream in;
    private final OutputStream out;
    private Duration timeout;
    private final Timer watchdog = new Timer("zeo-tool-watchdog", true);
    private MessageCodec codec;
    private long nextId = 1;
    private volatile boolean timedOut;

    private WireClient(Closeable connection, InputStream in, OutputStream out, Duration timeout) {
        this.connection = connection;
        this.in = new DataInputStream(new BufferedInputStream(in));
        this.out = new BufferedOutputStream(out);
        this.timeout = timeout;
    }

    /**
     * Connects and does the handshake (echoing the server's protocol).
     *
     * @throws IOException if the server cannot be reached or does not speak ZEO 5 in time
     */
    static WireClient connect(ServerAddress address, Duration timeout) throws IOException {
        WireClient c;
        if (address.isUnix()) {
            SocketChannel ch = SocketChannel.open(java.net.StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(address.unixPath()));
            } catch (IOException e) {
                ch.close();
                throw e;
            }
            c = new WireClient(ch, Channels.newInputStream(ch), Channels.newOutputStream(ch), timeout);
        } else {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(address.host(), address.port()), (int) Math.max(1, timeout.toMillis()));
                s.setTcpNoDelay(true);
            } catch (IOException e) {
                s.close();
                throw e;
            }
            c = new WireClient(s, s.getInputStream(), s.getOutputStream(), timeout);
        }
        try {
            c.handshake();
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private void handshake() throws IOException {
        byte[] p = guarded(() -> FrameIO.readFrame(in, 64));
        if (p == null) {
            throw new EOFException("the server closed the connection before the handshake");
        }
        String protocol = new String(p, StandardCharsets.ISO_8859_1);
        if (!protocol.equals(MessageCodec.M5) && !protocol.equals(MessageCodec.Z5)) {
            throw new ProtocolException("not a ZEO 5 server: it announced protocol '" + protocol + "'");
        }
        writeFrame(p);
        codec = MessageCodec.forProtocol(protocol);
    }

    /** The negotiated protocol, {@code M5} or {@code Z5}. */
    String protocol() {
        return codec.protocol();
    }

    /**
     * A synchronous call: sends it and waits for its reply.
     *
     * @return the reply value
     * @throws RemoteError  on an error reply
     * @throws IOException  on a closed connection or a timeout
     */
    Object call(String method, Object... args) throws IOException {
        long id = nextId++;
        writeFrame(codec.encode(Message.call(id, method, args)));
        while (true) {
            byte[] frame = guarded(() -> FrameIO.readFrame(in, FrameDecoder.DEFAULT_MAX_FRAME_SIZE));
            if (frame == null) {
                throw new EOFException("the server closed the connection while waiting for " + method);
            }
            Message m = codec.decode(frame);
            if (m.isHeartbeat() || !m.isReply()) {
                continue;
            }
            if (m.msgidAsLong() != id) {
                continue;
            }
            if (m.isError()) {
                Object details = m.args();
                String cls = "error";
                String msg = String.valueOf(details);
                if (details instanceof org.jzeo.protocol.Tuple t && t.size() == 2) {
                    cls = String.valueOf(t.get(0));
                    msg = describe(t.get(1));
                } else if (details instanceof java.util.List<?> l && l.size() == 2) {
                    cls = String.valueOf(l.get(0));
                    msg = describe(l.get(1));
                }
                throw new RemoteError(cls, msg);
            }
            return m.args();
        }
    }

    private static String describe(Object details) {
        if (details instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        if (details instanceof String text) {
            return text;
        }
        if (details instanceof org.jzeo.protocol.Tuple t && t.size() == 1) {
            return describe(t.get(0));
        }
        if (details instanceof java.util.List<?> l && l.size() == 1) {
            return describe(l.get(0));
        }
        return org.jzeo.protocol.Values.repr(details);
    }

    /** {@link #call} waiting up to {@code waitAtMost} for the reply instead of the connection's timeout. */
    Object callWithTimeout(Duration waitAtMost, String method, Object... args) throws IOException {
        Duration saved = timeout;
        timeout = waitAtMost;
        try {
            return call(method, args);
        } finally {
            timeout = saved;
        }
    }

    /** A one-way call. */
    void async(String method, Object... args) throws IOException {
        writeFrame(codec.encode(Message.async(method, args)));
    }

    private void writeFrame(byte[] payload) throws IOException {
        guarded(() -> {
            FrameIO.writeFrame(out, payload);
            out.flush();
            return null;
        });
    }

    private interface IoStep<T> {
        T run() throws IOException;
    }

    private <T> T guarded(IoStep<T> step) throws IOException {
        TimerTask task = new TimerTask() {
            @Override
            public void run() {
                timedOut = true;
                try {
                    connection.close();
                } catch (IOException ignored) {
                    // closing is all we can do
                }
            }
        };
        watchdog.schedule(task, Math.max(1, timeout.toMillis()));
        try {
            return step.run();
        } catch (IOException e) {
            if (timedOut) {
                throw new SocketTimeoutException("no answer from the server within " + timeout.toMillis() + " ms");
            }
            throw e;
        } finally {
            task.cancel();
        }
    }

    @Override
    public void close() {
        watchdog.cancel();
        try {
            connection.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
