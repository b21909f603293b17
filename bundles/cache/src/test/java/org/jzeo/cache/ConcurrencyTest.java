package org.jzeo.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;

/** Concurrent readers and writers: every hit is right, state is exact afterwards, reads scale. */
@Timeout(120)
class ConcurrencyTest {
    @TempDir
    Path dir;

    @Test
    void readersAndWritersTogether() throws Exception {
        ClientCacheConfig cfg = ClientCacheConfig.persistent(128 * 1024, dir, "cc"); // small: evictions race with reads
        int writers = 4;
        int readers = 4;
        int perWriter = 400;
        List<Model> models = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            models.add(new Model(100 + w, w * 10_000L, perWriter, false));
        }
        ExecutorService pool = Executors.newFixedThreadPool(writers + readers + 1);
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong reads = new AtomicLong();
        AtomicLong readHits = new AtomicLong();
        try (ClientCache c = ClientCache.open(cfg)) {
            List<Future<?>> fs = new ArrayList<>();
            for (Model m : models) {
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 20_000; i++) {
                        m.randomOp(c); // checks its own hits exactly
                    }
                    return null;
                }));
            }
            fs.add(pool.submit(() -> {
                for (long t = 1; !done.get(); t++) {
                    c.setLastTid(Tid.of(Data.BASE + (t << 20)));
                    Thread.yield();
                }
                return null;
            }));
            List<Future<?>> rs = new ArrayList<>();
            for (int r = 0; r < readers; r++) {
                rs.add(pool.submit(() -> {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    while (!done.get()) {
                        Oid o = Data.oid(rnd.nextInt(writers) * 10_000L + rnd.nextInt(perWriter));
                        CacheEntry e = rnd.nextBoolean() ? c.loadCurrent(o)
                                : c.loadBefore(o, Tid.of(Data.BASE + rnd.nextInt(30_000)));
                        reads.incrementAndGet();
                        if (e != null) {
                            readHits.incrementAndGet();
                            // data is always the one stored for that oid and start
                            assertArrayEquals(Data.of(o, e.start()), e.data());
                            assertTrue(e.end() == null || e.end().compareTo(e.start()) > 0);
                        }
                    }
                    return null;
                }));
            }
            for (int i = 0; i < writers; i++) {
                fs.get(i).get(100, TimeUnit.SECONDS);
            }
            done.set(true);
            for (Future<?> f : fs) {
                f.get(10, TimeUnit.SECONDS);
            }
            for (Future<?> f : rs) {
                f.get(10, TimeUnit.SECONDS);
            }
            assertTrue(reads.get() > 1000 && readHits.get() > 0, reads + " reads, " + readHits + " hits");
            assertTrue(c.stats().evictions() > 0);
            List<Set<String>> before = new ArrayList<>();
            for (Model m : models) {
                before.add(m.contents(c));
            }
            long size = c.size();
            c.close();
            try (ClientCache again = ClientCache.open(cfg)) {
                assertEquals(size, again.size());
                for (int w = 0; w < writers; w++) {
                    assertEquals(before.get(w), models.get(w).contents(again));
                }
            }
        } finally {
            done.set(true);
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    /** Warm hits: no lock, no I/O. A deliberately low bar, so only a serialising or I/O-bound hot path fails it. */
    @Test
    void warmLoadsAreFastAndScale() throws Exception {
        int n = 10_000;
        try (ClientCache c = ClientCache.open(ClientCacheConfig.persistent(32L << 20, dir, "fast"))) {
            for (int i = 0; i < n; i++) {
                c.store(Data.oid(i), Data.tid(1), null, Data.of(Data.oid(i), Data.tid(1), 200));
            }
            int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
            int perThread = 2_000_000;
            rate(c, 1, perThread, n); // warm-up: let the JIT compile the hot path before measuring
            double single = rate(c, 1, perThread, n);
            double multi = rate(c, threads, perThread, n);
            System.out.printf("warm loadCurrent (200-byte records): %.1f M/s on 1 thread, %.1f M/s on %d threads%n",
                    single / 1e6, multi / 1e6, threads);
            assertTrue(single > 1e6, "at least a million warm loads per second on one thread: " + single);
            assertEquals((2L + threads) * perThread, c.stats().hits());
            assertEquals(0, c.stats().misses());
        }
    }

    private static double rate(ClientCache c, int threads, int perThread, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Long>> fs = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                fs.add(pool.submit(() -> {
                    long sum = 0;
                    for (int i = 0; i < perThread; i++) {
                        sum += c.loadCurrent(Data.oid(i % n)).data().length;
                    }
                    return sum;
                }));
            }
            for (Future<Long> f : fs) {
                assertEquals(200L * perThread, f.get(60, TimeUnit.SECONDS));
            }
            return (double) threads * perThread / ((System.nanoTime() - t0) / 1e9);
        } finally {
            pool.shutdown();
        }
    }
}
