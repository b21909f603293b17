package org.jzeo.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jzeo.api.ConflictError;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.Tuple;
import org.jzeo.protocol.Values;
import java.nio.file.Path;
import org.jzeo.storage.FileStorage;
import org.jzeo.storage.FileStorageConfig;
import org.jzeo.storage.MemoryStorage;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Rule S3 under load, with real clients on 127.0.0.1 for a bounded time: writers commit while
 * readers load and ask for lastTransaction. A reader must never receive a reply built from a
 * transaction T of another client before it has received the invalidation for T: not a load whose
 * revision starts at T (the load-vs-invalidation race, ZEO #155), and not a lastTransaction of T
 * (ZEO #166). The same test against a server whose S3 is deliberately broken must find violations,
 * which proves the check can fail.
 */
@Timeout(60)
class InvalidationOrderRaceTest {
    private static final int WRITERS = 2;
    private static final int READERS = 3;
    private static final long RUN_MILLIS = 1500;
    private static final int MAX_COMMITS_PER_WRITER = 400;

    @TempDir
    Path dir;

    @Test
    void readersNeverSeeStateBeforeItsInvalidation() throws Exception {
        List<String> violations = run(Set.of(), MemoryStorage.create("1"));
        assertEquals(List.of(), violations.subList(0, Math.min(10, violations.size())));
    }

    @Test
    void theCheckFailsWhenRuleS3IsBroken() throws Exception {
        List<String> violations = run(Set.of("S3"), MemoryStorage.create("1"));
        assertTrue(!violations.isEmpty(), "a server that queues invalidations late must be caught");
    }

    /** The same on a FileStorage, whose group commit lets the next voter go before the force. */
    @Test
    void readersNeverSeeStateBeforeItsInvalidationWithGroupCommit() throws Exception {
        List<String> violations = run(Set.of(), FileStorage.open(FileStorageConfig.of("1", dir.resolve("Data.fs"))));
        assertEquals(List.of(), violations.subList(0, Math.min(10, violations.size())));
    }

    @Test
    void theCheckFailsWhenRuleS3IsBrokenWithGroupCommit() throws Exception {
        List<String> violations = run(Set.of("S3"), FileStorage.open(FileStorageConfig.of("1", dir.resolve("Data.fs"))));
        assertTrue(!violations.isEmpty(), "a server that queues invalidations late must be caught");
    }

    /**
     * The other half of S3: an invalidation for T is delivered only once T is visible, so a
     * client that heard of T before sending a load gets T's state (or later), never the older
     * revision it would then cache as current. Proven able to fail by delivering early.
     */
    @Test
    void aLoadSentAfterAnInvalidationSeesItsTransaction() throws Exception {
        List<String> violations = run(Set.of(), FileStorage.open(FileStorageConfig.of("1", dir.resolve("Data.fs"))));
        assertEquals(List.of(), violations.subList(0, Math.min(10, violations.size())));
        List<String> memory = run(Set.of(), MemoryStorage.create("1"));
        assertEquals(List.of(), memory.subList(0, Math.min(10, memory.size())));
    }

    @Test
    void theCheckFailsWhenInvalidationsAreDeliveredBeforeTheirTransactionIsVisible() throws Exception {
        List<String> violations = run(Set.of("S3-deliver-early"), MemoryStorage.create("1"));
        assertTrue(violations.stream().anyMatch(v -> v.startsWith("stale")),
                "a server that delivers invalidations early must be caught: " + violations.size());
    }

    private List<String> run(Set<String> broken, org.jzeo.api.Storage storage) throws Exception {
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS + READERS);
        try (StorageServer server = new StorageServer(ServerConfig.builder().address("127.0.0.1:0").build(),
                Map.of("1", storage), broken).start()) {
            AtomicBoolean stop = new AtomicBoolean();
            List<Future<?>> tasks = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                Oid oid = Oid.of(w + 1);
                tasks.add(pool.submit(() -> write(server.port(), oid, stop, violations)));
            }
            for (int r = 0; r < READERS; r++) {
                tasks.add(pool.submit(() -> read(server.port(), stop, violations)));
            }
            Thread.sleep(RUN_MILLIS);
            stop.set(true);
            for (Future<?> f : tasks) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            storage.close();
        }
        return violations;
    }

    /** Commits in a loop; its own finish reply must come before any invalidation after its tid. */
    private static Void write(int port, Oid oid, AtomicBoolean stop, List<String> violations) throws Exception {
        try (WireClient c = new WireClient(port)) {
            c.call("register", "1", 0L);
            Tid serial = Tid.ZERO;
            for (int i = 0; i < MAX_COMMITS_PER_WRITER && !stop.get(); i++) {
                long txn = i + 1;
                c.async("tpc_begin", txn, "w".getBytes(), ("commit " + i).getBytes(), Map.of(), null, " ");
                c.async("storea", oid.toBytes(), serial.toBytes(), ("value " + i).getBytes(), txn);
                try {
                    c.call("vote", txn);
                    c.callbacks.clear();
                    serial = Tid.of((byte[]) c.call("tpc_finish", txn));
                    for (Message cb : c.callbacks) {
                        if (cb.method().equals("invalidateTransaction") && Values.tid(cb.arg(0)).compareTo(serial) > 0) {
                            violations.add("own finish " + serial + " answered after invalidation " + Values.tid(cb.arg(0)));
                        }
                    }
                } catch (ConflictError e) {
                    c.call("tpc_abort", txn);
                    serial = e.currentSerial();
                }
                c.callbacks.clear();
            }
        }
        return null;
    }

    private static Void read(int port, AtomicBoolean stop, List<String> violations) throws Exception {
        try (WireClient c = new WireClient(port)) {
            Tid registered = Tid.of((byte[]) c.call("register", "1", 1L));
            Tid seen = registered; // highest tid this client has been told about
            java.util.Map<Oid, Tid> heard = new java.util.HashMap<>(); // per oid, the last invalidation received
            long n = 0;
            while (!stop.get() && n < 100_000) {
                n++;
                Oid oid = Oid.of(1 + n % WRITERS);
                // Invalidations received before this request was sent (not those arriving meanwhile).
                Tid mustSee = heard.get(oid);
                boolean load = n % 3 != 0;
                Message reply = !load ? c.callRaw("lastTransaction")
                        : c.callRaw("loadBefore", oid.toBytes(), Tid.MAX.toBytes());
                // Callbacks received before this reply, in order.
                for (Message cb : c.callbacks) {
                    if (cb.method().equals("invalidateTransaction")) {
                        Tid t = Values.tid(cb.arg(0));
                        if (t.compareTo(seen) > 0) {
                            seen = t;
                        }
                        for (Object o : Values.sequence(cb.arg(1))) {
                            heard.merge(Values.oid(o), t, (a, b) -> a.compareTo(b) >= 0 ? a : b);
                        }
                    }
                }
                c.callbacks.clear();
                if (reply.isError()) {
                    continue; // the object may not exist yet
                }
                Tid state;
                if (reply.args() instanceof byte[] last) {
                    state = Tid.of(last);
                } else if (reply.args() instanceof Tuple t) {
                    state = Values.tid(t.get(1));
                } else {
                    continue;
                }
                if (load && mustSee != null && state.compareTo(mustSee) < 0) {
                    violations.add("stale: " + oid + " loaded at " + state + " after hearing of " + mustSee);
                }
                if (state.compareTo(seen) > 0) {
                    violations.add("reply from state " + state + " before its invalidation (last seen " + seen + ")");
                }
            }
        }
        return null;
    }
}
