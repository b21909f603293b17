package org.jzeo.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.jzeo.api.LoadResult;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;
import org.jzeo.cache.ClientCache;
import org.jzeo.reliability.Poll;
import org.jzeo.server.ServerConfig;
import org.jzeo.server.StorageServer;
import org.jzeo.storage.MemoryStorage;

/**
 * Races through the real client for a bounded time ({@link Poll#seconds()}): two writers commit
 * small transactions flat out while three readers load (ZEO #155/#166/#191: loads racing
 * invalidations), a fourth client keeps re-registering with a persistent cache during the
 * invalidations, and every client is configured with several addresses, a dead one among them
 * (#209). Every read is checked against the server's own storage: a read at a snapshot
 * {@code lastTransaction()} must return exactly the revision the storage had at that snapshot,
 * and {@code load} must never return a revision older than the snapshot taken before it.
 *
 * <p>Proven able to fail: the same run with one reader built with rule C1 broken (the test switch
 * of this package's {@code RuleSwitches}) must report stale reads. (Lives in
 * {@code org.jzeo.client} for that package-private switch; the deterministic one-race tests stay
 * in bundles/client {@code OrderingRulesRaceTest} and bundles/server {@code InvalidationOrderRaceTest}.)
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ClientRacesReliabilityTest {
    @TempDir
    Path dir;

    record Outcome(long checked, long stale, String firstStale, long commits, long rejoins, long staleOfReader0) {
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "file"})
    void noStaleReadUnderLoadInvalidationAndRegisterRaces(String kind) throws Exception {
        Outcome o = run(kind, false, Poll.seconds(), false);
        System.out.printf("races (" + kind + "): %d reads checked, %d commits, %d re-registrations, %d stale%n", o.checked(),
                o.commits(), o.rejoins(), o.stale());
        assertEquals(0, o.stale(), "stale read: " + o.firstStale());
        assertTrue(o.checked() > 1000 && o.commits() > 50 && o.rejoins() > 2, "the run did work: " + o);
    }

    @Test
    void theCheckerCatchesAClientWithRuleC1Broken() throws Exception {
        Outcome o = run("memory", true, Math.max(10, Poll.seconds()), true);
        System.out.printf("races (C1 broken in reader-0): %d reads checked, %d stale of reader-0, %d in all; first: %s%n",
                o.checked(), o.staleOfReader0(), o.stale(), o.firstStale());
        assertTrue(o.staleOfReader0() > 0, "breaking C1 in reader-0 must produce a stale read of reader-0: " + o);
    }

    private static org.jzeo.api.Storage storage(String kind, Path dir) {
        return kind.equals("memory") ? MemoryStorage.create("1")
                : org.jzeo.storage.FileStorage.open(org.jzeo.storage.FileStorageConfig.builder(dir.resolve("Data.fs"))
                        .create(true).build());
    }

    private Outcome run(String kind, boolean breakC1, double seconds, boolean stopAtFirstStale) throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort(); // nothing listens here afterwards
        }
        AtomicLong checked = new AtomicLong();
        AtomicLong stale = new AtomicLong();
        AtomicLong staleOfReader0 = new AtomicLong();
        AtomicLong rejoins = new AtomicLong();
        AtomicReference<String> firstStale = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<ClientStorage> clients = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        long[] commits = new long[2];
        try (org.jzeo.api.Storage ms = storage(kind, dir);
                StorageServer server = new StorageServer(ServerConfig.builder().address("127.0.0.1:0").build(),
                        Map.of("1", ms)).start()) {
            String live = "127.0.0.1:" + server.port();
            String down = "127.0.0.1:" + dead;
            Random random = new Random(breakC1 ? 1 : 2);
            java.util.function.Supplier<ClientConfig.Builder> config = () -> {
                List<String> addrs = new ArrayList<>(List.of(live, down));
                Collections.shuffle(addrs, random);
                return ClientConfig.builder(addrs.toArray(String[]::new)).minDisconnectPoll(Duration.ofMillis(20))
                        .maxDisconnectPoll(Duration.ofMillis(200)).waitTimeout(Duration.ofSeconds(20));
            };
            // writers and their objects
            List<org.jzeo.reliability.Clients.Committer> writers = new ArrayList<>();
            List<Oid> objects = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                ClientStorage c = ClientStorage.open(config.get().build());
                clients.add(c);
                org.jzeo.reliability.Clients.Committer committer = new org.jzeo.reliability.Clients.Committer(c,
                        "w" + w, 6, w, new ConcurrentLinkedQueue<>());
                for (int i = 0; i < committer.oids.length; i += 3) {
                    committer.commitOnce();
                }
                while (Arrays.asList(committer.serials).contains(Tid.ZERO)) {
                    committer.commitOnce();
                }
                writers.add(committer);
                objects.addAll(Arrays.asList(committer.oids));
            }
            Tid setUp = ms.lastTransaction();
            long end = System.nanoTime() + (long) (seconds * 1e9);
            java.util.function.BooleanSupplier running = () -> System.nanoTime() < end && failure.get() == null
                    && !(stopAtFirstStale && staleOfReader0.get() > 0);

            // readers: reader 0 parks its I/O thread (whichever thread holds its inbound role) for a
            // moment whenever lastTransaction() moves
            for (int r = 0; r < 3; r++) {
                RuleSwitches switches = r == 0
                        ? new RuleSwitches(breakC1, false, tid -> pause(500_000), oid -> { })
                        : RuleSwitches.NONE;
                ClientStorage c = new ClientStorage(config.get().build(), switches, ClientCache::open);
                clients.add(c);
                Poll.await("reader " + r + " sees the set-up", 20, () -> c.lastTransaction().compareTo(setUp) >= 0);
                // Reader 0 reads from two threads: with direct I/O a thread inside a call applies
                // the invalidations it reads itself, so only another thread of the same client can
                // run in the window a broken C1 opens.
                for (int k = 0; k < (r == 0 ? 2 : 1); k++) {
                    long seed = r * 10L + k;
                    boolean ofReader0 = r == 0;
                    threads.add(thread("reader-" + r + (k == 0 ? "" : "b"), failure, () -> {
                        Random rnd = new Random(seed);
                        while (running.getAsBoolean()) {
                            if (!check(c, ms, objects.get(rnd.nextInt(objects.size())), rnd.nextBoolean(), checked,
                                    stale, firstStale) && ofReader0) {
                                staleOfReader0.incrementAndGet();
                            }
                        }
                    }));
                }
            }
            // a client re-registering (persistent cache, reconnect verification) during invalidations
            threads.add(thread("rejoin", failure, () -> {
                Random rnd = new Random(7);
                while (running.getAsBoolean()) {
                    try (ClientStorage c = ClientStorage.open(config.get().var(dir.resolve("cache")).client("rejoin").build())) {
                        for (int i = 0; i < 50; i++) {
                            check(c, ms, objects.get(rnd.nextInt(objects.size())), rnd.nextBoolean(), checked, stale,
                                    firstStale);
                        }
                    }
                    rejoins.incrementAndGet();
                }
            }));
            for (int w = 0; w < writers.size(); w++) {
                org.jzeo.reliability.Clients.Committer committer = writers.get(w);
                int index = w;
                threads.add(thread("writer-" + w, failure, () -> {
                    while (running.getAsBoolean()) {
                        committer.commitOnce();
                        commits[index]++;
                        if (breakC1) {
                            // Paced: reader-0's I/O thread parks 0.5 ms per invalidation, and at
                            // full speed (thousands of commits/s) it is parked all the time, so its
                            // reader waits on load replies instead of running in the window.
                            pause(2_000_000);
                        }
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis((long) seconds + 60));
                assertTrue(!t.isAlive(), t.getName() + " is stuck");
            }
            if (failure.get() != null) {
                throw new AssertionError("a client thread failed", failure.get());
            }
        } finally {
            for (ClientStorage c : clients) {
                c.close();
            }
        }
        return new Outcome(checked.get(), stale.get(), firstStale.get(), commits[0] + commits[1], rejoins.get(),
                staleOfReader0.get());
    }

    /**
     * One checked read: at the snapshot {@code lastTransaction()} (must equal the storage's revision
     * at that snapshot), or {@code load} (must not be older than the snapshot taken before it).
     */
    private static boolean check(ClientStorage c, org.jzeo.api.Storage truthSource, Oid oid, boolean atSnapshot, AtomicLong checked,
            AtomicLong stale, AtomicReference<String> firstStale) {
        Tid snapshot = c.lastTransaction();
        LoadResult got = atSnapshot ? c.loadBefore(oid, snapshot.next()) : c.load(oid);
        LoadResult truth = truthSource.loadBefore(oid, snapshot.next());
        boolean ok = atSnapshot ? got.start().equals(truth.start()) && Arrays.equals(got.data(), truth.data())
                : got.start().compareTo(truth.start()) >= 0;
        checked.incrementAndGet();
        if (!ok) {
            stale.incrementAndGet();
            firstStale.compareAndSet(null, Thread.currentThread().getName() + ": " + (atSnapshot ? "loadBefore " : "load ") + oid + " at snapshot " + snapshot
                    + " returned " + got.start() + ", the storage had " + truth.start());
        }
        return ok;
    }

    /** Pauses the whole time: a park may return early (a stray unpark), and the window must stay open. */
    private static void pause(long nanos) {
        long end = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = end - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    private static Thread thread(String name, AtomicReference<Throwable> failure, Runnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }, name);
        t.setDaemon(true);
        return t;
    }
}
