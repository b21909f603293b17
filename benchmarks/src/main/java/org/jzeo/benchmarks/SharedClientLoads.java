package org.jzeo.benchmarks;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jzeo.api.Oid;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.client.ClientConfig;
import org.jzeo.client.ClientStorage;

/**
 * Cold loads through <em>one</em> {@link ClientStorage} from several threads at once: what an
 * application server does with a shared client (the JCA adapter's loads all go through one). With
 * direct I/O the callers take turns reading the connection and hand each other their replies;
 * {@code -Djzeo.client.io=netty} gives the Netty event loop's figure for comparison.
 *
 * <p>Writes {@code OBJECTS} objects of 500 bytes first; then, per thread count and round, a fresh
 * client (empty cache) whose threads load every object once between them. Bounded by the object
 * count.
 *
 * <pre>java -cp benchmarks/target/jzeo-benchmarks.jar org.jzeo.benchmarks.SharedClientLoads HOST:PORT [OBJECTS] [ROUNDS] [THREADS...]</pre>
 */
public final class SharedClientLoads {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private SharedClientLoads() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: SharedClientLoads HOST:PORT [OBJECTS] [ROUNDS] [THREADS...]");
            System.exit(2);
        }
        int objects = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        List<Integer> threads = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            threads.add(Integer.parseInt(args[i]));
        }
        run(args[0], objects, rounds, threads.isEmpty() ? List.of(1, 4, 16) : threads, System.out);
    }

    /** Prints one line per thread count and round: {@code threads T round R: N cold loads/s}. */
    static void run(String address, int objects, int rounds, List<Integer> threadCounts, PrintStream out)
            throws InterruptedException {
        List<Oid> oids = write(address, objects);
        for (int threads : threadCounts) {
            for (int round = 0; round < rounds; round++) {
                out.printf(Locale.ROOT, "threads %d round %d: %.0f cold loads/s%n", threads, round,
                        loadAll(address, oids, threads));
            }
        }
    }

    private static ClientStorage client(String address) {
        return ClientStorage.open(ClientConfig.builder(address).waitTimeout(TIMEOUT)
                .cacheSize(256L * 1024 * 1024).build());
    }

    private static List<Oid> write(String address, int objects) {
        try (ClientStorage c = client(address)) {
            List<Oid> oids = c.newOids(objects);
            byte[] data = new byte[500];
            for (int i = 0; i < objects; i += 1000) {
                StorageTransaction t = c.tpcBegin(TransactionMetaData.of("bench", "shared client loads"));
                for (int j = i; j < Math.min(objects, i + 1000); j++) {
                    t.store(oids.get(j), Tid.ZERO, data);
                }
                t.vote();
                t.finish();
            }
            return oids;
        }
    }

    private static double loadAll(String address, List<Oid> oids, int threads) throws InterruptedException {
        try (ClientStorage c = client(address)) {
            AtomicInteger next = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> workers = new ArrayList<>();
            long start = System.nanoTime();
            for (int k = 0; k < threads; k++) {
                Thread t = new Thread(() -> {
                    try {
                        for (int i = next.getAndIncrement(); i < oids.size(); i = next.getAndIncrement()) {
                            c.load(oids.get(i));
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "shared-loads-" + k);
                workers.add(t);
                t.start();
            }
            for (Thread t : workers) {
                t.join();
            }
            long elapsed = System.nanoTime() - start;
            if (failure.get() != null) {
                throw new IllegalStateException("a loading thread failed", failure.get());
            }
            return oids.size() * 1e9 / elapsed;
        }
    }
}
