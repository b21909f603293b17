package org.jzeo.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jzeo.api.Oid;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.client.ClientConfig;
import org.jzeo.client.ClientStorage;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * End-to-end load generator for any ZEO 5 server (jzeo or Python ZEO, M5 or Z5), through jzeo's
 * {@link ClientStorage}. Prints one {@code metric value unit} line per figure (issue 9's names).
 *
 * <pre>bin/zeo-bench HOST:PORT [--clients N] [--duration SECONDS] [--objects N] [--storage NAME]</pre>
 *
 * <p>Every "client" is one {@link ClientStorage} (its own TCP connection, cache and I/O thread)
 * in this one JVM; {@code --clients} connections run the {@code concurrent} figures, one runs the
 * {@code single} figures. {@code --duration} is the time budget of the timed phases together
 * (default 20 s, split between them); the set-up write of {@code --objects} objects and the cold
 * loads come on top, each bounded too, so a default run stays well under a minute.
 *
 * <p>{@code inval_latency_*} is the time from the moment one client sends {@code tpc_finish}
 * (its {@code finish()} is called, vote done) to the moment another client's listener receives the
 * invalidation: it includes the server's durable write of the transaction (the invalidation must
 * not leave before it, rule S4), one transaction at a time.
 *
 * <p>Each commit phase starts after five untimed seconds of the same commits (a quarter of
 * {@code --duration} when that is shorter), so that its figures are those of compiled code: the
 * JIT otherwise sets the p99 on its own.
 *
 * <p>Before the cold loads an untimed throwaway client loads every object once (JIT warm-up);
 * the timed cold clients start with empty caches.
 *
 * <p>{@code load_cold_pipelined_rate} is {@link ClientStorage#prefetch} of every object by fresh
 * clients: up to 256 {@code loadBefore} requests in flight, replies decoded and cached.
 */
@Command(name = "zeo-bench", mixinStandardHelpOptions = true,
        description = "End-to-end ZEO 5 benchmark through jzeo's ClientStorage; prints 'metric value unit' lines.")
public final class ZeoBench implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "HOST:PORT", description = "the server address")
    String address;

    @Option(names = "--clients", description = "connections of the concurrent figures (default ${DEFAULT-VALUE})")
    int clients = 2;

    @Option(names = "--duration", description = "seconds for the timed phases together (default ${DEFAULT-VALUE})")
    double duration = 20;

    @Option(names = "--objects", description = "objects written first, then loaded cold and warm (default ${DEFAULT-VALUE})")
    int objects = 5000;

    @Option(names = "--storage", description = "storage name (default ${DEFAULT-VALUE})")
    String storage = "1";

    private final Random random = new Random(20261126);
    private final List<ClientStorage> open = new ArrayList<>();

    /** Where the {@code metric value unit} lines go. */
    private final java.io.PrintStream out;

    public ZeoBench() {
        this(System.out);
    }

    ZeoBench(java.io.PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ZeoBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (clients < 1 || objects < 1 || duration <= 0) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--clients, --objects and --duration must be positive");
        }
        long phase = (long) (duration * 1e9);
        try {
            ClientStorage writer = client();
            List<Oid> oids = populate(writer);
            Map<String, Object> before = writer.serverStatus();

            // commits, after five untimed seconds of them: the first ten thousand or so commits
            // run while the JIT compiles the commit path on both sides (on two cores, next to
            // it); with two seconds, most commits over 1 ms still fell in the timed phase
            long commitWarmUp = Math.min(TimeUnit.SECONDS.toNanos(5), phase / 4);
            commits(List.of(writer), commitWarmUp);
            Result single = commits(List.of(writer), phase * 25 / 100);
            line("commit_single_tps", single.rate(), "txn/s");
            line("commit_single_latency_p50", single.percentileMs(50), "ms");
            line("commit_single_latency_p99", single.percentileMs(99), "ms");
            List<ClientStorage> committers = new ArrayList<>();
            committers.add(writer);
            while (committers.size() < clients) {
                committers.add(client());
            }
            // ... and as long again of concurrent commits: they take paths one committer never
            // does (a vote waiting for the other's commit lock, queued strand tasks, invalidations
            // read inside a call), which the JIT compiles only now. Without this the two-client
            // p99 was 2.1-2.9 ms, with it 0.88-0.98 ms (two alternating pairs of runs).
            commits(committers, commitWarmUp);
            Result concurrent = commits(committers, phase * 25 / 100);
            line("commit_concurrent_tps", concurrent.rate(), "txn/s");
            line("commit_concurrent_latency_p50", concurrent.percentileMs(50), "ms");
            line("commit_concurrent_latency_p99", concurrent.percentileMs(99), "ms");
            Map<String, Object> after = writer.serverStatus();
            double forces = number(after, "forces") - number(before, "forces");
            double commits = number(after, "commits") - number(before, "commits");
            if (Double.isNaN(forces)) {
                System.err.println("note: the server reports no 'forces' (not a jzeo server); fsyncs_per_commit unknown");
            }
            line("fsyncs_per_commit", commits > 0 ? forces / commits : Double.NaN, "forces/txn");
            // The server's own force times (jzeo only; since the storage opened): the floor under
            // the commit latencies above.
            line("server_force_p50", number(after, "force_p50_us") / 1000, "ms");
            line("server_force_p99", number(after, "force_p99_us") / 1000, "ms");

            // cold loads: fresh clients, empty caches, each object once
            long coldBudget = Math.max(phase * 10 / 100, TimeUnit.SECONDS.toNanos(5));
            // Untimed warm-up: a throwaway client loads every object once, so the timed cold
            // passes measure the steady state (compiled code on both sides), not the JIT.
            try (ClientStorage warmUp = client()) {
                loads(List.of(warmUp), oids, coldBudget);
            }
            List<ClientStorage> lastSingle = new ArrayList<>();
            Result coldSingle = coldRounds(1, oids, coldBudget, lastSingle);
            ClientStorage cold = lastSingle.get(0);
            line("load_cold_single_rate", coldSingle.rate(), "loads/s");
            Result coldConcurrent = coldRounds(clients, oids, coldBudget, new ArrayList<>());
            line("load_cold_concurrent_rate", coldConcurrent.rate(), "loads/s");
            line("load_cold_pipelined_rate", pipelined(oids, coldBudget), "loads/s");

            // warm loads: the single cold client again, now answered by its cache. The rounds of
            // fresh clients before leave their caches as garbage: collect it first, or the tight
            // loop below measures the collector (JMH's -gc does the same between iterations).
            System.gc();
            line("load_warm_single_rate", warm(cold, oids, phase * 10 / 100), "loads/s");

            // invalidation latency: a committer sending tpc_finish -> another client's listener
            Result inval = invalidations(writer, cold, phase * 15 / 100);
            line("inval_latency_p50", inval.percentileMs(50), "ms");
            line("inval_latency_p99", inval.percentileMs(99), "ms");
            return 0;
        } finally {
            for (ClientStorage c : open) {
                try {
                    c.close();
                } catch (RuntimeException e) {
                    // closing is best effort
                }
            }
        }
    }

    private void line(String metric, double value, String unit) {
        out.printf(java.util.Locale.ROOT, "%s %s %s%n", metric, format(value), unit);
        out.flush();
    }

    private static String format(double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        return v >= 100 ? String.format(java.util.Locale.ROOT, "%.0f", v)
                : String.format(java.util.Locale.ROOT, "%.3f", v);
    }

    private static double number(Map<String, Object> status, String key) {
        Object v = status.get(key);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private ClientStorage client() {
        ClientStorage c = ClientStorage.open(ClientConfig.builder(address).storage(storage)
                .cacheSize(Math.max(ClientConfig.DEFAULT_CACHE_SIZE, (long) objects * 2048))
                .waitTimeout(Duration.ofSeconds(10)).build());
        open.add(c);
        return c;
    }

    private byte[] payload(int size) {
        byte[] b = new byte[size];
        random.nextBytes(b);
        return b;
    }

    /** Writes {@code objects} new objects of 100–1000 bytes, 1000 per transaction. */
    private List<Oid> populate(ClientStorage c) {
        List<Oid> oids = new ArrayList<>(objects);
        for (int start = 0; start < objects; start += 1000) {
            int n = Math.min(1000, objects - start);
            List<Oid> batch = c.newOids(n);
            StorageTransaction t = c.tpcBegin(TransactionMetaData.of("zeo-bench", "populate"));
            for (Oid oid : batch) {
                t.store(oid, Tid.ZERO, payload(100 + random.nextInt(901)));
            }
            t.vote();
            t.finish();
            oids.addAll(batch);
        }
        return oids;
    }

    /** Latencies (ns) and the wall time they were collected in. */
    record Result(long[] latencies, long count, long nanos) {
        double rate() {
            return nanos == 0 ? Double.NaN : count * 1e9 / nanos;
        }

        double percentileMs(int p) {
            if (latencies.length == 0) {
                return Double.NaN;
            }
            long[] s = latencies.clone();
            Arrays.sort(s);
            int i = (int) Math.ceil(p / 100.0 * s.length) - 1;
            return s[Math.max(0, Math.min(s.length - 1, i))] / 1e6;
        }
    }

    /** Per committer: its own objects, so that concurrent committers never conflict. */
    private static final class Committer {
        final ClientStorage client;
        final Oid[] oids;
        final Tid[] serials;
        final Random random;
        final List<byte[]> payloads = new ArrayList<>();

        Committer(ClientStorage client, int seed) {
            this.client = client;
            this.oids = client.newOids(200).toArray(Oid[]::new);
            this.serials = new Tid[oids.length];
            Arrays.fill(serials, Tid.ZERO);
            this.random = new Random(seed);
            for (int i = 0; i < 64; i++) {
                byte[] b = new byte[100 + random.nextInt(901)];
                random.nextBytes(b);
                payloads.add(b);
            }
        }

        /** One transaction of 1–10 objects of 100–1000 bytes; returns its latency in ns. */
        long commit() {
            int n = 1 + random.nextInt(10);
            int base = random.nextInt(oids.length);
            long t0 = System.nanoTime();
            StorageTransaction t = client.tpcBegin(TransactionMetaData.of("zeo-bench", "commit"));
            for (int k = 0; k < n; k++) {
                int i = (base + k) % oids.length;
                t.store(oids[i], serials[i], payloads.get(random.nextInt(payloads.size())));
            }
            t.vote();
            Tid tid = t.finish();
            long dt = System.nanoTime() - t0;
            for (int k = 0; k < n; k++) {
                serials[(base + k) % oids.length] = tid;
            }
            return dt;
        }
    }

    private Result commits(List<ClientStorage> cs, long nanos) throws Exception {
        List<Committer> committers = new ArrayList<>();
        for (int i = 0; i < cs.size(); i++) {
            Committer c = new Committer(cs.get(i), 100 + i);
            for (int w = 0; w < 20; w++) {
                c.commit(); // warm-up
            }
            committers.add(c);
        }
        ExecutorService pool = Executors.newFixedThreadPool(committers.size());
        try {
            long start = System.nanoTime();
            long deadline = start + nanos;
            List<Future<long[]>> fs = new ArrayList<>();
            for (Committer c : committers) {
                fs.add(pool.submit(() -> {
                    long[] lat = new long[1024];
                    int n = 0;
                    while (System.nanoTime() < deadline) {
                        if (n == lat.length) {
                            lat = Arrays.copyOf(lat, n * 2);
                        }
                        lat[n++] = c.commit();
                    }
                    return Arrays.copyOf(lat, n);
                }));
            }
            List<long[]> all = new ArrayList<>();
            for (Future<long[]> f : fs) {
                all.add(f.get(nanos + TimeUnit.SECONDS.toNanos(30), TimeUnit.NANOSECONDS));
            }
            long elapsed = System.nanoTime() - start;
            long[] merged = all.stream().flatMapToLong(Arrays::stream).toArray();
            return new Result(merged, merged.length, elapsed);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Each client loads every object once (shuffled), stopping at the budget. */
    private Result loads(List<ClientStorage> cs, List<Oid> oids, long budget) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(cs.size());
        try {
            long start = System.nanoTime();
            long deadline = start + budget;
            List<Future<Long>> fs = new ArrayList<>();
            for (int i = 0; i < cs.size(); i++) {
                ClientStorage c = cs.get(i);
                List<Oid> order = new ArrayList<>(oids);
                Collections.shuffle(order, new Random(i));
                fs.add(pool.submit(() -> {
                    long n = 0;
                    for (Oid oid : order) {
                        c.load(oid);
                        n++;
                        if ((n & 63) == 0 && System.nanoTime() > deadline) {
                            break;
                        }
                    }
                    return n;
                }));
            }
            long total = 0;
            for (Future<Long> f : fs) {
                total += f.get(budget + TimeUnit.SECONDS.toNanos(30), TimeUnit.NANOSECONDS);
            }
            return new Result(new long[0], total, System.nanoTime() - start);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Rounds of {@code n} fresh clients (empty caches, connected before the clock starts) that
     * each load every object once, until about a second of loading was timed or the budget is
     * spent: one pass of a few thousand objects is too short to measure on a noisy machine.
     * Returns the total rate; the last round's clients stay open, in {@code last}.
     */
    private Result coldRounds(int n, List<Oid> oids, long budget, List<ClientStorage> last) throws Exception {
        long count = 0;
        long nanos = 0;
        long deadline = System.nanoTime() + budget;
        long minTimed = Math.min(budget, TimeUnit.SECONDS.toNanos(1));
        while (true) {
            List<ClientStorage> round = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                round.add(client());
            }
            Result r = loads(round, oids, Math.max(1, deadline - System.nanoTime()));
            count += r.count();
            nanos += r.nanos();
            if (nanos >= minTimed || System.nanoTime() >= deadline) {
                last.addAll(round);
                return new Result(new long[0], count, nanos);
            }
            round.forEach(ClientStorage::close);
        }
    }

    private double warm(ClientStorage c, List<Oid> oids, long nanos) {
        Oid[] a = oids.toArray(Oid[]::new);
        long start = System.nanoTime();
        long deadline = start + nanos;
        long n = 0;
        long sink = 0;
        int i = 0;
        while (true) {
            for (int k = 0; k < 1024; k++) {
                sink += c.load(a[i]).data().length;
                i = i + 1 == a.length ? 0 : i + 1;
            }
            n += 1024;
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        long elapsed = System.nanoTime() - start;
        if (sink == 42) {
            System.err.print("");
        }
        return n * 1e9 / elapsed;
    }

    /**
     * Fresh clients (empty caches, connected before the clock starts) each prefetch every object
     * ({@link ClientStorage#prefetch}: up to 256 requests in flight, 32 per write, replies cached),
     * in rounds until about a second was timed or the budget is spent.
     */
    private double pipelined(List<Oid> oids, long budget) {
        long count = 0;
        long nanos = 0;
        long deadline = System.nanoTime() + budget;
        long minTimed = Math.min(budget, TimeUnit.SECONDS.toNanos(1));
        while (nanos < minTimed && System.nanoTime() < deadline) {
            try (ClientStorage c = client()) {
                long start = System.nanoTime();
                count += c.prefetch(oids);
                nanos += System.nanoTime() - start;
            }
        }
        return nanos == 0 ? Double.NaN : count * 1e9 / nanos;
    }

    /** A committer commits small transactions one after another; a listener on another client times receipt. */
    private Result invalidations(ClientStorage committerClient, ClientStorage observer, long nanos) throws Exception {
        // The listener stamps the receipt; the committer parks until then (spinning for it would
        // take one of the machine's cores from the threads being measured).
        Map<Tid, Long> received = new ConcurrentHashMap<>();
        Object arrived = new Object();
        observer.addListener((s, txn, tid, oids) -> {
            if (txn == null) {
                received.put(tid, System.nanoTime());
                synchronized (arrived) {
                    arrived.notifyAll();
                }
            }
        });
        Committer c = new Committer(committerClient, 7);
        long[] lat = new long[1024];
        int n = 0;
        long start = System.nanoTime();
        long deadline = start + nanos;
        while (System.nanoTime() < deadline) {
            StorageTransaction t = committerClient.tpcBegin(TransactionMetaData.of("zeo-bench", "inval"));
            int i = c.random.nextInt(c.oids.length);
            t.store(c.oids[i], c.serials[i], c.payloads.get(0));
            t.vote();
            long sent = System.nanoTime(); // tpc_finish leaves now
            Tid tid = t.finish();
            long acked = System.nanoTime();
            c.serials[i] = tid;
            long waitUntil = acked + TimeUnit.SECONDS.toNanos(5);
            Long got;
            synchronized (arrived) {
                long left;
                while ((got = received.get(tid)) == null && (left = waitUntil - System.nanoTime()) > 0) {
                    TimeUnit.NANOSECONDS.timedWait(arrived, left);
                }
            }
            if (got == null) {
                throw new IllegalStateException("no invalidation for " + tid + " within 5 s");
            }
            if (n == lat.length) {
                lat = Arrays.copyOf(lat, n * 2);
            }
            lat[n++] = got - sent;
        }
        return new Result(Arrays.copyOf(lat, n), n, System.nanoTime() - start);
    }
}
