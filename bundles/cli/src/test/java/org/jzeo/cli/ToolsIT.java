package org.jzeo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;
import org.jzeo.protocol.Values;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** zeopack, zeoup, fstest and fsdump as real processes. */
class ToolsIT {
    @TempDir
    Path dir;

    private final List<CliProcess> started = new ArrayList<>();

    @AfterEach
    void stopAll() throws InterruptedException {
        for (CliProcess p : started) {
            p.close();
        }
    }

    private int startServer(String... args) throws Exception {
        CliProcess p = CliProcess.start(dir, args);
        started.add(p);
        return Integer.parseInt(p.awaitOut(RunZeoIT.READY, CliProcess.START).group(3));
    }

    @Test
    void zeopackShrinksTheFile() throws Exception {
        Path data = dir.resolve("Data.fs");
        int port = startServer("runzeo", "-f", data.toString(), "-a", "127.0.0.1:0");
        byte[] root = Oid.ROOT.toBytes();
        try (RawClient c = new RawClient(port)) {
            c.call("register", "1", false);
            Tid serial = Tid.ZERO;
            for (int i = 0; i < 6; i++) {
                serial = c.store(root, serial, RawClient.record(20_000));
            }
        }
        long before = Files.size(data);
        assertTrue(before > 6 * 20_000, "six revisions written: " + before);

        CliProcess pack = CliProcess.run(dir, "zeopack", "-p", String.valueOf(port), "-S", "1");
        assertEquals(0, pack.exitValue(), pack.err().toString());
        assertTrue(pack.out().get(0).startsWith("zeopack: packed storage '1' on 127.0.0.1:" + port), pack.out().toString());
        long after = Files.size(data);
        assertTrue(after < before / 3, "packed from " + before + " to " + after);

        // The current revision survived the pack.
        try (RawClient c = new RawClient(port)) {
            c.call("register", "1", true);
            Object r = c.call("loadBefore", root, Tid.MAX.toBytes());
            assertEquals(RawClient.record(20_000).length, Values.bytes(Values.sequence(r).get(0)).length);
        }

        // --no-gc reaches a jzeo server through jzeo_pack: no warning, the pack runs.
        CliProcess noGc = CliProcess.run(dir, "zeopack", "-p", String.valueOf(port), "-S", "1", "--no-gc");
        assertEquals(0, noGc.exitValue(), noGc.err().toString());
        assertTrue(noGc.err().stream().noneMatch(l -> l.contains("--no-gc")), noGc.err().toString());

        CliProcess unknown = CliProcess.run(dir, "zeopack", "-p", String.valueOf(port), "-S", "nope");
        assertEquals(2, unknown.exitValue());
        assertEquals(1, unknown.err().size(), unknown.err().toString());
    }

    @Test
    void zeoupExitCodes() throws Exception {
        Path sock = dir.resolve("zeo.sock");
        int port = startServer("runzeo", "-f", "Data.fs", "-a", "127.0.0.1:0");
        String p = String.valueOf(port);

        CliProcess up = CliProcess.run(dir, "zeoup", "-p", p);
        assertEquals(0, up.exitValue(), up.err().toString());
        assertTrue(up.out().get(0).contains("is up"), up.out().toString());

        CliProcess write = CliProcess.run(dir, "zeoup", "-p", p, "--write");
        assertEquals(0, write.exitValue(), write.err().toString());
        assertTrue(write.out().get(0).contains("committed"), write.out().toString());
        try (RawClient c = new RawClient(port)) {
            c.call("register", "1", true);
            assertTrue(Values.tid(c.call("lastTransaction")).compareTo(Tid.ZERO) > 0, "the empty transaction is there");
        }

        CliProcess unknownStorage = CliProcess.run(dir, "zeoup", "-p", p, "-S", "nope");
        assertEquals(1, unknownStorage.exitValue());

        // A read-only server over a Unix socket: reading works, writing is exit status 2.
        CliProcess ro = CliProcess.start(dir, "runzeo", "-f", "ro.fs", "-a", sock.toString(), "-r");
        started.add(ro);
        ro.awaitOut(java.util.regex.Pattern.compile("runzeo ready: .* on " + java.util.regex.Pattern.quote(sock.toString())),
                CliProcess.START);
        assertEquals(0, CliProcess.run(dir, "zeoup", "-U", sock.toString()).exitValue());
        CliProcess roWrite = CliProcess.run(dir, "zeoup", "-U", sock.toString(), "--write");
        assertEquals(2, roWrite.exitValue(), roWrite.out() + " " + roWrite.err());
        assertEquals(1, roWrite.err().size(), roWrite.err().toString());

        // Stopped servers: exit status 1.
        for (CliProcess s : started) {
            s.signal("TERM");
            assertEquals(0, s.awaitExit(CliProcess.START));
        }
        CliProcess down = CliProcess.run(dir, "zeoup", "-p", p);
        assertEquals(1, down.exitValue());
        assertEquals(List.of("zeoup: cannot reach 127.0.0.1:" + port + ": connection refused"), down.err());
        assertEquals(1, CliProcess.run(dir, "zeoup", "-U", sock.toString()).exitValue());
    }

    @Test
    void fstestAndFsdump() throws Exception {
        Path fixtures = Path.of(System.getProperty("jzeo.fixtures"), "datafs");
        CliProcess good = CliProcess.run(dir, "fstest", fixtures.resolve("basic.fs").toString());
        assertEquals(0, good.exitValue(), good.err().toString());
        assertEquals(List.of(), good.err());

        CliProcess bad = CliProcess.run(dir, "fstest", fixtures.resolve("corrupt.fs").toString());
        assertEquals(1, bad.exitValue());
        assertEquals(1, bad.err().size(), bad.err().toString());
        assertTrue(bad.err().get(0).startsWith(fixtures.resolve("corrupt.fs") + " "), bad.err().get(0));

        assertEquals(1, CliProcess.run(dir, "fstest", "missing.fs").exitValue());

        CliProcess dump = CliProcess.run(dir, "fsdump", fixtures.resolve("basic.fs").toString());
        assertEquals(0, dump.exitValue(), dump.err().toString());
        assertEquals(Files.readAllLines(fixtures.resolve("basic.fsdump.txt")), dump.out());
        assertEquals(1, CliProcess.run(dir, "fsdump", "missing.fs").exitValue());
    }
}
