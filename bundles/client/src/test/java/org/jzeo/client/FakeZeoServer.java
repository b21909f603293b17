package org.jzeo.client;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jzeo.protocol.FrameIO;

/**
 * A scripted ZEO server for tests: listens on 127.0.0.1, and runs the n-th {@link Script} (or
 * the last one, for later connections) on the n-th accepted connection, on its own thread,
 * after sending the handshake. Failures of scripts are collected in {@link #failures}.
 */
final class FakeZeoServer implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** What to do with one connection (the handshake is done). */
    @FunctionalInterface
    interface Script {
        void run(FrameIO io) throws Exception;
    }

    private final ServerSocket socket;
    private final String protocol;
    private final List<Script> scripts;
    private final List<Socket> accepted = Collections.synchronizedList(new ArrayList<>());
    private final List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
    final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger finished = new AtomicInteger();
    private volatile boolean closed;

    FakeZeoServer(String protocol, List<Script> scripts) throws IOException {
        this.protocol = protocol;
        this.scripts = scripts;
        this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "fake-zeo-accept");
        t.setDaemon(true);
        t.start();
        threads.add(t);
    }

    int port() {
        return socket.getLocalPort();
    }

    String address() {
        return "127.0.0.1:" + port();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = socket.accept();
            } catch (IOException e) {
                return;
            }
            accepted.add(s);
            int n = connections.getAndIncrement();
            Script script = scripts.get(Math.min(n, scripts.size() - 1));
            Thread t = new Thread(() -> {
                try (FrameIO io = new FrameIO(s)) {
                    io.writeFrame(protocol.getBytes(StandardCharsets.US_ASCII));
                    String echoed = new String(io.readFrame(TIMEOUT), StandardCharsets.US_ASCII);
                    if (!echoed.equals(protocol)) {
                        throw new AssertionError("client answered handshake " + echoed);
                    }
                    io.useProtocol(protocol);
                    script.run(io);
                } catch (Throwable e) {
                    if (!closed) {
                        failures.add(e);
                    }
                } finally {
                    finished.incrementAndGet();
                }
            }, "fake-zeo-conn-" + n);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    /** Closes the listening socket and every connection. */
    void dropConnections() {
        synchronized (accepted) {
            for (Socket s : accepted) {
                try {
                    s.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
        }
    }

    @Override
    public void close() throws Exception {
        closed = true;
        socket.close();
        dropConnections();
        for (Thread t : List.copyOf(threads)) {
            t.join(5000);
        }
    }
}
