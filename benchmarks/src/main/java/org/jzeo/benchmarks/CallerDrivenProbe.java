package org.jzeo.benchmarks;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jzeo.api.Oid;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.client.ClientConfig;
import org.jzeo.client.ClientStorage;
import org.jzeo.protocol.FrameIO;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.Tuple;

/**
 * How close {@link ClientStorage} comes to a bare client whose calling thread does its own I/O,
 * measured against the same server in the same run. This probe's caller writes the request and
 * reads the reply itself on a blocking socket; it keeps no cache and hears no invalidations, so it
 * is a measurement, not a client. ClientStorage's direct I/O (the default) works the same way
 * with a cache, invalidations and concurrent callers; with {@code -Djzeo.client.io=netty} every
 * call goes through the Netty event loop (two more thread hand-offs per round trip), and the probe
 * shows what that costs.
 *
 * <p>Per round (two seconds per figure, bounded): closed-loop cold loads (ClientStorage: fresh
 * clients; probe: {@code loadBefore}) and commits of one 500-byte object (tpc_begin, storea, vote,
 * tpc_finish), each figure for both, one after the other.
 *
 * <pre>java -cp benchmarks/target/jzeo-benchmarks.jar org.jzeo.benchmarks.CallerDrivenProbe HOST:PORT [ROUNDS]</pre>
 */
public final class CallerDrivenProbe {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final long PHASE_NANOS = 2_000_000_000L;

    private final String host;
    private final int port;
    private long nextId = 1;

    CallerDrivenProbe(String address) {
        int colon = address.lastIndexOf(':');
        this.host = address.substring(0, colon);
        this.port = Integer.parseInt(address.substring(colon + 1));
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: CallerDrivenProbe HOST:PORT [ROUNDS]");
            System.exit(2);
        }
        new CallerDrivenProbe(args[0]).run(args.length > 1 ? Integer.parseInt(args[1]) : 3, 2000, System.out);
    }

    /** {@code rounds} rounds over {@code objects} objects written first; one line per round. */
    void run(int rounds, int objects, PrintStream out) throws IOException {
        List<Oid> oids = writeObjects(objects);
        for (int r = 0; r < rounds; r++) {
            double csLoads = clientStorageLoads(oids);
            double probeLoads = probeLoads(oids);
            double csCommits = clientStorageCommits();
            double probeCommits = probeCommits();
            out.printf(Locale.ROOT,
                    "round %d: cold loads ClientStorage %.0f/s, caller-driven %.0f/s (%.2fx); commits ClientStorage"
                            + " %.0f/s, caller-driven %.0f/s (%.2fx)%n",
                    r, csLoads, probeLoads, probeLoads / csLoads, csCommits, probeCommits, probeCommits / csCommits);
        }
    }

    private ClientStorage client() {
        return ClientStorage.open(ClientConfig.builder(host + ":" + port).waitTimeout(TIMEOUT).build());
    }

    private List<Oid> writeObjects(int count) {
        try (ClientStorage c = client()) {
            List<Oid> oids = c.newOids(count);
            StorageTransaction t = c.tpcBegin(TransactionMetaData.of("probe", "objects"));
            byte[] data = new byte[500];
            for (Oid oid : oids) {
                t.store(oid, Tid.ZERO, data);
            }
            t.vote();
            t.finish();
            return oids;
        }
    }

    private double clientStorageLoads(List<Oid> oids) {
        long n = 0;
        long start = System.nanoTime();
        while (System.nanoTime() - start < PHASE_NANOS) {
            try (ClientStorage c = client()) { // a fresh, empty cache: every load goes to the server
                for (Oid oid : oids) {
                    c.load(oid);
                }
            }
            n += oids.size();
        }
        return n * 1e9 / (System.nanoTime() - start);
    }

    private double probeLoads(List<Oid> oids) throws IOException {
        long n = 0;
        long start = System.nanoTime();
        try (FrameIO io = connect(1L)) {
            byte[] max = Tid.MAX.toBytes();
            while (System.nanoTime() - start < PHASE_NANOS) {
                for (Oid oid : oids) {
                    call(io, "loadBefore", oid.toBytes(), max);
                }
                n += oids.size();
            }
        }
        return n * 1e9 / (System.nanoTime() - start);
    }

    private double clientStorageCommits() {
        long n = 0;
        long start = System.nanoTime();
        try (ClientStorage c = client()) {
            Oid oid = c.newOids(1).get(0);
            Tid serial = Tid.ZERO;
            byte[] data = new byte[500];
            while (System.nanoTime() - start < PHASE_NANOS) {
                StorageTransaction t = c.tpcBegin(TransactionMetaData.of("probe", "commit"));
                t.store(oid, serial, data);
                t.vote();
                serial = t.finish();
                n++;
            }
        }
        return n * 1e9 / (System.nanoTime() - start);
    }

    private double probeCommits() throws IOException {
        long n = 0;
        long start = System.nanoTime();
        try (FrameIO io = connect(0L)) {
            Object fresh = call(io, "new_oids", 1L);
            byte[] oid = (byte[]) (fresh instanceof Tuple t ? t.get(0) : ((List<?>) fresh).get(0));
            byte[] serial = Tid.ZERO.toBytes();
            byte[] data = new byte[500];
            long txn = 1;
            while (System.nanoTime() - start < PHASE_NANOS) {
                // as ClientStorage does: tpc_begin and storea are one-way and leave before the vote
                io.send(Message.async("tpc_begin", txn, "probe".getBytes(), "commit".getBytes(), Map.of(), null, " "));
                io.send(Message.async("storea", oid, serial, data, txn));
                call(io, "vote", txn);
                serial = (byte[]) call(io, "tpc_finish", txn);
                txn++;
                n++;
            }
        }
        return n * 1e9 / (System.nanoTime() - start);
    }

    private FrameIO connect(long readOnly) throws IOException {
        FrameIO io = FrameIO.connect(host, port, TIMEOUT);
        io.clientHandshake(TIMEOUT);
        call(io, "register", "1", readOnly);
        return io;
    }

    /** One sync call: the caller sends it and reads frames until its reply (one-way callbacks are dropped). */
    private Object call(FrameIO io, String method, Object... args) throws IOException {
        long id = nextId++;
        io.send(Message.call(id, method, args));
        while (true) {
            Message m = io.receive(TIMEOUT);
            if (m.isReply() && Objects.equals(m.msgid(), id)) {
                if (m.isError()) {
                    throw new IOException(method + " failed: " + m.toException());
                }
                return m.args();
            }
        }
    }
}
