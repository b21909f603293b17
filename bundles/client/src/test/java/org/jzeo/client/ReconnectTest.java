package org.jzeo.client;

import static org.jzeo.client.ClientStorageTest.b;
import static org.jzeo.client.ClientStorageTest.commit;
import static org.jzeo.client.ClientStorageTest.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.jzeo.api.Oid;
import org.jzeo.api.ReadOnlyError;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.client.ClientStorage.Verification;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.Tuple;
import org.jzeo.server.StorageServer;
import org.jzeo.storage.FileStorage;
import org.jzeo.storage.FileStorageConfig;
import org.jzeo.storage.MemoryStorage;

/** Connection loss, reconnection with each verification path, persistent cache, read-only fallback. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReconnectTest {
    @TempDir
    Path dir;

    private final TestCaches caches = new TestCaches();

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private FileStorage openFs() {
        return FileStorage.open(FileStorageConfig.of("1", dir.resolve("Data.fs")));
    }

    private static StorageServer serve(FileStorage fs, int port, int queue) {
        return Servers.start(fs, "127.0.0.1:" + port, false, true, queue);
    }

    private static Tid directCommit(FileStorage fs, Oid oid, String data) {
        StorageTransaction t = fs.tpcBegin(TransactionMetaData.EMPTY);
        Tid serial;
        try {
            serial = fs.lastSerial(oid);
        } catch (org.jzeo.api.POSKeyError e) {
            serial = Tid.ZERO;
        }
        t.store(oid, serial, b(data));
        t.vote();
        return t.finish();
    }

    @Test
    void reconnectAfterServerRestartWithEachJzeoVerificationPath() throws Exception {
        int port = freePort();
        FileStorage fs = openFs();
        StorageServer server = serve(fs, port, 100);
        try (ClientStorage c = Servers.client(caches, Servers.config("127.0.0.1:" + port).build())) {
            assertEquals(Verification.EMPTY_CACHE, c.lastVerification());
            Oid x = c.newOid();
            Oid y = c.newOid();
            Tid t1 = commit(c, x, "x1", y, "y1");
            assertEquals(2, c.cache().size());

            // 1. restart, nothing changed: equal tids
            server.close();
            Servers.await("disconnected", () -> !c.isConnected());
            assertTrue(c.isReadOnly(), "read-only while disconnected");
            assertEquals("x1", s(c.load(x).data()), "served from the cache while down");
            assertThrows(ClientDisconnected.class, () -> c.load(Oid.of(999)), "a miss fails at once");
            StorageTransaction t = c.tpcBegin(TransactionMetaData.EMPTY);
            t.store(x, t1, b("lost"));
            assertThrows(ClientDisconnected.class, t::vote, "a write fails at once");
            t.abort();
            assertEquals(t1, c.lastTransaction());
            server = serve(fs, port, 100);
            Servers.await("reconnected", c::isConnected);
            assertEquals(Verification.EQUAL_TID, c.lastVerification());
            assertEquals(2, c.cache().size());

            // 2. a commit while disconnected, within the invalidation queue: getInvalidations
            java.util.List<java.util.Set<Oid>> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
            c.addListener((st, txn, tid, oids) -> heard.add(java.util.Set.copyOf(oids)));
            server.close();
            Servers.await("disconnected", () -> !c.isConnected());
            Tid t2 = directCommit(fs, x, "x2");
            server = serve(fs, port, 100);
            Servers.await("reconnected", c::isConnected);
            assertEquals(Verification.GET_INVALIDATIONS, c.lastVerification());
            assertTrue(heard.stream().anyMatch(o -> o.contains(x)), "listeners hear what changed while away: " + heard);
            assertEquals(t2, c.lastTransaction());
            assertEquals("x2", s(c.load(x).data()));
            assertEquals("y1", s(c.load(y).data()));

            // 3. more commits than the queue holds: full verification with jzeo_verify
            server.close();
            Servers.await("disconnected", () -> !c.isConnected());
            assertEquals("y1", s(c.load(y).data()));
            directCommit(fs, x, "x3");
            Oid z = fs.newOid();
            directCommit(fs, z, "z");
            Tid t5 = directCommit(fs, x, "x4");
            server = serve(fs, port, 1);
            Servers.await("reconnected", c::isConnected);
            assertEquals(Verification.JZEO_VERIFY, c.lastVerification());
            assertEquals(t5, c.lastTransaction());
            assertNotNull(c.cache().loadCurrent(y), "y was verified as current and kept");
            assertEquals(null, c.cache().loadCurrent(x), "the stale x was dropped");
            assertEquals("x4", s(c.load(x).data()));
        } finally {
            server.close();
            fs.close();
        }
    }

    /** A server without the "jzeo" status key (a Python server): the queue too short means clear(). */
    @Test
    void pythonLikeServerWithTooShortQueueMakesTheClientDropItsCache() throws Exception {
        Oid x = Oid.of(1);
        Tid t1 = Tid.fromHex("040d3bfbfa995d00");
        Tid t2 = Tid.fromHex("040d3bfbfe7bd777");
        Map<String, Object> info = Map.of("length", 1L, "size", 100L, "supportsUndo", true);
        FakeZeoServer.Script first = io -> {
            Message reg = io.receive(FakeZeoServer.TIMEOUT);
            assertEquals("register", reg.method());
            io.send(Message.reply(reg.msgid(), t1.toBytes()));
            Message gi = io.receive(FakeZeoServer.TIMEOUT);
            assertEquals("get_info", gi.method());
            io.send(Message.reply(gi.msgid(), info));
            Message load = io.receive(FakeZeoServer.TIMEOUT);
            assertEquals("loadBefore", load.method());
            io.send(Message.reply(load.msgid(), Tuple.of(b("x1"), t1.toBytes(), null)));
            // then the "server" goes away
        };
        FakeZeoServer.Script second = io -> {
            Message reg = io.receive(FakeZeoServer.TIMEOUT);
            io.send(Message.reply(reg.msgid(), t2.toBytes()));
            Message inv = io.receive(FakeZeoServer.TIMEOUT);
            assertEquals("getInvalidations", inv.method());
            io.send(Message.reply(inv.msgid(), null)); // too old
            Message st = io.receive(FakeZeoServer.TIMEOUT);
            assertEquals("server_status", st.method(), "only a known method may be sent to a Python server");
            io.send(Message.reply(st.msgid(), Map.of("connections", 1L, "last-transaction", t2.toHex())));
            Message gi = io.receive(FakeZeoServer.TIMEOUT);
            assertEquals("get_info", gi.method());
            io.send(Message.reply(gi.msgid(), info));
            io.awaitClosed(FakeZeoServer.TIMEOUT);
        };
        try (FakeZeoServer server = new FakeZeoServer("M5", List.of(first, second));
                ClientStorage c = Servers.client(caches, Servers.config(server.address()).build())) {
            assertEquals("x1", s(c.load(x).data()));
            assertEquals(1, c.cache().size());
            Servers.await("reconnected to the second script", () -> server.connections.get() == 2
                    && c.isConnected() && c.lastVerification() == Verification.CLEARED);
            assertEquals(0, c.cache().size(), "dropped");
            assertEquals(t2, c.lastTransaction());
            c.close();
            Servers.await("scripts done", () -> server.finished.get() == 2);
            assertTrue(server.failures.isEmpty(), () -> server.failures.toString());
        }
    }

    /** A server behind the cache (cache tid > server tid) is refused; a good one is then taken. */
    @Test
    void serverBehindTheCacheIsRefused() throws Exception {
        Tid t1 = Tid.fromHex("040d3bfbfa995d00");
        Map<String, Object> info = Map.of("length", 1L, "size", 100L);
        FakeZeoServer.Script good = io -> {
            Message reg = io.receive(FakeZeoServer.TIMEOUT);
            io.send(Message.reply(reg.msgid(), t1.toBytes()));
            Message m = io.receive(FakeZeoServer.TIMEOUT);
            if (m.method().equals("get_info")) {
                io.send(Message.reply(m.msgid(), info));
            }
            Message load = io.receive(FakeZeoServer.TIMEOUT);
            io.send(Message.reply(load.msgid(), Tuple.of(b("x1"), t1.toBytes(), null)));
        };
        FakeZeoServer.Script behind = io -> {
            Message reg = io.receive(FakeZeoServer.TIMEOUT);
            io.send(Message.reply(reg.msgid(), Tid.of(5).toBytes()));
            assertTrue(io.awaitClosed(FakeZeoServer.TIMEOUT), "the client hangs up");
        };
        FakeZeoServer.Script goodAgain = io -> {
            Message reg = io.receive(FakeZeoServer.TIMEOUT);
            io.send(Message.reply(reg.msgid(), t1.toBytes()));
            Message gi = io.receive(FakeZeoServer.TIMEOUT);
            assertEquals("get_info", gi.method(), "equal tids: no getInvalidations");
            io.send(Message.reply(gi.msgid(), info));
            io.awaitClosed(FakeZeoServer.TIMEOUT);
        };
        try (FakeZeoServer server = new FakeZeoServer("Z5", List.of(good, behind, goodAgain));
                ClientStorage c = Servers.client(caches, Servers.config(server.address()).build())) {
            c.load(Oid.of(1));
            Servers.await("refused the server behind", () -> c.lastVerification() == Verification.REFUSED);
            Servers.await("took the next one", () -> c.isConnected() && c.lastVerification() == Verification.EQUAL_TID);
            assertEquals(1, c.cache().size());
            c.close();
            Servers.await("scripts done", () -> server.finished.get() == 3);
            assertTrue(server.failures.isEmpty(), () -> server.failures.toString());
        }
    }

    @Test
    void persistentCacheIsReusedAndServesReadsWhileTheServerIsDown() throws Exception {
        int port = freePort();
        ClientConfig config = Servers.config("127.0.0.1:" + port).client("app").var(dir.resolve("var")).build();
        java.nio.file.Files.createDirectories(dir.resolve("var"));
        Oid x;
        Tid t1;
        try (FileStorage fs = openFs(); StorageServer server = serve(fs, port, 100)) {
            try (ClientStorage c = Servers.client(caches, config)) {
                x = c.newOid();
                t1 = commit(c, x, "x1");
            }
            try (ClientStorage c = Servers.client(caches, config)) {
                assertEquals(Verification.EQUAL_TID, c.lastVerification(), "the cache file was found again");
                assertEquals(t1, c.lastTransaction());
                assertEquals(1, c.cache().size());
            }
        }
        // no server at all: wait=false returns at once and serves from the persistent cache
        long start = System.nanoTime();
        try (ClientStorage c = Servers.client(caches, config.toBuilder().waitForConnection(false).build())) {
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
            assertFalse(c.isConnected());
            assertEquals(t1, c.lastTransaction());
            assertEquals("x1", s(c.load(x).data()));
            assertTrue(c.isReadOnly());
            assertThrows(ClientDisconnected.class, c::newOid);
        }
    }

    @Test
    void waitingConstructorGivesUpAfterTheWaitTimeout() throws Exception {
        int port = freePort();
        long start = System.nanoTime();
        ClientDisconnected e = assertThrows(ClientDisconnected.class, () -> Servers.client(caches,
                Servers.config("127.0.0.1:" + port).waitTimeout(Duration.ofMillis(300)).build()));
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
    }

    @Test
    void readOnlyFallbackTakesTheReadOnlyServerThenSwitchesToAWritableOne() throws Exception {
        int rwPort = freePort();
        try (MemoryStorage roStore = MemoryStorage.create("1");
                MemoryStorage rwStore = MemoryStorage.create("1");
                StorageServer ro = Servers.start(roStore, "127.0.0.1:0", true, true, 100)) {
            String roAddr = Servers.addr(ro);
            ClientConfig config = Servers.config("127.0.0.1:" + rwPort, roAddr).readOnlyFallback(true).build();
            try (ClientStorage c = Servers.client(caches, config)) {
                assertTrue(c.isConnected());
                assertEquals(roAddr, c.serverAddress());
                assertTrue(c.isReadOnly());
                assertThrows(ReadOnlyError.class, () -> c.tpcBegin(TransactionMetaData.EMPTY));
                try (StorageServer rw = Servers.start(rwStore, "127.0.0.1:" + rwPort, false, true, 100)) {
                    Servers.await("switched to the writable server",
                            () -> ("127.0.0.1:" + rwPort).equals(c.serverAddress()) && c.isConnected());
                    assertFalse(c.isReadOnly());
                    Oid x = c.newOid();
                    commit(c, x, "written");
                    assertEquals("written", s(rwStore.load(x).data()));
                }
            }
            // without fallback, the read-only server is not acceptable
            assertThrows(ClientDisconnected.class, () -> Servers.client(caches,
                    Servers.config(roAddr).waitTimeout(Duration.ofMillis(300)).build()));
            // a read-only client takes it
            try (ClientStorage c = Servers.client(caches, Servers.config(roAddr).readOnly(true).build())) {
                assertTrue(c.isReadOnly());
                assertThrows(ReadOnlyError.class, c::newOid);
            }
        }
    }

    @Test
    void unixSocketConnection() throws Exception {
        Path sock = dir.resolve("zeo.sock");
        try (MemoryStorage ms = MemoryStorage.create("1");
                StorageServer server = Servers.start(ms, sock.toString(), false, false, 100);
                ClientStorage c = Servers.client(caches, Servers.config(sock.toString()).build())) {
            Oid x = c.newOid();
            commit(c, x, "via unix");
            assertEquals("via unix", s(ms.load(x).data()));
        }
    }
}
