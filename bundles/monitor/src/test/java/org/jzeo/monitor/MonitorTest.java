package org.jzeo.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;
import org.jzeo.protocol.FrameIO;
import org.jzeo.protocol.Message;
import org.jzeo.server.ServerAddress;
import org.jzeo.server.ServerConfig;
import org.jzeo.server.StorageServer;
import org.jzeo.server.StorageStatistics;
import org.jzeo.storage.MemoryStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The monitor report over a socket and the MBeans, after known loads, stores, commits, aborts and conflicts. */
@Timeout(60)
class MonitorTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final MemoryStorage one = MemoryStorage.create("1");
    private final MemoryStorage two = MemoryStorage.create("2");
    private StorageServer server;

    @TempDir
    Path dir;

    @BeforeEach
    void start() {
        server = new StorageServer(ServerConfig.builder().address("127.0.0.1:0").build(),
                Map.of("2", two, "1", one)).start();
    }

    @AfterEach
    void stop() {
        server.close();
        one.close();
        two.close();
    }

    /** A blocking client: sync calls skip callbacks. */
    private static final class Client implements AutoCloseable {
        final FrameIO io;
        long id;

        Client(int port) throws IOException {
            io = FrameIO.connect("127.0.0.1", port, TIMEOUT);
            io.clientHandshake(TIMEOUT);
        }

        Message call(String method, Object... args) throws IOException {
            long my = ++id;
            io.send(Message.call(my, method, args));
            while (true) {
                Message m = io.receive(TIMEOUT);
                if (m.isReply() && m.msgid().equals(my)) {
                    return m;
                }
            }
        }

        void async(String method, Object... args) throws IOException {
            io.send(Message.async(method, args));
        }

        @Override
        public void close() throws IOException {
            io.close();
        }
    }

    private static byte[] commit(Client c, long txn, Oid oid, Tid serial, String data) throws IOException {
        c.async("tpc_begin", txn, "u".getBytes(), "d".getBytes(), Map.of(), null, " ");
        c.async("storea", oid.toBytes(), serial.toBytes(), data.getBytes(), txn);
        Message vote = c.call("vote", txn);
        if (vote.isError()) {
            c.call("tpc_abort", txn);
            return null;
        }
        return (byte[]) c.call("tpc_finish", txn).args();
    }

    private static String read(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    private String readReport(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), (int) TIMEOUT.toMillis());
            s.setSoTimeout((int) TIMEOUT.toMillis());
            return read(s.getInputStream()); // the server closes after the report, without reading
        }
    }

    /**
     * Two commits (2 stores), a conflict (1 store, 1 conflict; the server drops a transaction whose vote
     * failed, so the client's tpc_abort after it counts nothing), 3 loads, 1 abort of an open transaction.
     */
    private void knownWorkload() throws IOException {
        try (Client c = new Client(server.port())) {
            c.call("register", "1", false);
            Tid t1 = Tid.of(commit(c, 1, Oid.ROOT, Tid.ZERO, "a"));
            commit(c, 2, Oid.ROOT, t1, "b");
            assertEquals(null, commit(c, 3, Oid.ROOT, t1, "stale"));
            c.call("loadBefore", Oid.ROOT.toBytes(), Tid.MAX.toBytes());
            c.call("loadBefore", Oid.ROOT.toBytes(), Tid.MAX.toBytes());
            c.call("loadBefore", Oid.of(99).toBytes(), Tid.MAX.toBytes()); // a POSKeyError still counts
            c.async("tpc_begin", 4L, "u".getBytes(), "d".getBytes(), Map.of(), null, " ");
            c.call("tpc_abort", 4L);
            Map<?, ?> status = (Map<?, ?>) c.call("server_status").args();
            assertEquals(3L, status.get("loads"));
            assertEquals(3L, status.get("stores"));
            assertEquals(2L, status.get("commits"));
            assertEquals(1L, status.get("aborts"));
            assertEquals(1L, status.get("conflicts"));
            assertEquals(1L, status.get("connections"));

            // The connection is still registered while the report is read.
            try (MonitorServer monitor = MonitorServer.start(server, ServerAddress.parse("127.0.0.1:0"))) {
                String report = readReport(monitor.port());
                String[] lines = report.split("\n", -1);
                String expected = String.join("\n",
                        "ZEO monitor server version " + MonitorReport.version(),
                        lines[1],
                        "",
                        "Storage: 1",
                        "Server started: " + MonitorReport.ctime(server.startTime()),
                        "Clients: 1",
                        "Clients verifying: 0",
                        "Active transactions: 0",
                        "Commits: 2",
                        "Aborts: 1",
                        "Loads: 3",
                        "Stores: 3",
                        "Conflicts: 1",
                        "Conflicts resolved: 0",
                        "",
                        "Storage: 2",
                        "Server started: " + MonitorReport.ctime(server.startTime()),
                        "Clients: 0",
                        "Clients verifying: 0",
                        "Active transactions: 0",
                        "Commits: 0",
                        "Aborts: 0",
                        "Loads: 0",
                        "Stores: 0",
                        "Conflicts: 0",
                        "Conflicts resolved: 0",
                        "",
                        "");
                assertEquals(expected, report);
                assertTrue(lines[1].matches("[A-Z][a-z]{2} [A-Z][a-z]{2} [ 123]\\d \\d\\d:\\d\\d:\\d\\d \\d{4}"), lines[1]);
                assertNotEquals("unknown", MonitorReport.version());
                assertTrue(MonitorReport.version().matches("\\d+\\.\\d+.*"), MonitorReport.version());
            }
        }
    }

    @Test
    void reportOverTcpHasTheExactCounters() throws Exception {
        knownWorkload();
    }

    @Test
    void commitLockLineWhileALockIsHeldAndAUnixSocketMonitor() throws Exception {
        Path sock = dir.resolve("monitor.sock");
        try (Client c = new Client(server.port());
                MonitorServer monitor = MonitorServer.start(server, ServerAddress.unix(sock))) {
            c.call("register", "1", false);
            c.async("tpc_begin", 1L, "u".getBytes(), "d".getBytes(), Map.of(), null, " ");
            c.async("storea", Oid.ROOT.toBytes(), Tid.ZERO.toBytes(), "x".getBytes(), 1L);
            c.call("vote", 1L); // holds the commit lock
            String report;
            try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
                report = read(Channels.newInputStream(ch));
            }
            assertTrue(report.contains("Storage: 1\n"), report);
            assertTrue(report.matches("(?s).*\nActive transactions: 1\nCommit lock held for: \\d+\nCommits: 0\n.*"),
                    report);
            assertEquals(1, report.split("Commit lock held for").length - 1, "only storage 1 holds a lock");
            assertEquals(-1, monitor.port());
            c.call("tpc_finish", 1L);
        }
        assertFalse(sock.toFile().exists(), "the socket file is removed on close");
    }

    @Test
    void renderMatchesTheHowtoSample() {
        // Render with fixed values: the HOWTO's sample layout, with the empty line after each storage.
        Instant t = Instant.parse("2003-04-04T16:57:42Z");
        StorageStatistics s = new StorageStatistics("1", t, 0, 0, 0, null, 0, 0, 0, 0, 0, 0, 0, Tid.ZERO);
        String text = MonitorReport.render("2.1a1", t, List.of(s));
        String c = MonitorReport.ctime(t);
        assertEquals("ZEO monitor server version 2.1a1\n" + c + "\n\nStorage: 1\nServer started: " + c
                + "\nClients: 0\nClients verifying: 0\nActive transactions: 0\nCommits: 0\nAborts: 0\nLoads: 0\n"
                + "Stores: 0\nConflicts: 0\nConflicts resolved: 0\n\n", text);
        StorageStatistics locked = new StorageStatistics("1", t, 0, 0, 1, t.minusSeconds(7), 0, 0, 0, 0, 0, 0, 0, Tid.ZERO);
        assertTrue(MonitorReport.render("x", t, List.of(locked)).contains("\nActive transactions: 1\nCommit lock held for: 7\n"));
        assertEquals("Fri Apr  4 16:57:42 2003",
                java.time.format.DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", java.util.Locale.ROOT)
                        .format(t.atZone(java.time.ZoneOffset.UTC)));
    }

    @Test
    void mbeansShowTheSameCountersAndAreUnregisteredOnClose() throws Exception {
        MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("org.jzeo:type=StorageServer,storage=1");
        try (JmxStatistics jmx = JmxStatistics.register(server)) {
            assertEquals(2, jmx.names().size());
            assertTrue(mbs.isRegistered(new ObjectName("org.jzeo:type=StorageServer,storage=2")));
            knownWorkload();
            assertEquals(2L, mbs.getAttribute(name, "Commits"));
            assertEquals(1L, mbs.getAttribute(name, "Aborts"));
            assertEquals(3L, mbs.getAttribute(name, "Loads"));
            assertEquals(3L, mbs.getAttribute(name, "Stores"));
            assertEquals(1L, mbs.getAttribute(name, "Conflicts"));
            assertEquals(0L, mbs.getAttribute(name, "ConflictsResolved"));
            assertEquals(0L, mbs.getAttribute(name, "ActiveTransactions"));
            assertEquals(-1L, mbs.getAttribute(name, "CommitLockHeldSeconds"));
            assertEquals("1", mbs.getAttribute(name, "Storage"));
            assertEquals(MonitorReport.ctime(server.startTime()), mbs.getAttribute(name, "ServerStarted"));
            assertEquals(one.lastTransaction().toHex(), mbs.getAttribute(name, "LastTransaction"));
            assertEquals(server.status("1").get("last-transaction"), mbs.getAttribute(name, "LastTransaction"));
            // The client of knownWorkload has disconnected; the count drops once the server notices.
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while ((int) mbs.getAttribute(name, "Clients") != 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(0, mbs.getAttribute(name, "Clients"));
        }
        assertFalse(mbs.isRegistered(name));
        assertEquals(ObjectName.quote("a,b"), JmxStatistics.objectName("a,b").getKeyProperty("storage"));
    }
}
