package org.jzeo.shell.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jzeo.api.Storage;
import org.jzeo.api.Tid;
import org.jzeo.protocol.FrameIO;
import org.jzeo.protocol.Message;
import org.jzeo.server.ServerAddress;
import org.jzeo.server.StorageServer;

/**
 * What the commands do, as plain Java (the command classes only look up services and call these),
 * so it can be tested without a Karaf.
 */
final class ZeoOps {
    private ZeoOps() {
    }

    /** A running server and the storage names it serves. */
    record Served(StorageServer server, String address, List<String> storages) {
    }

    /** Prints the {@code server_status} counters of every served storage (optionally one). */
    static int printStatus(List<Served> servers, String onlyStorage, PrintStream out) {
        int shown = 0;
        for (Served s : servers) {
            for (String name : s.storages()) {
                if (onlyStorage != null && !onlyStorage.equals(name)) {
                    continue;
                }
                out.println("server " + s.address() + " storage " + name);
                for (Map.Entry<String, Object> e : s.server().status(name).entrySet()) {
                    out.println("  " + e.getKey() + ": " + e.getValue());
                }
                shown++;
            }
        }
        if (shown == 0) {
            out.println(onlyStorage == null ? "no running jzeo server" : "no running server serves storage " + onlyStorage);
        }
        return shown;
    }

    /** Prints the number of registered clients of each served storage. */
    static int printClients(List<Served> servers, PrintStream out) {
        int total = 0;
        if (servers.isEmpty()) {
            out.println("no running jzeo server");
        }
        for (Served s : servers) {
            for (String name : s.storages()) {
                Object n = s.server().status(name).get("connections");
                long count = n instanceof Number x ? x.longValue() : 0;
                out.println(s.address() + " storage " + name + ": " + count + " client" + (count == 1 ? "" : "s"));
                for (org.jzeo.server.ClientInfo c : s.server().clients()) {
                    if (name.equals(c.storage())) {
                        out.println("  " + c.address() + (c.label() == null ? "" : " (" + c.label() + ")")
                                + (c.readOnly() ? " read-only" : "") + (c.inTransaction() ? " in a transaction" : "")
                                + " since " + c.connected());
                    }
                }
                total += (int) count;
            }
        }
        return total;
    }

    /**
     * Packs a storage as of {@code days} days ago (0 = now), as zeopack does; the storage's own
     * {@code pack-gc} setting decides about garbage collection.
     */
    static void pack(Storage storage, double days, PrintStream out) {
        if (days < 0) {
            throw new IllegalArgumentException("days must not be negative: " + days);
        }
        double packTime = System.currentTimeMillis() / 1000.0 - days * 86400.0;
        long before = storage.getSize();
        long t0 = System.nanoTime();
        storage.pack(packTime, true);
        out.printf("packed storage %s (%d -> %d bytes) in %d ms%n", storage.getName(), before, storage.getSize(),
                (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Checks that a ZEO server answers, like {@code zeoup}: connects, handshakes, registers
     * read-only on {@code storage} and asks for its last transaction.
     *
     * @return a one-line report
     * @throws IOException when the server does not answer or refuses the storage
     */
    static String up(String address, String storage, Duration timeout) throws IOException {
        ServerAddress a = ServerAddress.parse(address);
        if (a.isUnix()) {
            throw new IOException("zeo:up checks TCP addresses only: " + address);
        }
        long t0 = System.nanoTime();
        try (FrameIO io = FrameIO.connect(a.host(), a.port(), timeout)) {
            String protocol = io.clientHandshake(timeout);
            call(io, 1, timeout, "register", storage, true);
            Object last = call(io, 2, timeout, "lastTransaction");
            String tid = last instanceof byte[] b && b.length == 8 ? Tid.of(b).toHex() : String.valueOf(last);
            return String.format("%s is up: protocol %s, storage %s, last transaction %s, %d ms", a, protocol,
                    storage, tid, (System.nanoTime() - t0) / 1_000_000);
        }
    }

    private static Object call(FrameIO io, long id, Duration timeout, String method, Object... args) throws IOException {
        io.send(Message.call(id, method, args));
        while (true) {
            Message m = io.receive(timeout);
            if (m == null) {
                throw new IOException("the server closed the connection during " + method);
            }
            if (m.isReply() && Long.valueOf(id).equals(m.msgid())) {
                if (m.isError()) {
                    throw new IOException(method + " failed: " + m.args());
                }
                return m.args();
            }
            // one-way callbacks (invalidations, info) are ignored
        }
    }
}
