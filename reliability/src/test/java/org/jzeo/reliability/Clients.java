package org.jzeo.reliability;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.jzeo.api.LoadResult;
import org.jzeo.api.Oid;
import org.jzeo.api.Storage;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.client.ClientConfig;
import org.jzeo.client.ClientStorage;

/** Client helpers shared by the tortures. */
public final class Clients {
    private Clients() {
    }

    /** A quick-reconnecting client configuration. */
    static ClientConfig.Builder config(String... addresses) {
        return ClientConfig.builder(addresses).minDisconnectPoll(Duration.ofMillis(20))
                .maxDisconnectPoll(Duration.ofMillis(250)).waitTimeout(Duration.ofSeconds(20));
    }

    static ClientStorage open(String... addresses) {
        return ClientStorage.open(config(addresses).build());
    }

    static long status(ClientStorage c, String key) {
        Map<String, Object> m = c.serverStatus();
        Object v = m.get(key);
        if (!(v instanceof Number n)) {
            throw new AssertionError("server_status has no numeric '" + key + "': " + m.keySet());
        }
        return n.longValue();
    }

    /** One acknowledged write: {@code oid} has {@code data} at {@code tid}. */
    public record Ack(Oid oid, Tid tid, byte[] data) {
    }

    /** Asserts that {@code storage} holds the acknowledged revision (a later one may exist too). */
    static void assertPresent(Storage storage, Ack a) {
        LoadResult r = storage.loadBefore(a.oid(), a.tid().next());
        if (r == null || !r.start().equals(a.tid()) || !Arrays.equals(r.data(), a.data())) {
            throw new AssertionError("acknowledged commit lost: " + a.oid() + " at " + a.tid() + " -> "
                    + (r == null ? "nothing" : r.start() + " (" + r.data().length + " bytes)"));
        }
    }

    /**
     * Commits small transactions to objects of its own (1–3 of them, 100–300 bytes each) until
     * stopped or the connection fails; every transaction whose finish returned is recorded.
     */
    public static final class Committer implements Runnable {
        final ClientStorage client;
        final String label;
        public final Oid[] oids;
        public final Tid[] serials;
        final Random random;
        final ConcurrentLinkedQueue<Ack> acks;
        volatile boolean stop;
        volatile Throwable failure;
        volatile long commits;

        public Committer(ClientStorage client, String label, int objects, long seed, ConcurrentLinkedQueue<Ack> acks) {
            this.client = client;
            this.label = label;
            this.oids = client.newOids(objects).toArray(Oid[]::new);
            this.serials = new Tid[objects];
            Arrays.fill(serials, Tid.ZERO);
            this.random = new Random(seed);
            this.acks = acks;
        }

        /** One transaction; returns the acknowledgements (empty when it failed before finish returned). */
        public List<Ack> commitOnce() {
            int n = 1 + random.nextInt(3);
            int base = random.nextInt(oids.length);
            List<Ack> pending = new ArrayList<>(n);
            StorageTransaction t = client.tpcBegin(TransactionMetaData.of("reliability", label));
            try {
                for (int k = 0; k < n; k++) {
                    int i = (base + k) % oids.length;
                    byte[] data = payload(label + "/" + commits + "/" + k, 100 + random.nextInt(201));
                    t.store(oids[i], serials[i], data);
                    pending.add(new Ack(oids[i], null, data));
                }
                t.vote();
            } catch (RuntimeException e) {
                t.abort();
                throw e;
            }
            Tid tid = t.finish();
            List<Ack> done = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                serials[(base + k) % oids.length] = tid;
                done.add(new Ack(pending.get(k).oid(), tid, pending.get(k).data()));
            }
            acks.addAll(done);
            commits++;
            return done;
        }

        @Override
        public void run() {
            try {
                while (!stop) {
                    commitOnce();
                }
            } catch (Throwable e) {
                failure = e;
            }
        }
    }

    static byte[] payload(String text, int size) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(Math.max(size, t.length + 4));
        b.putInt(t.length).put(t);
        while (b.hasRemaining()) {
            b.put((byte) (b.position() * 31));
        }
        return b.array();
    }
}
