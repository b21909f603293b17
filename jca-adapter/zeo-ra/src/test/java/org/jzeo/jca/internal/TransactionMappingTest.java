package org.jzeo.jca.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.resource.ResourceException;
import jakarta.resource.spi.CommException;
import jakarta.resource.spi.ConnectionEvent;
import jakarta.resource.spi.ConnectionEventListener;
import jakarta.resource.spi.LocalTransaction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import org.jzeo.api.ConflictError;
import org.jzeo.api.LoadResult;
import org.jzeo.api.Oid;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.client.ClientConfig;
import org.jzeo.client.ClientStorage;
import org.jzeo.jca.ZeoConflictException;
import org.jzeo.jca.ZeoConnection;
import org.jzeo.jca.ZeoConnectionFactory;
import org.jzeo.jca.ZeoLocalTransaction;
import org.jzeo.jca.ZeoObjectNotFoundException;
import org.jzeo.server.ServerConfig;
import org.jzeo.server.StorageServer;
import org.jzeo.storage.MemoryStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The transaction mapping (local, XA, one-phase, conflicts, connection loss, pool) against an in-process server. */
@Timeout(60)
class TransactionMappingTest {
    private StorageServer server;
    private TcpProxy proxy;
    private ZeoResourceAdapter adapter;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = new StorageServer(ServerConfig.builder().address("127.0.0.1:0").build(),
                Map.of("1", MemoryStorage.create("1"))).start();
        adapter = new ZeoResourceAdapter();
        adapter.start(null);
    }

    @AfterEach
    void stop() throws Exception {
        adapter.stop();
        for (AutoCloseable c : toClose) {
            c.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        server.close();
    }

    private ZeoManagedConnectionFactory mcf(int port, int commitSessions) {
        ZeoManagedConnectionFactory f = new ZeoManagedConnectionFactory();
        f.setResourceAdapter(adapter);
        f.setServerAddresses("127.0.0.1:" + port);
        f.setCommitSessions(commitSessions);
        f.setWaitTimeout(10.0);
        f.setMinDisconnectPoll(0.05);
        f.setMaxDisconnectPoll(0.2);
        return f;
    }

    private ZeoManagedConnectionFactory mcf() {
        return mcf(server.port(), 4);
    }

    /** A second client of the same server, outside the adapter. */
    private ClientStorage direct() {
        ClientStorage s = ClientStorage.open(ClientConfig.builder("127.0.0.1:" + server.port()).build());
        toClose.add(s);
        return s;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    private static Tid commitDirect(ClientStorage s, Oid oid, Tid serial, String data) {
        StorageTransaction t = s.tpcBegin(TransactionMetaData.EMPTY);
        t.store(oid, serial, bytes(data));
        t.vote();
        return t.finish();
    }

    // ------------------------------------------------------------------ local transactions

    @Test
    void containerLocalTransactionCommitsAndRollbackDiscards() throws Exception {
        ZeoManagedConnection mc = (ZeoManagedConnection) mcf().createManagedConnection(null, null);
        ZeoConnection c = (ZeoConnection) mc.getConnection(null, null);
        LocalTransaction lt = mc.getLocalTransaction();
        Oid oid = c.newOid();

        lt.begin();
        c.setTransactionNote("alice", "first");
        c.store(oid, Tid.ZERO, bytes("one"));
        lt.commit();
        Tid tid = c.lastCommittedTid();
        assertNotNull(tid);
        LoadResult r = c.load(oid);
        assertArrayEquals(bytes("one"), r.data());
        assertEquals(tid, r.start());
        assertEquals("alice", new String(c.history(oid, 1).get(0).user(), StandardCharsets.UTF_8));

        lt.begin();
        c.store(oid, tid, bytes("two"));
        lt.rollback();
        assertArrayEquals(bytes("one"), c.load(oid).data());
        assertArrayEquals(bytes("one"), direct().load(oid).data(), "the server never saw the rolled-back store");
        assertEquals(tid, c.lastCommittedTid());
        mc.destroy();
    }

    @Test
    void writesOutsideATransactionAreRefused() throws Exception {
        ZeoConnectionFactory cf = (ZeoConnectionFactory) mcf().createConnectionFactory();
        try (ZeoConnection c = cf.getConnection()) {
            Oid oid = c.newOid();
            assertThrows(jakarta.resource.spi.IllegalStateException.class, () -> c.store(oid, Tid.ZERO, bytes("x")));
            ZeoObjectNotFoundException e = assertThrows(ZeoObjectNotFoundException.class, () -> c.load(oid));
            assertEquals(oid, e.oid());
        }
    }

    @Test
    void applicationLocalTransactionInNonManagedModeFiresEvents() throws Exception {
        ZeoManagedConnectionFactory f = mcf();
        ZeoManagedConnection mc = (ZeoManagedConnection) f.createManagedConnection(null, null);
        List<String> events = new CopyOnWriteArrayList<>();
        mc.addConnectionEventListener(recorder(events));
        ZeoConnection c = (ZeoConnection) mc.getConnection(null, null);
        Oid oid = c.newOid();
        ZeoLocalTransaction lt = c.getLocalTransaction();
        lt.begin();
        c.store(oid, Tid.ZERO, bytes("local"));
        lt.commit();
        lt.begin();
        c.store(oid, c.lastCommittedTid(), bytes("discarded"));
        lt.rollback();
        c.close();
        assertEquals(List.of("started", "committed", "started", "rolledback", "closed"), events);
        assertArrayEquals(bytes("local"), direct().load(oid).data());
    }

    @Test
    void conflictAtLocalCommitNamesTheOid() throws Exception {
        ZeoConnectionFactory cf = (ZeoConnectionFactory) mcf().createConnectionFactory();
        ClientStorage other = direct();
        try (ZeoConnection c = cf.getConnection()) {
            Oid oid = c.newOid();
            Tid t1 = commitDirect(other, oid, Tid.ZERO, "v1");
            commitDirect(other, oid, t1, "v2");
            ZeoLocalTransaction lt = c.getLocalTransaction();
            lt.begin();
            c.store(oid, t1, bytes("stale"));
            ZeoConflictException e = assertThrows(ZeoConflictException.class, lt::commit);
            assertEquals(oid, e.oid());
            assertTrue(e.getMessage().contains(oid.toString()), e.getMessage());
            assertInstanceOf(ConflictError.class, e.getCause());
            await(() -> {
                try {
                    return java.util.Arrays.equals(bytes("v2"), c.load(oid).data());
                } catch (ResourceException x) {
                    return false;
                }
            }, "the shared cache to see v2");
        }
    }

    // ------------------------------------------------------------------ XA

    @Test
    void xaPrepareThenCommit() throws Exception {
        ZeoManagedConnection mc = (ZeoManagedConnection) mcf().createManagedConnection(null, null);
        ZeoConnection c = (ZeoConnection) mc.getConnection(null, null);
        XAResource xa = mc.getXAResource();
        Oid oid = c.newOid();
        TestXid xid = TestXid.next();
        xa.start(xid, XAResource.TMNOFLAGS);
        c.store(oid, Tid.ZERO, bytes("xa"));
        xa.end(xid.copy(), XAResource.TMSUCCESS);
        assertEquals(XAResource.XA_OK, xa.prepare(xid.copy()));
        ClientStorage other = direct();
        assertThrows(org.jzeo.api.POSKeyError.class, () -> other.load(oid), "not visible before commit");
        xa.commit(xid.copy(), false);
        assertArrayEquals(bytes("xa"), c.load(oid).data(), "read-your-writes after commit");
        assertEquals(c.lastCommittedTid(), c.load(oid).start());
        assertArrayEquals(bytes("xa"), other.load(oid).data());
        assertEquals(0, xa.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN).length);
        XAException unknown = assertThrows(XAException.class, () -> xa.commit(xid.copy(), false));
        assertEquals(XAException.XAER_NOTA, unknown.errorCode);
    }

    @Test
    void xaRollbackAfterPrepareReleasesTheLock() throws Exception {
        ZeoManagedConnection mc = (ZeoManagedConnection) mcf().createManagedConnection(null, null);
        ZeoConnection c = (ZeoConnection) mc.getConnection(null, null);
        XAResource xa = mc.getXAResource();
        Oid oid = c.newOid();
        TestXid xid = TestXid.next();
        xa.start(xid, XAResource.TMNOFLAGS);
        c.store(oid, Tid.ZERO, bytes("gone"));
        xa.end(xid, XAResource.TMSUCCESS);
        assertEquals(XAResource.XA_OK, xa.prepare(xid));
        xa.rollback(xid);
        // the server's commit lock is free again: another client commits at once
        ClientStorage other = direct();
        Oid oid2 = other.newOid();
        assertNotNull(commitDirect(other, oid2, Tid.ZERO, "after"));
        assertThrows(ZeoObjectNotFoundException.class, () -> c.load(oid));
    }

    @Test
    void xaRollbackBeforePrepareAndReadOnlyBranch() throws Exception {
        ZeoManagedConnection mc = (ZeoManagedConnection) mcf().createManagedConnection(null, null);
        ZeoConnection c = (ZeoConnection) mc.getConnection(null, null);
        XAResource xa = mc.getXAResource();
        Oid oid = c.newOid();
        TestXid xid = TestXid.next();
        xa.start(xid, XAResource.TMNOFLAGS);
        c.store(oid, Tid.ZERO, bytes("dropped"));
        xa.end(xid, XAResource.TMSUCCESS);
        xa.rollback(xid);
        assertThrows(ZeoObjectNotFoundException.class, () -> c.load(oid));

        TestXid reader = TestXid.next();
        xa.start(reader, XAResource.TMNOFLAGS);
        assertThrows(ZeoObjectNotFoundException.class, () -> c.load(oid));
        xa.end(reader, XAResource.TMSUCCESS);
        assertEquals(XAResource.XA_RDONLY, xa.prepare(reader));
        assertEquals(0, mc.backend().branches.size());
    }

    @Test
    void xaOnePhaseCommitAndJoinFromASecondConnection() throws Exception {
        ZeoManagedConnectionFactory f = mcf();
        ZeoManagedConnection mc1 = (ZeoManagedConnection) f.createManagedConnection(null, null);
        ZeoManagedConnection mc2 = (ZeoManagedConnection) f.createManagedConnection(null, null);
        ZeoConnection c1 = (ZeoConnection) mc1.getConnection(null, null);
        ZeoConnection c2 = (ZeoConnection) mc2.getConnection(null, null);
        assertTrue(mc1.getXAResource().isSameRM(mc2.getXAResource()));
        Oid a = c1.newOid();
        Oid b = c2.newOid();
        TestXid xid = TestXid.next();
        mc1.getXAResource().start(xid, XAResource.TMNOFLAGS);
        c1.store(a, Tid.ZERO, bytes("a"));
        mc2.getXAResource().start(xid.copy(), XAResource.TMJOIN);
        c2.store(b, Tid.ZERO, bytes("b"));
        mc2.getXAResource().end(xid, XAResource.TMSUCCESS);
        mc1.getXAResource().end(xid, XAResource.TMSUCCESS);
        mc1.getXAResource().commit(xid, true);
        LoadResult ra = c1.load(a);
        LoadResult rb = c2.load(b);
        assertEquals(ra.start(), rb.start(), "one ZEO transaction for the joined branch");
        assertEquals(ra.start(), c2.lastCommittedTid());
    }

    @Test
    void conflictAtPrepareRollsBackNamingTheOid() throws Exception {
        ZeoManagedConnection mc = (ZeoManagedConnection) mcf().createManagedConnection(null, null);
        ZeoConnection c = (ZeoConnection) mc.getConnection(null, null);
        XAResource xa = mc.getXAResource();
        ClientStorage other = direct();
        Oid oid = c.newOid();
        Tid t1 = commitDirect(other, oid, Tid.ZERO, "v1");
        commitDirect(other, oid, t1, "v2");
        for (boolean onePhase : new boolean[] {false, true}) {
            TestXid xid = TestXid.next();
            xa.start(xid, XAResource.TMNOFLAGS);
            c.store(oid, t1, bytes("stale"));
            xa.end(xid, XAResource.TMSUCCESS);
            XAException e = assertThrows(XAException.class,
                    () -> {
                        if (onePhase) {
                            xa.commit(xid, true);
                        } else {
                            xa.prepare(xid);
                        }
                    });
            assertEquals(XAException.XA_RBROLLBACK, e.errorCode);
            assertTrue(e.getMessage().contains("conflict on oid " + oid), e.getMessage());
            assertInstanceOf(ConflictError.class, e.getCause());
            assertEquals(XAException.XAER_NOTA, assertThrows(XAException.class, () -> xa.rollback(xid)).errorCode);
        }
        assertArrayEquals(bytes("v2"), other.load(oid).data());
        // the server's lock was released: the adapter commits again
        TestXid ok = TestXid.next();
        xa.start(ok, XAResource.TMNOFLAGS);
        c.store(oid, other.load(oid).start(), bytes("v3"));
        xa.end(ok, XAResource.TMSUCCESS);
        xa.commit(ok, true);
        assertArrayEquals(bytes("v3"), c.load(oid).data());
    }

    @Test
    void connectionDropBetweenPrepareAndCommitIsAHeuristicRollback() throws Exception {
        proxy = new TcpProxy(server.port());
        ZeoManagedConnection mc = (ZeoManagedConnection) mcf(proxy.port(), 2).createManagedConnection(null, null);
        List<String> events = new CopyOnWriteArrayList<>();
        mc.addConnectionEventListener(recorder(events));
        ZeoConnection c = (ZeoConnection) mc.getConnection(null, null);
        XAResource xa = mc.getXAResource();
        Oid oid = c.newOid();
        TestXid xid = TestXid.next();
        xa.start(xid, XAResource.TMNOFLAGS);
        c.store(oid, Tid.ZERO, bytes("lost"));
        xa.end(xid, XAResource.TMSUCCESS);
        assertEquals(XAResource.XA_OK, xa.prepare(xid));

        int before = proxy.accepted(); // the shared storage and one commit session
        proxy.dropAll();
        // both clients noticed the loss and dialled again: the voted transaction's connection is gone
        await(() -> proxy.accepted() >= before + 2, "both connections to come back");
        XAException e = assertThrows(XAException.class, () -> xa.commit(xid, false));
        assertEquals(XAException.XA_HEURRB, e.errorCode, e.getMessage());
        assertTrue(e.getMessage().contains("rolled the transaction back"), e.getMessage());
        assertInstanceOf(org.jzeo.client.ClientDisconnected.class, e.getCause());
        xa.forget(xid);
        assertTrue(events.contains("error"), "the pool was told: " + events);
        assertTrue(!mc.isUsable());
        ClientStorage other = direct();
        assertThrows(org.jzeo.api.POSKeyError.class, () -> other.load(oid), "the server rolled it back");

        // the backend reconnects by itself; a new pooled connection commits again
        ZeoManagedConnection mc2 = (ZeoManagedConnection) mcf(proxy.port(), 2).createManagedConnection(null, null);
        assertTrue(mc2.backend() == mc.backend());
        await(() -> mc2.backend().storage().isConnected(), "reconnection");
        ZeoConnection c2 = (ZeoConnection) mc2.getConnection(null, null);
        TestXid again = TestXid.next();
        mc2.getXAResource().start(again, XAResource.TMNOFLAGS);
        c2.store(oid, Tid.ZERO, bytes("second try"));
        mc2.getXAResource().end(again, XAResource.TMSUCCESS);
        mc2.getXAResource().commit(again, true);
        assertArrayEquals(bytes("second try"), other.load(oid).data());
    }

    @Test
    void serverUnreachableIsACommException() {
        ZeoManagedConnectionFactory f = mcf(1, 1); // nothing listens on port 1
        f.setWaitTimeout(0.3);
        CommException e = assertThrows(CommException.class, () -> f.createManagedConnection(null, null));
        assertInstanceOf(org.jzeo.client.ClientDisconnected.class, e.getCause());
    }

    // ------------------------------------------------------------------ pool

    @Test
    void aSecondTransactionVotesOnItsOwnSessionWhileTheFirstHoldsTheLock() throws Exception {
        ZeoManagedConnectionFactory f = mcf(server.port(), 2);
        ZeoManagedConnection mc1 = (ZeoManagedConnection) f.createManagedConnection(null, null);
        ZeoManagedConnection mc2 = (ZeoManagedConnection) f.createManagedConnection(null, null);
        ZeoConnection c1 = (ZeoConnection) mc1.getConnection(null, null);
        ZeoConnection c2 = (ZeoConnection) mc2.getConnection(null, null);
        Oid a = c1.newOid();
        Oid b = c1.newOid();
        TestXid x1 = TestXid.next();
        TestXid x2 = TestXid.next();
        mc1.getXAResource().start(x1, XAResource.TMNOFLAGS);
        c1.store(a, Tid.ZERO, bytes("a"));
        mc1.getXAResource().end(x1, XAResource.TMSUCCESS);
        mc2.getXAResource().start(x2, XAResource.TMNOFLAGS);
        c2.store(b, Tid.ZERO, bytes("b"));
        mc2.getXAResource().end(x2, XAResource.TMSUCCESS);
        assertEquals(XAResource.XA_OK, mc1.getXAResource().prepare(x1)); // holds the server's commit lock
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> second = ex.submit(() -> mc2.getXAResource().prepare(x2));
            // the second vote went out on a second session and waits for the server's lock, not for the client
            await(() -> mc1.backend().peakSessionsInUse() == 2, "a second commit session in use");
            assertTrue(!second.isDone());
            mc1.getXAResource().commit(x1, false);
            assertEquals(XAResource.XA_OK, second.get(10, TimeUnit.SECONDS));
            mc2.getXAResource().commit(x2, false);
        } finally {
            ex.shutdownNow();
        }
        assertTrue(c1.load(a).start().compareTo(c2.load(b).start()) < 0);
        assertEquals(2, mc1.backend().openSessions());
    }

    @Test
    void concurrentTransactionsCommitThroughTheBoundedPool() throws Exception {
        ZeoManagedConnectionFactory f = mcf(server.port(), 3);
        int threads = 6;
        int perThread = 15;
        ExecutorService ex = Executors.newFixedThreadPool(threads);
        List<Future<List<Tid>>> futures = new ArrayList<>();
        List<Oid> oids = new ArrayList<>();
        ZeoConnection setup = (ZeoConnection) f.createManagedConnection(null, null).getConnection(null, null);
        for (int i = 0; i < threads; i++) {
            oids.add(setup.newOid());
        }
        try {
            for (int i = 0; i < threads; i++) {
                Oid oid = oids.get(i);
                futures.add(ex.submit(() -> {
                    ZeoManagedConnection mc = (ZeoManagedConnection) f.createManagedConnection(null, null);
                    ZeoConnection c = (ZeoConnection) mc.getConnection(null, null);
                    List<Tid> tids = new ArrayList<>();
                    Tid serial = Tid.ZERO;
                    for (int n = 0; n < perThread; n++) {
                        TestXid xid = TestXid.next();
                        mc.getXAResource().start(xid, XAResource.TMNOFLAGS);
                        c.store(oid, serial, bytes(oid + ":" + n));
                        mc.getXAResource().end(xid, XAResource.TMSUCCESS);
                        if (n % 2 == 0) {
                            mc.getXAResource().commit(xid, true);
                        } else {
                            assertEquals(XAResource.XA_OK, mc.getXAResource().prepare(xid));
                            mc.getXAResource().commit(xid, false);
                        }
                        serial = c.lastCommittedTid();
                        assertEquals(serial, c.load(oid).start(), "read-your-writes through the shared cache");
                        tids.add(serial);
                    }
                    return tids;
                }));
            }
            Set<Tid> all = new HashSet<>();
            for (Future<List<Tid>> fu : futures) {
                all.addAll(fu.get(60, TimeUnit.SECONDS));
            }
            assertEquals(threads * perThread, all.size(), "every commit got its own tid");
        } finally {
            ex.shutdownNow();
        }
        ZeoBackend backend = ((ZeoManagedConnection) f.createManagedConnection(null, null)).backend();
        assertTrue(backend.openSessions() <= 3, "bounded: " + backend.openSessions());
        assertTrue(backend.peakSessionsInUse() >= 2, "commits overlapped: " + backend.peakSessionsInUse());
        ClientStorage other = direct();
        for (int i = 0; i < threads; i++) {
            assertArrayEquals(bytes(oids.get(i) + ":" + (perThread - 1)), other.load(oids.get(i)).data());
        }
    }

    @Test
    void withoutCommitSessionsEveryCommitGoesThroughTheSharedStorage() throws Exception {
        ZeoManagedConnectionFactory f = mcf(server.port(), 0);
        ZeoManagedConnection mc = (ZeoManagedConnection) f.createManagedConnection(null, null);
        ZeoConnection c = (ZeoConnection) mc.getConnection(null, null);
        Oid oid = c.newOid();
        TestXid xid = TestXid.next();
        mc.getXAResource().start(xid, XAResource.TMNOFLAGS);
        c.store(oid, Tid.ZERO, bytes("shared"));
        mc.getXAResource().end(xid, XAResource.TMSUCCESS);
        mc.getXAResource().commit(xid, true);
        assertArrayEquals(bytes("shared"), c.load(oid).data());
        assertEquals(0, mc.backend().openSessions());
    }

    // ------------------------------------------------------------------ configuration

    @Test
    void factoriesWithEqualPropertiesShareOneBackend() throws Exception {
        ZeoManagedConnectionFactory f1 = mcf();
        ZeoManagedConnectionFactory f2 = mcf();
        assertEquals(f1, f2);
        assertEquals(f1.hashCode(), f2.hashCode());
        ZeoManagedConnection a = (ZeoManagedConnection) f1.createManagedConnection(null, null);
        ZeoManagedConnection b = (ZeoManagedConnection) f2.createManagedConnection(null, null);
        assertTrue(a.backend() == b.backend());
        assertTrue(f1.matchManagedConnections(Set.of(a), null, null) == a);
        f2.setCacheSize(1_000_000L);
        assertTrue(!f1.equals(f2));
        assertNull(f2.matchManagedConnections(Set.of(a), null, null));
    }

    @Test
    void placeholdersResolveFromSystemProperties() throws Exception {
        System.setProperty("jzeo.test.port", String.valueOf(server.port()));
        try {
            assertEquals("127.0.0.1:" + server.port(),
                    ZeoManagedConnectionFactory.resolve("${jzeo.test.host:127.0.0.1}:${jzeo.test.port}"));
            ZeoManagedConnectionFactory f = mcf();
            f.setServerAddresses("127.0.0.1:${jzeo.test.port}");
            assertEquals(List.of("127.0.0.1:" + server.port()), f.toClientConfig().servers());
            assertEquals(java.time.Duration.ofSeconds(60), f.toClientConfig().heartbeatInterval());
            f.setHeartbeatInterval(2.5);
            assertEquals(java.time.Duration.ofMillis(2500), f.toClientConfig().heartbeatInterval());
            assertThrows(jakarta.resource.spi.InvalidPropertyException.class,
                    () -> ZeoManagedConnectionFactory.resolve("${jzeo.test.undefined}"));
        } finally {
            System.clearProperty("jzeo.test.port");
        }
    }

    private static ConnectionEventListener recorder(List<String> events) {
        return new ConnectionEventListener() {
            @Override
            public void connectionClosed(ConnectionEvent event) {
                events.add("closed");
            }

            @Override
            public void localTransactionStarted(ConnectionEvent event) {
                events.add("started");
            }

            @Override
            public void localTransactionCommitted(ConnectionEvent event) {
                events.add("committed");
            }

            @Override
            public void localTransactionRolledback(ConnectionEvent event) {
                events.add("rolledback");
            }

            @Override
            public void connectionErrorOccurred(ConnectionEvent event) {
                events.add("error");
            }
        };
    }

}
