package org.jzeo.client.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.jzeo.protocol.FrameIO;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.Transport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The client heartbeat (wire-protocol spec §4.5) on both transports and in both protocols, against
 * a scripted server on 127.0.0.1 that reads the raw frames: an idle connection sends exactly the
 * spec's bytes, once per interval, and a direct connection that is writing sends none.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HeartbeatTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** The heartbeat payloads of the spec (§4.5), without the 4-byte length. */
    private static final byte[] M5_HEARTBEAT = HexFormat.of().parseHex("94ff00a62e7265706c79c0");
    private static final byte[] Z5_HEARTBEAT = HexFormat.of().parseHex(
            "8003284affffffff4b0058060000002e7265706c794e742e");

    private ServerSocket listener;
    private ZeoConnection connection;
    private EventLoopGroup group;
    private final List<Throwable> serverFailures = new CopyOnWriteArrayList<>();

    private final ZeoConnection.Callbacks callbacks = new ZeoConnection.Callbacks() {
        @Override
        public void serverCall(ZeoConnection c, Message m) {
        }

        @Override
        public void closed(ZeoConnection c) {
        }
    };

    @AfterEach
    void tearDown() throws Exception {
        if (connection != null) {
            connection.close();
            connection.awaitTermination(TIMEOUT);
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(TIMEOUT.toMillis());
        }
        if (listener != null) {
            listener.close();
        }
        assertEquals(List.of(), serverFailures, "the scripted server failed");
    }

    /** Accepts one connection, does the handshake in {@code protocol}, and returns its frames' reader. */
    private CompletableFuture<FrameIO> listen(String protocol) throws IOException {
        listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        CompletableFuture<FrameIO> accepted = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                Socket s = listener.accept();
                FrameIO io = new FrameIO(s);
                io.writeFrame(protocol.getBytes(StandardCharsets.US_ASCII));
                assertEquals(protocol, new String(io.readFrame(TIMEOUT), StandardCharsets.US_ASCII));
                io.useProtocol(protocol);
                accepted.complete(io);
            } catch (Throwable e) {
                serverFailures.add(e);
                accepted.completeExceptionally(e);
            }
        }, "scripted-server");
        t.setDaemon(true);
        t.start();
        return accepted;
    }

    private ZeoConnection connect(String io, Duration heartbeat) {
        Address a = new Address("127.0.0.1", listener.getLocalPort(), null);
        if (io.equals("direct")) {
            return DirectConnection.connect(a, 1 << 20, TIMEOUT, heartbeat, callbacks);
        }
        Transport transport = Transport.forConnections(false);
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("test-client-io", true),
                transport.ioHandlerFactory());
        return NettyConnection.connect(group, transport, a, 1 << 20, TIMEOUT, heartbeat, callbacks,
                ConnectionSecurity.NONE);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"direct, M5", "direct, Z5", "netty, M5", "netty, Z5"})
    void anIdleConnectionSendsTheSpecsHeartbeatOncePerInterval(String io, String protocol) throws Exception {
        CompletableFuture<FrameIO> server = listen(protocol);
        long interval = TimeUnit.MILLISECONDS.toNanos(200);
        // before the connection exists: no heartbeat can be due earlier than an interval after this
        long connecting = System.nanoTime();
        connection = connect(io, Duration.ofNanos(interval));
        try (FrameIO s = server.get(10, TimeUnit.SECONDS)) {
            byte[] expected = protocol.equals("M5") ? M5_HEARTBEAT : Z5_HEARTBEAT;
            for (int i = 1; i <= 3; i++) {
                byte[] frame = s.readFrame(TIMEOUT);
                long at = System.nanoTime() - connecting;
                assertArrayEquals(expected, frame, "heartbeat " + i + " is not the spec's message");
                // never early: the i-th comes no sooner than i intervals after the connection
                assertTrue(at >= i * interval - TimeUnit.MILLISECONDS.toNanos(20),
                        "heartbeat " + i + " came after " + at / 1_000_000 + " ms");
            }
        }
    }

    @Test
    void aDirectConnectionThatIsWritingSendsNoHeartbeat() throws Exception {
        CompletableFuture<FrameIO> server = listen("M5");
        Duration heartbeat = Duration.ofMillis(600); // far above a call's gap, even on a busy machine
        connection = connect("direct", heartbeat);
        FrameIO s = server.get(10, TimeUnit.SECONDS);
        List<Message> seen = new ArrayList<>();
        Thread answering = new Thread(() -> {
            try {
                while (true) {
                    Message m;
                    try {
                        m = s.receive(TIMEOUT);
                    } catch (SocketTimeoutException e) {
                        return;
                    }
                    if (m == null) {
                        return; // the client closed
                    }
                    synchronized (seen) {
                        seen.add(m);
                    }
                    if (!m.isHeartbeat()) {
                        s.send(Message.reply(m.msgid(), m.arg(0)));
                    }
                }
            } catch (IOException e) {
                // closed at the end of the test
            } catch (Throwable t) {
                serverFailures.add(t);
            }
        }, "scripted-server-answers");
        answering.setDaemon(true);
        answering.start();
        try {
            // a call every 50 ms for four intervals: never an interval without a write
            long end = System.nanoTime() + heartbeat.toNanos() * 4;
            int calls = 0;
            while (System.nanoTime() < end) {
                assertEquals((long) calls, connection.callAndWait("ping", TIMEOUT, (long) calls));
                calls++;
                Thread.sleep(50);
            }
            synchronized (seen) {
                assertEquals(calls, seen.size(), "only the calls reached the server: " + seen);
            }
            // then idle: the heartbeat follows
            Thread.sleep(heartbeat.toMillis() * 3);
            synchronized (seen) {
                assertTrue(seen.stream().anyMatch(Message::isHeartbeat), "no heartbeat once idle: " + seen);
            }
        } finally {
            s.close();
            answering.join(TIMEOUT.toMillis());
        }
    }
}
