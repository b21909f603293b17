package org.jzeo.client;

import static org.jzeo.client.ClientStorageTest.b;
import static org.jzeo.client.ClientStorageTest.commit;
import static org.jzeo.client.ClientStorageTest.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;
import org.jzeo.cache.CacheEntry;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.Tuple;
import org.jzeo.server.StorageServer;
import org.jzeo.storage.MemoryStorage;

/**
 * Races through ClientStorage for rules C1 and C3. Each scenario runs with the rule kept (must
 * pass) and with the test switch that breaks it (must show the corruption the rule prevents). The
 * race window is made deterministic by holding the client's I/O thread at the critical point.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OrderingRulesRaceTest {
    private final TestCaches caches = new TestCaches();

    /**
     * C1: while another client's commit T2 of x is being applied, a reader takes
     * {@code lastTransaction()} as its snapshot and reads x through the cache. It must never get
     * x's old revision as the state at T2. Returns whether a stale read was seen.
     */
    private boolean c1StaleSnapshotSeen(boolean breakC1) throws Exception {
        AtomicBoolean armed = new AtomicBoolean();
        CountDownLatch reached = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        RuleSwitches switches = new RuleSwitches(breakC1, false, tid -> {
            if (armed.compareAndSet(true, false)) {
                reached.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS); // hold the I/O thread: the race window
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, oid -> { });
        try (MemoryStorage ms = MemoryStorage.create("1");
                StorageServer server = Servers.start(ms);
                ClientStorage writer = Servers.client(caches, Servers.config(Servers.addr(server)).build());
                ClientStorage reader = new ClientStorage(Servers.config(Servers.addr(server)).build(), switches,
                        caches)) {
            Oid x = writer.newOid();
            Tid t1 = commit(writer, x, "x1");
            Servers.await("reader at t1", () -> reader.lastTransaction().equals(t1));
            assertEquals("x1", s(reader.load(x).data())); // cached as current
            armed.set(true);
            Tid t2 = commit(writer, x, "x2");
            assertTrue(reached.await(10, TimeUnit.SECONDS), "the reader's I/O thread applies T2");
            boolean stale;
            try {
                // the reader's view, in the middle of applying T2: what its load answers from the cache
                Tid snapshot = reader.lastTransaction();
                CacheEntry e = reader.cache().loadBefore(x, snapshot.next());
                stale = snapshot.equals(t2) && e != null && s(e.data()).equals("x1");
            } finally {
                release.countDown();
            }
            Servers.await("reader at t2", () -> reader.lastTransaction().equals(t2));
            if (!breakC1) {
                // (with C1 broken, even this read may still race the invalidation)
                assertEquals("x2", s(reader.loadBefore(x, t2.next()).data()));
            }
            return stale;
        }
    }

    @Test
    void c1InvalidationsAreAppliedBeforeLastTransactionMoves() throws Exception {
        assertFalse(c1StaleSnapshotSeen(false), "with rule C1 a snapshot at T2 never sees x1");
    }

    @Test
    void c1BrokenLetsASnapshotSeeAStaleRevision() throws Exception {
        assertTrue(c1StaleSnapshotSeen(true), "breaking C1 must expose x1 as the state at T2");
    }

    /**
     * C3 (ZEO #155): the server answers a load with revision x1 as current, but the invalidation
     * of x by T2 reaches the client while that load is in flight. The result must not be cached as
     * current: a later load must not return x1. Returns what the second load returned.
     */
    private String c3SecondLoad(boolean breakC3) throws Exception {
        Tid t1 = Tid.fromHex("040d3bfbfa995d00");
        Tid t2 = Tid.fromHex("040d3bfbfe7bd777");
        Oid x = Oid.of(1);
        AtomicInteger loads = new AtomicInteger();
        FakeZeoServer.Script script = io -> {
            Message reg = io.receive(FakeZeoServer.TIMEOUT);
            io.send(Message.reply(reg.msgid(), t1.toBytes()));
            Message gi = io.receive(FakeZeoServer.TIMEOUT);
            io.send(Message.reply(gi.msgid(), Map.of("length", 2L, "size", 100L)));
            while (true) {
                Message m;
                try {
                    m = io.receive(FakeZeoServer.TIMEOUT);
                } catch (java.io.IOException closed) {
                    return;
                }
                if (m == null) {
                    return;
                }
                if (!m.method().equals("loadBefore")) {
                    continue;
                }
                if (loads.incrementAndGet() == 1) {
                    // the load was read before T2 committed, its reply leaves after T2's invalidation
                    io.send(Message.async("invalidateTransaction", t2.toBytes(), List.of(x.toBytes())));
                    io.send(Message.reply(m.msgid(), Tuple.of(b("x1"), t1.toBytes(), null)));
                } else {
                    io.send(Message.reply(m.msgid(), Tuple.of(b("x2"), t2.toBytes(), null)));
                }
            }
        };
        RuleSwitches switches = new RuleSwitches(false, breakC3, t -> { }, o -> { });
        try (FakeZeoServer server = new FakeZeoServer("M5", List.of(script));
                ClientStorage c = new ClientStorage(Servers.config(server.address()).build(), switches, caches)) {
            assertEquals("x1", s(c.load(x).data()), "the first load returns what the server said");
            assertEquals(t2, c.lastTransaction());
            return s(c.load(x).data());
        }
    }

    @Test
    void c3LoadOvertakenByAnInvalidationIsNotCachedAsCurrent() throws Exception {
        assertEquals("x2", c3SecondLoad(false));
    }

    @Test
    void c3BrokenCachesAStaleCurrentRevision() throws Exception {
        assertEquals("x1", c3SecondLoad(true), "breaking C3 must leave x1 cached as current");
    }
}
