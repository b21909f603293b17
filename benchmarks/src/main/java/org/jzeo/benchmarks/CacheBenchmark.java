package org.jzeo.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;
import org.jzeo.cache.CacheEntry;
import org.jzeo.cache.ClientCache;
import org.jzeo.cache.ClientCacheConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * ClientCache hits and misses, transient and persistent: {@code OBJECTS} objects of 500 bytes
 * cached as current (plus one non-current revision each), then
 * <ul>
 *   <li>{@code hitCurrent}: {@code loadBefore(oid, MAX)} of a cached object;</li>
 *   <li>{@code hitNonCurrent}: {@code loadBefore} answered by the non-current revision;</li>
 *   <li>{@code miss}: {@code loadBefore} of an oid never cached;</li>
 *   <li>{@code storeInvalidate}: a store of a new current revision after invalidating the old one
 *       (the cache's work for one invalidation and the following load).</li>
 * </ul>
 *
 * <pre>java -jar benchmarks/target/jzeo-benchmarks.jar CacheBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class CacheBenchmark {
    @Param({"transient", "persistent"})
    public String kind;

    private static final int OBJECTS = 20_000;

    private Path dir;
    private ClientCache cache;
    private byte[] record;
    private Tid t1;
    private Tid t2;
    private long nextTid;
    private final Random random = new Random(3);

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        long size = 64L * 1024 * 1024;
        if (kind.equals("persistent")) {
            dir = Files.createTempDirectory("jzeo-cache-bench");
            cache = ClientCache.open(ClientCacheConfig.persistent(size, dir, "bench"));
        } else {
            cache = ClientCache.open(ClientCacheConfig.transientCache(size));
        }
        record = new byte[500];
        new Random(1).nextBytes(record);
        t1 = Tid.fromHex("03f8e1c2a4b5c6d7");
        t2 = t1.next().next();
        for (int i = 0; i < OBJECTS; i++) {
            cache.store(Oid.of(i), t1, t2, record);
            cache.store(Oid.of(i), t2, null, record);
        }
        cache.setLastTid(t2);
        nextTid = t2.next().next().value();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        cache.close();
        if (dir != null) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Benchmark
    public CacheEntry hitCurrent() {
        return cache.loadBefore(Oid.of(random.nextInt(OBJECTS)), Tid.MAX);
    }

    @Benchmark
    public CacheEntry hitNonCurrent() {
        return cache.loadBefore(Oid.of(random.nextInt(OBJECTS)), t2);
    }

    @Benchmark
    public CacheEntry miss() {
        return cache.loadBefore(Oid.of(OBJECTS + random.nextInt(OBJECTS)), Tid.MAX);
    }

    @Benchmark
    public Tid storeInvalidate() {
        Oid oid = Oid.of(random.nextInt(OBJECTS));
        Tid tid = Tid.of(nextTid++);
        cache.invalidate(oid, tid);
        cache.store(oid, tid, null, record);
        return tid;
    }
}
