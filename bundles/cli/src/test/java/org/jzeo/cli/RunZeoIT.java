package org.jzeo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;
import org.jzeo.protocol.Values;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** runzeo as a real process: config files, signals, and the errors an operator meets. */
class RunZeoIT {
    static final Pattern READY = Pattern.compile("runzeo ready: pid (\\d+), storages \\[(.*)\\] on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    private final List<CliProcess> started = new ArrayList<>();

    @AfterEach
    void stopAll() throws InterruptedException {
        for (CliProcess p : started) {
            p.close();
        }
    }

    private CliProcess start(String... args) throws Exception {
        CliProcess p = CliProcess.start(dir, args);
        started.add(p);
        return p;
    }

    /** Starts runzeo and returns its port once it says it is ready. */
    private int startServer(CliProcess p) throws Exception {
        return Integer.parseInt(p.awaitOut(READY, CliProcess.START).group(3));
    }

    @Test
    void monitorAddressServesTheReport() throws Exception {
        int monitorPort;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            monitorPort = probe.getLocalPort();
        }
        Path conf = Files.writeString(dir.resolve("zeo.conf"), """
                <zeo>
                  address 127.0.0.1:0
                  monitor-address 127.0.0.1:%d
                </zeo>
                <mappingstorage 1>
                </mappingstorage>
                """.formatted(monitorPort));
        CliProcess server = start("runzeo", "-C", conf.toString());
        int port = startServer(server);
        try (RawClient c = new RawClient(port)) {
            c.call("register", "1", false);
            c.store(Oid.ROOT.toBytes(), Tid.ZERO, RawClient.record(10));
        }
        String report;
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", monitorPort)) {
            s.setSoTimeout(10_000);
            report = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        assertTrue(report.startsWith("ZEO monitor server version "), report);
        assertTrue(report.contains("Storage: 1"), report);
        assertTrue(report.contains("Commits: 1"), report);
        server.signal("TERM");
        assertEquals(0, server.awaitExit(CliProcess.START));
    }

    @Test
    void servesTwoStoragesFromAConfigFile() throws Exception {
        Path conf = Files.writeString(dir.resolve("zeo.conf"), """
                %define DATA data
                <zeo>
                  address 127.0.0.1:0
                  invalidation-queue-size 10
                </zeo>
                <filestorage 1>
                  path $DATA/one/Data.fs
                </filestorage>
                <mappingstorage 2>
                </mappingstorage>
                """);
        CliProcess server = start("runzeo", "-C", conf.toString());
        Matcher ready = server.awaitOut(READY, CliProcess.START);
        assertEquals("1, 2", ready.group(2));
        assertEquals(server.pid(), Long.parseLong(ready.group(1)));
        int port = Integer.parseInt(ready.group(3));
        assertTrue(Files.isRegularFile(dir.resolve("data/one/Data.fs")), "the missing directories were created");

        byte[] root = Oid.ROOT.toBytes();
        try (RawClient one = new RawClient(port); RawClient two = new RawClient(port)) {
            assertEquals(Tid.ZERO, Values.tid(one.call("register", "1", false)));
            assertEquals(Tid.ZERO, Values.tid(two.call("register", "2", false)));
            Tid t1 = one.store(root, Tid.ZERO, RawClient.record(10));
            Tid t2 = two.store(root, Tid.ZERO, RawClient.record(20));
            assertEquals(t1, Values.tid(one.call("lastTransaction")));
            assertEquals(t2, Values.tid(two.call("lastTransaction")));
            // Each storage has its own data: storage 2's record is the 20-byte one.
            List<Object> loaded = Values.sequence(two.call("loadBefore", root, Tid.MAX.toBytes()));
            assertEquals(RawClient.record(20).length, Values.bytes(loaded.get(0)).length);
        }
        server.signal("TERM");
        assertEquals(0, server.awaitExit(CliProcess.START));
    }

    @Test
    void sigtermExitsCleanlyReleasingTheLockAndThePidFile() throws Exception {
        Path pid = dir.resolve("zeo.pid");
        CliProcess first = start("runzeo", "-f", "Data.fs", "-a", "127.0.0.1:0", "--pid-file", pid.toString());
        int port = startServer(first);
        assertEquals(first.pid() + "", Files.readString(pid).trim());

        // A second server on the same Data.fs is refused: one line, non-zero.
        CliProcess second = CliProcess.run(dir, "runzeo", "-f", "Data.fs", "-a", "127.0.0.1:0");
        assertEquals(CliException.FAILURE, second.exitValue());
        assertEquals(1, second.err().size(), second.err().toString());
        assertTrue(second.err().get(0).startsWith("runzeo: cannot open storage '1' (Data.fs): "), second.err().get(0));
        assertTrue(second.err().get(0).contains("lock"), second.err().get(0));

        // A connected client is disconnected by the shutdown.
        try (RawClient client = new RawClient(port)) {
            client.call("register", "1", false);
            first.signal("TERM");
            assertEquals(0, first.awaitExit(CliProcess.START));
            assertTrue(first.out().stream().anyMatch(l -> l.contains("stopped")), first.out().toString());
            assertThrowsIo(() -> client.call("lastTransaction"));
        }
        assertFalse(Files.exists(pid), "pid file removed");

        CliProcess third = start("runzeo", "-f", "Data.fs", "-a", "127.0.0.1:0");
        startServer(third);
        third.signal("INT");
        assertEquals(0, third.awaitExit(CliProcess.START));
    }

