package org.jzeo.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.jzeo.api.LoadResult;
import org.jzeo.api.Oid;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.client.ClientConfig;
import org.jzeo.client.ClientStorage;
import org.jzeo.protocol.FrameIO;
import org.jzeo.protocol.Message;
import org.jzeo.reliability.Clients.Ack;
import org.jzeo.reliability.Clients.Committer;
import org.jzeo.storage.FileStorage;
import org.jzeo.storage.FileStorageConfig;

/**
 * Many connections to the standalone server: 1,000 idle ones (raw sockets that did the handshake
 * and a read-only register; fewer when this process's file-descriptor limit is too low — printed)
 * while busy clients commit and load; then 200 ClientStorages through a server restart during
 * which the file changed, each reconnecting and verifying its cache. The server's resident memory
 * is printed at each step (reported, not asserted).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ConnectionsTest {
    @TempDir
    Path dir;

    static long fdLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    return Long.parseLong(line.substring(26).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return 1024;
        }
        return 1024;
    }

    @Test
    void thousandIdleConnectionsWhileOthersWork() throws Exception {
        int idle = (int) Math.min(1000, fdLimit() - 300);
        if (idle < 1000) {
            System.out.println("connections: the file-descriptor limit " + fdLimit() + " allows only " + idle + " idle connections");
        }
        assertTrue(idle >= 100, "at least 100 idle connections fit the fd limit " + fdLimit());
        Path dataFs = dir.resolve("Data.fs");
        ServerProcess server = ServerProcess.start(dataFs, ServerProcess.freePort());
        List<FrameIO> sockets = new ArrayList<>();
        List<ClientStorage> busy = new ArrayList<>();
        try {
            long rss0 = server.rssKb();
            for (int i = 0; i < idle; i++) {
                FrameIO io = FrameIO.connect("127.0.0.1", server.port, Duration.ofSeconds(10));
                sockets.add(io);
                io.clientHandshake(Duration.ofSeconds(10));
                io.send(Message.call(1L, "register", "1", Boolean.TRUE));
                awaitReply(io, 1L);
            }
            long rssIdle = server.rssKb();
            long fds = server.openFiles();
            ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
            List<Committer> committers = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ClientStorage c = Clients.open(server.address());
                busy.add(c);
                Committer committer = new Committer(c, "busy" + i, 10, i, acks);
                committers.add(committer);
                threads.add(new Thread(committer, "busy-" + i));
            }
            ClientStorage reader = Clients.open(server.address());
            busy.add(reader);
            threads.forEach(Thread::start);
            long end = System.nanoTime() + (long) (Math.min(Poll.seconds(), 10) * 1e9);
            long loads = 0;
            while (System.nanoTime() < end) {
                for (Ack a : acks) {
                    reader.loadBefore(a.oid(), a.tid().next());
                    if (++loads % 500 == 0) {
                        break;
                    }
                }
                Poll.pause();
            }
            committers.forEach(c -> c.stop = true);
            for (Thread t : threads) {
                t.join(30_000);
            }
            for (Committer c : committers) {
                if (c.failure != null) {
                    throw new AssertionError("a busy client failed", c.failure);
                }
                assertTrue(c.commits > 0, "every busy client committed");
            }
            // the idle connections still answer (after the invalidations they were sent)
            for (int i = 0; i < sockets.size(); i += Math.max(1, sockets.size() / 50)) {
                FrameIO io = sockets.get(i);
                io.send(Message.call(2L, "ping"));
                awaitReply(io, 2L);
            }
            long rssBusy = server.rssKb();
            long commits = committers.stream().mapToLong(c -> c.commits).sum();
            System.out.printf("connections: %d idle + %d busy; %d commits, %d loads; server RSS %d MiB at start, "
                    + "%d MiB with the idle connections (%d open fds), %d MiB after the busy phase%n", idle, busy.size(),
                    commits, loads, rss0 / 1024, rssIdle / 1024, fds, rssBusy / 1024);
        } finally {
            for (FrameIO io : sockets) {
                io.close();
            }
            for (ClientStorage c : busy) {
                c.close();
            }
            assertEquals(0, server.stop(), server.logTail());
        }
        CrashTest.assertFsTest(dataFs, "after the connections test");
    }

    /** Reads frames until the reply to {@code msgid} (invalidations and info in between are skipped). */
    static Object awaitReply(FrameIO io, long msgid) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            Message m = io.receive(Duration.ofSeconds(20));
            if (m == null) {
                throw new IOException("the server closed an idle connection");
            }
            if (m.isReply() && !m.isHeartbeat() && m.msgidAsLong() == msgid) {
                if (m.isError()) {
                    throw new AssertionError("error reply: " + m);
                }
                return m.args();
            }
        }
        throw new AssertionError("no reply to " + msgid + " within 20 s");
    }

    @Test
    void twoHundredClientsReconnectAfterARestartAndVerifyTheirCaches() throws Exception {
        int n = 200;
        Path dataFs = dir.resolve("Data.fs");
        int port = ServerProcess.freePort();
        ServerProcess server = ServerProcess.start(dataFs, port);
        List<ClientStorage> clients = new ArrayList<>();
        List<Oid> oids;
        try {
            ClientConfig config = Clients.config(server.address()).cacheSize(1024 * 1024).build();
            try (ClientStorage writer = ClientStorage.open(config)) {
                oids = writer.newOids(20);
                StorageTransaction t = writer.tpcBegin(TransactionMetaData.of("reliability", "objects"));
                for (Oid oid : oids) {
                    t.store(oid, Tid.ZERO, Clients.payload("v1 " + oid, 200));
                }
                t.vote();
                t.finish();
            }
            for (int i = 0; i < n; i++) {
                ClientStorage c = ClientStorage.open(config);
                clients.add(c);
                for (Oid oid : oids) {
                    c.load(oid); // into its cache
                }
            }
            long rssWith200 = server.rssKb();
            assertEquals(0, server.stop(), server.logTail());
            // while the server is down, the file moves on: half the objects change
            Tid changed;
            try (FileStorage fs = FileStorage.open(FileStorageConfig.of("1", dataFs))) {
                StorageTransaction t = fs.tpcBegin(TransactionMetaData.of("reliability", "while down"));
                for (int i = 0; i < oids.size(); i += 2) {
                    Oid oid = oids.get(i);
                    t.store(oid, fs.load(oid).start(), Clients.payload("v2 " + oid, 200));
                }
                t.vote();
                changed = t.finish();
            }
            long t0 = System.nanoTime();
            server = ServerProcess.start(dataFs, port);
            Tid expected = changed;
            Poll.await("all " + n + " clients reconnected and verified", 120,
                    () -> clients.stream().allMatch(c -> c.isConnected() && c.lastTransaction().equals(expected)));
            double reconnectSeconds = (System.nanoTime() - t0) / 1e9;
            for (ClientStorage c : clients) {
                for (int i = 0; i < oids.size(); i++) {
                    Oid oid = oids.get(i);
                    LoadResult r = c.load(oid);
                    assertArrayEquals(Clients.payload((i % 2 == 0 ? "v2 " : "v1 ") + oid, 200), r.data(),
                            "client cache after reconnect, " + oid);
                }
            }
            System.out.printf("restart: %d clients reconnected and verified in %.1f s (server start included); "
                    + "server RSS %d MiB with %d clients before, %d MiB after%n", n, reconnectSeconds,
                    rssWith200 / 1024, n, server.rssKb() / 1024);
        } finally {
            for (ClientStorage c : clients) {
                c.close();
            }
            if (server.process.isAlive()) {
                assertEquals(0, server.stop(), server.logTail());
            }
        }
        CrashTest.assertFsTest(dataFs, "after the restart test");
    }
}
