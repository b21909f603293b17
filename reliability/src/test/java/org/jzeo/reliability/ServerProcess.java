package org.jzeo.reliability;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The standalone server ({@code org.jzeo.cli.Main runzeo}) as a child process started from this
 * module's own test classpath, bound to 127.0.0.1. Output goes to a log file beside the Data.fs.
 */
final class ServerProcess implements AutoCloseable {
    final Process process;
    final int port;
    final Path log;

    private ServerProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** A port free right now on 127.0.0.1. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    static String classpath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The java command line of runzeo serving {@code dataFs} on 127.0.0.1:{@code port}. */
    static List<String> command(Path dataFs, int port, String... extra) {
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", classpath(), "org.jzeo.cli.Main", "runzeo", "-f", dataFs.toString(), "-a", "127.0.0.1:" + port));
        cmd.addAll(List.of(extra));
        return cmd;
    }

    /** Starts runzeo and waits (at most 30 s) until it accepts connections. */
    static ServerProcess start(Path dataFs, int port, String... extra) throws IOException {
        return start(command(dataFs, port, extra), dataFs, port);
    }

    /** Starts a given command line (e.g. wrapped in a shell setting a ulimit). */
    static ServerProcess start(List<String> command, Path dataFs, int port) throws IOException {
        Path log = dataFs.resolveSibling("server-" + port + ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        Process p = pb.start();
        ServerProcess sp = new ServerProcess(p, port, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            if (!p.isAlive()) {
                throw new IOException("the server exited with " + p.exitValue() + ": " + sp.logTail());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return sp;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IOException("the server did not listen within 30 s: " + sp.logTail());
                }
                Poll.pause();
            }
        }
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    /** kill -9, and wait until it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the server survived kill -9 for 30 s");
        }
    }

    /** SIGTERM (a clean stop), waiting at most 30 s; returns the exit status. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("the server did not stop on SIGTERM within 30 s");
        }
        return process.exitValue();
    }

    /** Resident memory of the process (VmRSS, kB), or -1 where /proc is missing. */
    long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Open file descriptors of the process, or -1. */
    long openFiles() {
        File[] fds = new File("/proc/" + pid() + "/fd").listFiles();
        return fds == null ? -1 : fds.length;
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    static Duration seconds(double s) {
        return Duration.ofMillis((long) (s * 1000));
    }
}