    private static void assertThrowsIo(org.junit.jupiter.api.function.Executable e) {
        org.junit.jupiter.api.Assertions.assertThrows(Throwable.class, e);
    }

    @Test
    void sigusr2ReopensTheRenamedLogFile() throws Exception {
        Path log = dir.resolve("logs/zeo.log");
        Path conf = Files.writeString(dir.resolve("zeo.conf"), """
                <zeo>
                  address 127.0.0.1:0
                </zeo>
                <mappingstorage 1/>
                <eventlog>
                  level info
                  <logfile>
                    path logs/zeo.log
                    format %(asctime)s %(levelname)s %(name)s %(message)s
                    dateformat %Y-%m-%d %H:%M:%S
                  </logfile>
                </eventlog>
                """);
        CliProcess server = start("runzeo", "-C", conf.toString());
        String ready = awaitFileLine(log, READY, server);
        Matcher m = READY.matcher(ready);
        assertTrue(m.find());
        assertTrue(ready.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d INFO org\\.jzeo\\.runzeo runzeo ready: .*"), ready);
        assertTrue(server.out().isEmpty(), "nothing on the console: " + server.out());
        int port = Integer.parseInt(m.group(3));

        Path rotated = dir.resolve("logs/zeo.log.1");
        Files.move(log, rotated);
        server.signal("USR2");
        awaitFileLine(log, Pattern.compile("log files reopened"), server);
        try (RawClient c = new RawClient(port)) {
            c.call("register", "1", true);
        }
        awaitFileLine(log, Pattern.compile("registered on storage 1"), server);
        String old = Files.readString(rotated);
        assertTrue(old.contains("SIGUSR2 received"), old);
        assertFalse(old.contains("registered on storage 1"), old);
        server.signal("TERM");
        assertEquals(0, server.awaitExit(CliProcess.START));
        assertTrue(Files.readString(log).contains("stopped"));
    }

    /** Polls a log file (50 ms steps, bounded) for a line matching {@code p}. */
    private static String awaitFileLine(Path file, Pattern p, CliProcess process) throws Exception {
        long deadline = System.nanoTime() + CliProcess.START.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file)) {
                    if (p.matcher(line).find()) {
                        return line;
                    }
                }
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no line matching " + p + " in " + file + " (alive " + process.isAlive() + ")\n"
                + (Files.exists(file) ? Files.readString(file) : "(no file)") + "\nstderr: " + process.err());
    }

    @Test
    void anUnknownKeyIsOneLineNamingItsLine() throws Exception {
        Path conf = Files.writeString(dir.resolve("zeo.conf"), "<zeo>\n  address 127.0.0.1:0\n  adress 8100\n</zeo>\n"
                + "<filestorage 1>\n  path Data.fs\n</filestorage>\n");
        CliProcess p = CliProcess.run(dir, "runzeo", "-C", conf.toString());
        assertEquals(CliException.USAGE, p.exitValue());
        assertEquals(List.of("runzeo: " + conf + " line 3: unknown key 'adress' in <zeo>"), p.err());
        assertFalse(Files.exists(dir.resolve("Data.fs")), "nothing was opened");
    }

    @Test
    void aPortInUseIsOneLine() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            CliProcess p = CliProcess.run(dir, "runzeo", "-f", "Data.fs", "-a", "127.0.0.1:" + busy.getLocalPort());
            assertEquals(CliException.FAILURE, p.exitValue());
            assertEquals(1, p.err().size(), p.err().toString());
            assertEquals("runzeo: cannot listen on 127.0.0.1:" + busy.getLocalPort()
                    + ": address already in use or not available", p.err().get(0));
        }
        // The storage was closed again: its lock is free for the next server.
        CliProcess next = start("runzeo", "-f", "Data.fs", "-a", "127.0.0.1:0");
        assertNotEquals(0, startServer(next));
    }

    @Test
    void unreadableAndMissingConfigFilesAreOneLine() throws Exception {
        Path notAFile = Files.createDirectory(dir.resolve("conf.d"));
        CliProcess p = CliProcess.run(dir, "runzeo", "-C", notAFile.toString());
        assertEquals(CliException.USAGE, p.exitValue());
        assertEquals(1, p.err().size(), p.err().toString());
        assertTrue(p.err().get(0).startsWith("runzeo: cannot read config file " + notAFile), p.err().get(0));

        CliProcess missing = CliProcess.run(dir, "runzeo", "-C", "nope.conf");
        assertEquals(CliException.USAGE, missing.exitValue());
        assertEquals(List.of("runzeo: config file not found: nope.conf"), missing.err());
    }
}
