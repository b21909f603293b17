package org.jzeo.client.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jzeo.client.ClientConfig;
import org.jzeo.client.ClientDisconnected;
import org.jzeo.protocol.FrameIO;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.Values;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link DirectConnection} against a scripted server on 127.0.0.1: the inbound role passes between
 * callers and the reader thread without losing, reordering or double-handling a frame.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DirectConnectionTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** What the server side does with one accepted connection (after the handshake). */
    @FunctionalInterface
    interface Script {
        void run(FrameIO io) throws Exception;
    }

    private ServerSocket listener;
    private final List<Throwable> serverFailures = new CopyOnWriteArrayList<>();
    private Thread serverThread;
    private DirectConnection connection;
    private final List<Message> serverCalls = new CopyOnWriteArrayList<>();
    private final AtomicInteger closedReports = new AtomicInteger();
    private final AtomicReference<Runnable> onServerCall = new AtomicReference<>(() -> { });

    private final ZeoConnection.Callbacks callbacks = new ZeoConnection.Callbacks() {
        @Override
        public void serverCall(ZeoConnection c, Message m) {
            serverCalls.add(m);
            onServerCall.get().run();
        }

        @Override
        public void closed(ZeoConnection c) {
            closedReports.incrementAndGet();
        }
    };

    private DirectConnection serve(Script script) throws IOException {
        listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        serverThread = new Thread(() -> {
            try (Socket s = listener.accept(); FrameIO io = new FrameIO(s)) {
                io.writeFrame("M5".getBytes(StandardCharsets.US_ASCII));
                assertEquals("M5", new String(io.readFrame(TIMEOUT), StandardCharsets.US_ASCII));
                io.useProtocol("M5");
                script.run(io);
            } catch (Throwable t) {
                serverFailures.add(t);
            }
        }, "scripted-server");
        serverThread.setDaemon(true);
        serverThread.start();
        connection = DirectConnection.connect(new Address("127.0.0.1", listener.getLocalPort(), null),
                64 * 1024 * 1024, TIMEOUT, ClientConfig.DEFAULT_HEARTBEAT_INTERVAL, callbacks);
        return connection;
    }

    @AfterEach
    void tearDown() throws Exception {
        if (connection != null) {
            connection.close();
            connection.awaitTermination(TIMEOUT);
        }
        if (listener != null) {
            listener.close();
        }
        if (serverThread != null) {
            serverThread.join(TIMEOUT.toMillis());
        }
        assertEquals(List.of(), serverFailures, "the scripted server failed");
    }

    /** Answers each call with its own first argument, in batches whose order is shuffled, with a numbered server call between replies. */
    private static Script shuffledEchoes(int calls, AtomicLong serverCallsSent) {
        return io -> {
            Random random = new Random(7);
            List<Message> batch = new ArrayList<>();
            int answered = 0;
            int target = 1 + random.nextInt(4);
            while (answered < calls) {
                try {
                    // callers that finished send no more: a short lull answers what is there
                    batch.add(io.receive(batch.isEmpty() ? TIMEOUT : Duration.ofMillis(20)));
                } catch (java.net.SocketTimeoutException lull) {
                    target = batch.size();
                }
                if (batch.size() >= target || answered + batch.size() == calls) {
                    target = 1 + random.nextInt(4);
                    Collections.shuffle(batch, random);
                    for (Message q : batch) {
                        io.send(Message.async("invalidateTransaction", serverCallsSent.incrementAndGet()));
                        io.send(Message.reply(q.msgid(), List.of(q.arg(0), serverCallsSent.get())));
                    }
                    answered += batch.size();
                    batch.clear();
                }
            }
            io.awaitClosed(TIMEOUT);
        };
    }

    /** A listener whose one connection runs {@code script} from the first byte (no handshake). */
    private Address rawServer(Script script) throws IOException {
        listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        serverThread = new Thread(() -> {
            try (Socket s = listener.accept(); FrameIO io = new FrameIO(s)) {
                script.run(io);
            } catch (Throwable t) {
                serverFailures.add(t);
            }
        }, "raw-server");
        serverThread.setDaemon(true);
        serverThread.start();
        return new Address("127.0.0.1", listener.getLocalPort(), null);
    }

    @Test
    void aZeo4ServerIsRefusedWithAClearError() throws Exception {
        Address a = rawServer(io -> {
            io.writeFrame("Z4".getBytes(StandardCharsets.US_ASCII));
            io.awaitClosed(TIMEOUT);
        });
        ClientDisconnected e = assertThrows(ClientDisconnected.class,
                () -> DirectConnection.connect(a, 1 << 20, TIMEOUT, ClientConfig.DEFAULT_HEARTBEAT_INTERVAL,
                        callbacks));
        assertTrue(e.getMessage().contains("unsupported server protocol"), e.getMessage());
    }

    @Test
    void aSilentServerTimesOutTheHandshake() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        Address a = rawServer(io -> done.await());
        long start = System.nanoTime();
        try {
            ClientDisconnected e = assertThrows(ClientDisconnected.class,
                    () -> DirectConnection.connect(a, 1 << 20, Duration.ofMillis(300),
                            ClientConfig.DEFAULT_HEARTBEAT_INTERVAL, callbacks));
            assertTrue(e.getMessage().contains("handshake"), e.getMessage());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
        } finally {
            done.countDown();
        }
    }

    @Test
    void concurrentCallersEachGetTheirOwnReplyInWireOrderWithServerCalls() throws Exception {
        int threads = 6;
        int perThread = 400;
        AtomicLong sent = new AtomicLong();
        DirectConnection c = serve(shuffledEchoes(threads * perThread, sent));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int me = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        String token = me + "/" + i;
                        // the hook runs in the role, after every server call sent before the reply
                        AtomicLong seenAtHook = new AtomicLong(-1);
                        CompletableFuture<Object> f = c.call("echo", r -> seenAtHook.set(serverCalls.size()), token);
                        List<Object> r = Values.sequence(c.await(f, "echo", TIMEOUT));
                        assertEquals(token, r.get(0));
                        long callsBeforeReply = Values.toLong(r.get(1));
                        assertEquals(callsBeforeReply, seenAtHook.get(),
                                "the hook ran before (or after) the server calls that preceded its reply");
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads * perThread, serverCalls.size());
        for (int i = 0; i < serverCalls.size(); i++) {
            assertEquals(i + 1L, Values.toLong(serverCalls.get(i).arg(0)), "server calls handled out of order");
        }
    }

    @Test
    void framesLargerThanTheBuffersPassBothWays() throws Exception {
        byte[] big = new byte[24 * 1024 * 1024];
        new Random(3).nextBytes(big);
        DirectConnection c = serve(io -> {
            for (int i = 0; i < 2; i++) {
                Message m = io.receive(TIMEOUT);
                io.send(Message.reply(m.msgid(), m.arg(0)));
            }
            io.awaitClosed(TIMEOUT);
        });
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(big, Values.bytes(c.callAndWait("echo", TIMEOUT, (Object) big)));
        }
    }

    @Test
    void anIdleConnectionHearsServerCallsOnItsReaderThread() throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        serve(io -> {
            go.await();
            io.send(Message.async("info", java.util.Map.of("k", 1L)));
            io.awaitClosed(TIMEOUT);
        });
        AtomicReference<String> thread = new AtomicReference<>();
        onServerCall.set(() -> thread.set(Thread.currentThread().getName()));
        go.countDown();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (serverCalls.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(1, serverCalls.size());
        assertTrue(thread.get().startsWith("zeo-client-io-"), thread.get());
    }

    @Test
    void theServerClosingFailsEveryWaitingCallerAndReportsOnce() throws Exception {
        CountDownLatch received = new CountDownLatch(3);
        DirectConnection c = serve(io -> {
            for (int i = 0; i < 3; i++) {
                io.receive(TIMEOUT);
                received.countDown();
            }
            // closing the socket (end of the script) without answering
        });
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<Throwable>> waits = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                waits.add(pool.submit(() -> {
                    try {
                        c.callAndWait("never", null);
                        return null;
                    } catch (Throwable t) {
                        return t;
                    }
                }));
            }
            for (Future<Throwable> w : waits) {
                assertInstanceOf(ClientDisconnected.class, w.get(20, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertFalse(c.isOpen());
        c.awaitTermination(TIMEOUT);
        assertEquals(1, closedReports.get());
    }

    @Test
    void aTaskRunsInTheRoleWhileACallerWaitsThere() throws Exception {
        CountDownLatch answer = new CountDownLatch(1);
        DirectConnection c = serve(io -> {
            Message m = io.receive(TIMEOUT);
            answer.await();
            io.send(Message.reply(m.msgid(), "late"));
            io.awaitClosed(TIMEOUT);
        });
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Object> waiting = pool.submit(() -> c.callAndWait("slow", TIMEOUT));
            Thread.sleep(100); // the caller now holds the role, waiting in select
            AtomicReference<Boolean> inRole = new AtomicReference<>();
            long start = System.nanoTime();
            c.runOnIoThread(() -> inRole.set(c.inIoThread()));
            assertTrue(inRole.get(), "the task ran outside the role");
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "the task waited for the call");
            assertFalse(waiting.isDone());
            answer.countDown();
            assertEquals("late", waiting.get(10, TimeUnit.SECONDS));
        } finally {
            answer.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void aServerCallHandlerCannotWaitForAReply() throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        serve(io -> {
            go.await();
            io.send(Message.async("info", java.util.Map.of()));
            io.awaitClosed(TIMEOUT);
        });
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        CountDownLatch handled = new CountDownLatch(1);
        onServerCall.set(() -> {
            try {
                connection.callAndWait("ping", TIMEOUT);
            } catch (Throwable t) {
                thrown.set(t);
            }
            handled.countDown();
        });
        go.countDown();
        assertTrue(handled.await(10, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, thrown.get());
    }

    @Test
    void aTimedOutCallLeavesTheConnectionUsable() throws Exception {
        DirectConnection c = serve(io -> {
            Message first = io.receive(TIMEOUT);
            Message second = io.receive(TIMEOUT);
            io.send(Message.reply(first.msgid(), "first")); // late: its caller gave up
            io.send(Message.reply(second.msgid(), "second"));
            io.awaitClosed(TIMEOUT);
        });
        ClientDisconnected e = assertThrows(ClientDisconnected.class,
                () -> c.callAndWait("first", Duration.ofMillis(200)));
        assertTrue(e.getMessage().contains("within"), e.getMessage());
        assertEquals("second", c.callAndWait("second", TIMEOUT));
        assertTrue(c.isOpen());
    }

    @Test
    void anInterruptedCallerGivesUpWithClientDisconnected() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        DirectConnection c = serve(io -> {
            Message m = io.receive(TIMEOUT);
            release.await();
            io.send(Message.reply(m.msgid(), "x"));
            Message n = io.receive(TIMEOUT);
            io.send(Message.reply(n.msgid(), "y"));
            io.awaitClosed(TIMEOUT);
        });
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                c.callAndWait("x", TIMEOUT);
            } catch (Throwable e) {
                thrown.set(e);
                flag.set(Thread.currentThread().isInterrupted());
            }
        });
        t.start();
        Thread.sleep(100);
        t.interrupt();
        t.join(5000);
        assertFalse(t.isAlive(), "the interrupted caller still waits");
        assertInstanceOf(ClientDisconnected.class, thrown.get());
        assertTrue(flag.get(), "the interrupt flag was lost");
        release.countDown();
        assertEquals("y", c.callAndWait("y", TIMEOUT)); // the late "x" reply is dropped, not mistaken for "y"
    }

    @Test
    void nothingIsHandledAfterCloseAndTermination() throws Exception {
        CountDownLatch closedHere = new CountDownLatch(1);
        AtomicLong sentAfterClose = new AtomicLong();
        DirectConnection c = serve(io -> {
            io.send(Message.async("info", java.util.Map.of()));
            closedHere.await();
            try {
                for (int i = 0; i < 100; i++) {
                    io.send(Message.async("info", java.util.Map.of()));
                    sentAfterClose.incrementAndGet();
                }
            } catch (IOException e) {
                // the client went away: expected
            }
        });
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (serverCalls.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        c.close();
        c.awaitTermination(TIMEOUT);
        int seen = serverCalls.size();
        closedHere.countDown();
        serverThread.join(TIMEOUT.toMillis());
        Thread.sleep(100);
        assertEquals(seen, serverCalls.size(), "a server call was handled after close() and awaitTermination()");
        assertEquals(1, closedReports.get());
    }
}
