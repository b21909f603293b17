package org.jzeo.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jzeo.api.Oid;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.storage.FileStorage;
import org.jzeo.storage.FileStorageConfig;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * FileStorage commit (small transactions, each forced to disk before finish returns) and
 * loadBefore on a file of {@code objects} objects with several revisions each.
 *
 * <pre>java -jar benchmarks/target/jzeo-benchmarks.jar FileStorageBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class FileStorageBenchmark {
    /** Objects written per commit. */
    @Param({"1", "10"})
    public int objectsPerCommit;

    private static final int OBJECTS = 20_000;
    private static final int REVISIONS = 3;

    private Path dir;
    private FileStorage storage;
    private Tid[] serials;
    private Tid[] firstTids;
    private byte[] payload;
    private int next;
    private long forcesAtStart;
    private long commits;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("jzeo-bench");
        storage = FileStorage.open(FileStorageConfig.of("1", dir.resolve("Data.fs")));
        payload = new byte[500];
        new Random(42).nextBytes(payload);
        serials = new Tid[OBJECTS];
        firstTids = new Tid[OBJECTS];
        java.util.Arrays.fill(serials, Tid.ZERO);
        for (int rev = 0; rev < REVISIONS; rev++) {
            for (int start = 0; start < OBJECTS; start += 1000) {
                StorageTransaction t = storage.tpcBegin(TransactionMetaData.of("bench", "fill"));
                for (int i = start; i < start + 1000; i++) {
                    t.store(Oid.of(i + 1), serials[i], payload);
                }
                t.vote();
                Tid tid = t.finish();
                for (int i = start; i < start + 1000; i++) {
                    serials[i] = tid;
                    if (rev == 0) {
                        firstTids[i] = tid;
                    }
                }
            }
        }
        forcesAtStart = storage.forceCount();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        long forces = storage.forceCount() - forcesAtStart;
        System.out.printf("%nforces per commit: %.3f (%d forces, %d commits)%n",
                commits == 0 ? 0.0 : (double) forces / commits, forces, commits);
        storage.close();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** One small transaction of {@code objectsPerCommit} objects of 500 bytes, durable on return. */
    @Benchmark
    public Tid commit() {
        StorageTransaction t = storage.tpcBegin(TransactionMetaData.of("bench", "commit"));
        int base = next;
        for (int k = 0; k < objectsPerCommit; k++) {
            int i = (base + k) % OBJECTS;
            t.store(Oid.of(i + 1), serials[i], payload);
        }
        t.vote();
        Tid tid = t.finish();
        for (int k = 0; k < objectsPerCommit; k++) {
            serials[(base + k) % OBJECTS] = tid;
        }
        next = (base + objectsPerCommit) % OBJECTS;
        commits++;
        return tid;
    }

    /** loadBefore of an old revision (follows the prev chain) of a random object. */
    @Benchmark
    public void loadBeforeOld(Blackhole bh, RandomOid r) {
        int i = r.next();
        bh.consume(storage.loadBefore(Oid.of(i + 1), firstTids[i].next()));
    }

    /** loadBefore(MAX): the current revision of a random object. */
    @Benchmark
    public void loadCurrent(Blackhole bh, RandomOid r) {
        bh.consume(storage.loadBefore(Oid.of(r.next() + 1), Tid.MAX));
    }

    /** A per-thread random oid source. */
    @State(Scope.Thread)
    public static class RandomOid {
        private final Random random = new Random(7);

        int next() {
            return random.nextInt(OBJECTS);
        }
    }
}
