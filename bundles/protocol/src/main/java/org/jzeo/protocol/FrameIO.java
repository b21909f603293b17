package org.jzeo.protocol;

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
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Blocking ZEO framing over a plain socket, for tests, fake servers and probes: write and read
 * frames, do the client handshake, send and receive {@link Message}s.
 *
 * <p>Not thread-safe. A read that times out in the middle of a frame leaves the stream in an
 * unknown position; treat the connection as broken then.
 */
public final class FrameIO implements Closeable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final int maxFrameSize;
    private MessageCodec codec;

    /** Wraps a connected socket (TCP_NODELAY is set), accepting frames up to 256 MiB. */
    public FrameIO(Socket socket) throws IOException {
        this(socket, FrameDecoder.DEFAULT_MAX_FRAME_SIZE);
    }

    /** Wraps a connected socket, accepting frames up to {@code maxFrameSize} bytes. */
    public FrameIO(Socket socket, int maxFrameSize) throws IOException {
        this.socket = socket;
        this.maxFrameSize = maxFrameSize;
        socket.setTcpNoDelay(true);
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        this.out = new BufferedOutputStream(socket.getOutputStream());
    }

    /** Connects to {@code host:port} within {@code timeout}. */
    public static FrameIO connect(String host, int port, Duration timeout) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            return new FrameIO(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** The socket. */
    public Socket socket() {
        return socket;
    }

    /** The codec chosen by {@link #clientHandshake} or {@link #useProtocol}, or {@code null}. */
    public MessageCodec codec() {
        return codec;
    }

    /** Selects the codec for {@link #send} and {@link #receive} without a handshake. */
    public void useProtocol(String protocol) {
        this.codec = MessageCodec.forProtocol(protocol);
    }

    /** Writes one frame (4-byte big-endian length + payload) and flushes. */
    public void writeFrame(byte[] payload) throws IOException {
        writeFrame(out, payload);
        out.flush();
    }

    /** Writes raw bytes (e.g. a malformed frame) and flushes. */
    public void writeRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * Reads one frame's payload, waiting at most {@code timeout} for it to begin (and again at
     * most {@code timeout} for each later chunk).
     *
     * @return the payload, or {@code null} if the peer closed the connection at a frame boundary
     * @throws SocketTimeoutException if nothing arrived in time
     * @throws EOFException           if the connection closed in the middle of a frame
     * @throws IOException            for a length above the maximum, or an I/O error
     */
    public byte[] readFrame(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        return readFrame(in, maxFrameSize);
    }

    /**
     * Waits up to {@code timeout} for the peer to close the connection, discarding any frames
     * that arrive meanwhile.
     *
     * @return true if the connection was closed (EOF or reset), false on timeout
     */
    public boolean awaitClosed(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] sink = new byte[8192];
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
            try {
                if (in.read(sink) < 0) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return true; // connection reset
            }
        }
    }

    /**
     * The client side of the handshake: reads the server's protocol string, echoes it and
     * selects its codec.
     *
     * @return the protocol, {@code "M5"} or {@code "Z5"}
     * @throws ProtocolException if the server announced something else
     */
    public String clientHandshake(Duration timeout) throws IOException {
        byte[] p = readFrame(timeout);
        if (p == null) {
            throw new EOFException("connection closed before the handshake");
        }
        String protocol = new String(p, StandardCharsets.ISO_8859_1);
        if (!protocol.equals(MessageCodec.M5) && !protocol.equals(MessageCodec.Z5)) {
            throw new ProtocolException("unsupported server protocol " + Values.repr(p));
        }
        writeFrame(p);
        codec = MessageCodec.forProtocol(protocol);
        return protocol;
    }

    /** Encodes {@code message} with the current codec and writes it as one frame. */
    public void send(Message message) throws IOException {
        writeFrame(requireCodec().encode(message));
    }

    /**
     * Reads one frame and decodes it with the current codec.
     *
     * @return the message, or {@code null} if the peer closed the connection
     */
    public Message receive(Duration timeout) throws IOException {
        byte[] p = readFrame(timeout);
        return p == null ? null : requireCodec().decode(p);
    }

    private MessageCodec requireCodec() {
        if (codec == null) {
            throw new IllegalStateException("no protocol selected: call clientHandshake or useProtocol first");
        }
        return codec;
    }

    /** Writes one frame to a stream without flushing it. */
    public static void writeFrame(OutputStream out, byte[] payload) throws IOException {
        int n = payload.length;
        out.write(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
        out.write(payload);
    }

    /**
     * Reads one frame from a stream.
     *
     * @return the payload, or {@code null} at end of stream before a frame began
     * @throws IOException for a truncated frame or a length above {@code maxFrameSize}
     */
    public static byte[] readFrame(InputStream in, int maxFrameSize) throws IOException {
        DataInputStream d = in instanceof DataInputStream x ? x : new DataInputStream(in);
        int first = d.read();
        if (first < 0) {
            return null;
        }
        byte[] rest = new byte[3];
        d.readFully(rest);
        long length = ((long) first << 24) | ((rest[0] & 0xffL) << 16) | ((rest[1] & 0xffL) << 8) | (rest[2] & 0xffL);
        if (length > maxFrameSize) {
            throw new IOException("frame of " + length + " bytes exceeds the maximum " + maxFrameSize);
        }
        byte[] payload = new byte[(int) length];
        d.readFully(payload);
        return payload;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
