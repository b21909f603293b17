package org.jzeo.cli;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A command of the shaded jar run as a real process, its output collected line by line. */
final class CliProcess implements AutoCloseable {
    static final Duration START = Duration.ofSeconds(30);

    private final Process process;
    private final List<String> out = new ArrayList<>();
    private final List<String> err = new ArrayList<>();
    private final Thread outReader;
    private final Thread errReader;

    private CliProcess(Process process) {
        this.process = process;
        outReader = reader(process.getInputStream(), out);
        errReader = reader(process.getErrorStream(), err);
    }

    static Path jar() {
        String jar = System.getProperty("jzeo.cli.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            fail("the shaded jar is missing (run through mvn verify): " + jar);
        }
        return Path.of(jar);
    }

    /** Starts {@code java -jar jzeo-cli-all.jar args...} in {@code dir}. */
    static CliProcess start(Path dir, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xshare:auto");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-jar");
        cmd.add(jar().toString());
        cmd.addAll(List.of(args));
        return new CliProcess(new ProcessBuilder(cmd).directory(dir.toFile()).start());
    }

    /** Runs a command to completion. */
    static CliProcess run(Path dir, String... args) throws Exception {
        CliProcess p = start(dir, args);
        p.awaitExit(START);
        return p;
    }

    private Thread reader(InputStream in, List<String> lines) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (this) {
                        lines.add(line);
                        notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // the process went away
            }
            synchronized (this) {
                notifyAll();
            }
        }, "cli-output");
        t.setDaemon(true);
        t.start();
        return t;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for a stdout line matching {@code pattern}; fails if the process exits first or time runs out. */
    Matcher awaitOut(Pattern pattern, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        synchronized (this) {
            while (true) {
                for (; seen < out.size(); seen++) {
                    Matcher m = pattern.matcher(out.get(seen));
                    if (m.find()) {
                        return m;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || (!process.isAlive() && !outReader.isAlive())) {
                    fail("no line matching " + pattern + (process.isAlive() ? " in time" : ", exited " + process.exitValue())
                            + "\nstdout: " + out + "\nstderr: " + err);
                }
                wait(Math.max(1, Math.min(left / 1_000_000, 200)));
            }
        }
    }

    /** Waits for the exit status. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            fail("did not exit within " + timeout + "\nstdout: " + out() + "\nstderr: " + err());
        }
        outReader.join(5000);
        errReader.join(5000);
        return process.exitValue();
    }

    int exitValue() {
        return process.exitValue();
    }

    /** Sends a signal with kill(1). */
    void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            fail("kill -" + name + " " + process.pid() + " failed");
        }
    }

    synchronized List<String> out() {
        return List.copyOf(out);
    }

    synchronized List<String> err() {
        return List.copyOf(err);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
