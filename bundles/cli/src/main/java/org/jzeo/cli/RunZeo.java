package org.jzeo.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jzeo.api.Storage;
import org.jzeo.api.config.ConfigParser;
import org.jzeo.server.ServerAddress;
import org.jzeo.server.StorageServer;
import org.jzeo.storage.FileStorage;
import org.jzeo.storage.FileStorageConfig;
import org.jzeo.storage.MemoryStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code runzeo}: serves storages until SIGTERM or SIGINT.
 *
 * <p>Signals: SIGTERM and SIGINT exit with status 0 through the shutdown hook (server closed, so
 * clients are disconnected and their transactions aborted; storages closed, so the Data.fs lock is
 * released; pid file removed). SIGUSR2 reopens the log files (rotation: rename the file, then
 * signal). Signal handlers use {@code sun.misc.Signal} from the {@code jdk.unsupported} module,
 * the only JDK way to catch SIGUSR2; where it is missing, rotation is unavailable and a warning is
 * logged.
 */
@Command(name = "runzeo", sortOptions = false, usageHelpAutoWidth = true,
        description = {"Run a ZEO storage server.",
            "Without options: serves ./var/Data.fs as storage '1' on 127.0.0.1:8100.",
            "Command-line options override the configuration file."},
        footer = {"", "Signals: TERM/INT stop cleanly, USR2 reopens log files (rotation)."})
final class RunZeo implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger("org.jzeo.runzeo");

    @Option(names = {"-C", "--configure"}, paramLabel = "FILE", description = "ZConfig file (<zeo>, storages, <eventlog>)")
    Path configFile;

    @Option(names = {"-a", "--address"}, paramLabel = "ADDRESS", description = "host:port, port or /path/to/unix.sock")
    String address;

    @Option(names = {"-f", "--filename"}, paramLabel = "FILE", description = "Data.fs served as storage '1'")
    Path filename;

    @Option(names = {"-r", "--read-only"}, description = "refuse every write")
    Boolean readOnly;

    @Option(names = {"-t", "--timeout", "--transaction-timeout"}, paramLabel = "SECONDS",
            description = "longest time a client may hold a commit lock")
    Double timeout;

    @Option(names = {"-m", "--monitor-address"}, paramLabel = "ADDRESS", description = "accepted; the monitor is not built yet")
    String monitorAddress;

    @Option(names = "--invalidation-queue-size", paramLabel = "N", description = "transactions kept for reconnecting clients (100)")
    Integer invalidationQueueSize;

    @Option(names = "--msgpack", negatable = true, description = "speak M5 (msgpack, default) or Z5 (pickle)")
    Boolean msgpack;

    @Option(names = "--pid-file", paramLabel = "FILE", description = "write the process id here while running")
    Path pidFile;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    /** Reads the file (if any) and applies the command line on top. */
    ServerSettings settings() {
        ServerSettings s = configFile == null ? ServerSettings.defaults()
                : ConfigReader.read(ConfigParser.parse(configFile));
        return apply(s);
    }

    /** Applies the command-line options to {@code s}: they override the file. */
    ServerSettings apply(ServerSettings s) {
        try {
            if (address != null) {
                s.server.address(ServerAddress.parse(address));
            }
            if (monitorAddress != null) {
                s.monitorAddress = ServerAddress.parse(monitorAddress);
            }
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.USAGE, e.getMessage());
        }
        if (filename != null) {
            ServerSettings.StorageSpec old = s.storages.get("1");
            FileStorageConfig c = old instanceof ServerSettings.FileSpec f
                    ? new FileStorageConfig("1", filename, f.config().create(), f.config().readOnly(), f.config().quota(),
                            f.config().packGc(), f.config().packKeepOld())
                    : FileStorageConfig.of("1", filename);
            Map<String, ServerSettings.StorageSpec> rest = new LinkedHashMap<>(s.storages);
            s.storages.clear();
            s.storages.put("1", new ServerSettings.FileSpec(c));
            rest.remove("1");
            s.storages.putAll(rest);
        }
        if (readOnly != null) {
            s.server.readOnly(readOnly);
        }
        if (timeout != null) {
            if (!(timeout > 0) || timeout.isInfinite()) {
                throw new CliException(CliException.USAGE, "--timeout must be a positive number of seconds: " + timeout);
            }
            s.server.transactionTimeout(Duration.ofNanos(Math.round(timeout * 1e9)));
        }
        if (invalidationQueueSize != null) {
            if (invalidationQueueSize < 0) {
                throw new CliException(CliException.USAGE, "--invalidation-queue-size must not be negative");
            }
            s.server.invalidationQueueSize(invalidationQueueSize);
        }
        if (msgpack != null) {
            s.server.msgpack(msgpack);
        }
        if (pidFile != null) {
            s.pidFile = pidFile;
        }
        if (s.storages.isEmpty()) {
            throw new CliException(CliException.USAGE, (configFile == null ? "" : configFile + ": ")
                    + "no storage configured: add a <filestorage NAME> or <mappingstorage NAME> section, or pass -f FILE");
        }
        return s;
    }

    @Override
    public Integer call() {
        ServerSettings s = settings();
        LogSetup.configure(s.log);
        for (String w : s.warnings) {
            LOG.warn(w);
        }
        s.inactive.forEach((k, v) -> LOG.warn("{} {} is accepted but not active yet in jzeo (no {} support); ignored", k, v,
                k.startsWith("ssl") ? "SSL" : k.startsWith("auth") ? "authentication" : k.startsWith("monitor")
                        ? "monitor server" : k));
        // Hook and signal handlers first: a SIGTERM/SIGINT that arrives while the server starts
        // must still take the clean path (exit 0, storages closed), not the JVM's default 128+n.
        java.util.concurrent.atomic.AtomicReference<Running> running = new java.util.concurrent.atomic.AtomicReference<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            Running r = running.get();
            if (r != null) {
                r.close();
            }
            stopped.countDown();
            LogSetup.stop();
        }, "runzeo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Signals.install(LogSetup::reopen, LOG);
        running.set(start(s));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** A started server with its storages and pid file; {@link #close} undoes everything once. */
    static final class Running implements AutoCloseable {
        final StorageServer server;
        final List<Storage> storages;
        final Path pidFile;
        /** The monitor server and the JMX registration, closed before the server. */
        final List<AutoCloseable> extras;
        private boolean closed;

        Running(StorageServer server, List<Storage> storages, Path pidFile, List<AutoCloseable> extras) {
            this.server = server;
            this.storages = storages;
            this.pidFile = pidFile;
            this.extras = extras;
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            LOG.info("shutting down");
            for (AutoCloseable c : extras) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.warn("error closing {}", c, e);
                }
            }
            try {
                server.close();
            } catch (RuntimeException e) {
                LOG.error("error closing the server", e);
            }
            closeAll(storages);
            PidFile.remove(pidFile);
            LOG.info("stopped");
        }
    }

    /**
     * Opens the storages, starts the server and writes the pid file.
     *
     * @throws CliException if any step fails (whatever was opened is closed again)
     */
    static Running start(ServerSettings s) {
        List<Storage> opened = new ArrayList<>();
        Map<String, Storage> byName = new LinkedHashMap<>();
        StorageServer server = null;
        List<AutoCloseable> extras = new ArrayList<>();
        try {
            for (ServerSettings.StorageSpec spec : s.storages.values()) {
                Storage st = open(spec);
                opened.add(st);
                byName.put(spec.name(), st);
            }
            server = new StorageServer(s.server.build(), byName);
            try {
                server.start();
            } catch (java.io.UncheckedIOException e) {
                throw new CliException(CliException.FAILURE, e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
            }
            if (s.monitorAddress != null) {
                try {
                    extras.add(org.jzeo.monitor.MonitorServer.start(server, s.monitorAddress));
                } catch (RuntimeException e) {
                    throw new CliException(CliException.FAILURE, "cannot start the monitor server on " + s.monitorAddress
                            + ": " + (e.getCause() == null ? e.getMessage() : e.getCause().getMessage()));
                }
                LOG.info("monitor server on {}", s.monitorAddress);
            }
            extras.add(org.jzeo.monitor.JmxStatistics.register(server));
            PidFile.write(s.pidFile);
            LOG.info("runzeo ready: pid {}, storages {} on {} ({})", ProcessHandle.current().pid(), byName.keySet(),
                    describe(server.localAddress()), s.server.build().msgpack() ? "M5" : "Z5");
            return new Running(server, opened, s.pidFile, extras);
        } catch (RuntimeException e) {
            for (AutoCloseable c : extras) {
                try {
                    c.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (server != null) {
                server.close();
            }
            closeAll(opened);
            throw e;
        }
    }

    private static Storage open(ServerSettings.StorageSpec spec) {
        if (spec instanceof ServerSettings.MappingSpec m) {
            LOG.info("storage '{}': in-memory (mappingstorage)", m.name());
            return MemoryStorage.create(m.name());
        }
        FileStorageConfig c = ((ServerSettings.FileSpec) spec).config();
        Path parent = c.path().toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent) && !c.readOnly()) {
            try {
                Files.createDirectories(parent);
                LOG.info("created directory {} for storage '{}'", parent, c.name());
            } catch (IOException e) {
                throw new CliException(CliException.FAILURE, "cannot create directory " + parent + " for storage '"
                        + c.name() + "': " + e);
            }
        }
        try {
            FileStorage fs = FileStorage.open(c);
            LOG.info("storage '{}': FileStorage {}{}", c.name(), c.path(), c.readOnly() ? " (read-only)" : "");
            return fs;
        } catch (RuntimeException e) {
            throw new CliException(CliException.FAILURE, "cannot open storage '" + c.name() + "' (" + c.path() + "): "
                    + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
        }
    }

    private static void closeAll(List<Storage> storages) {
        for (Storage st : storages) {
            try {
                st.close();
            } catch (RuntimeException e) {
                LOG.error("error closing storage {}", st.getName(), e);
            }
        }
    }

    static String describe(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            String host = i.getAddress() == null ? i.getHostString() : i.getAddress().getHostAddress();
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + i.getPort();
        }
        return String.valueOf(a);
    }

    /** The pid file: written after the server listens, removed at shutdown if it still holds our pid. */
    static final class PidFile {
        private PidFile() {
        }

        static void write(Path file) {
            if (file == null) {
                return;
            }
            try {
                Files.writeString(file, ProcessHandle.current().pid() + "\n", StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new CliException(CliException.FAILURE, "cannot write pid file " + file + ": " + e);
            }
        }

        static void remove(Path file) {
            if (file == null) {
                return;
            }
            try {
                String content = Files.readString(file, StandardCharsets.US_ASCII).trim();
                if (content.equals(String.valueOf(ProcessHandle.current().pid()))) {
                    Files.delete(file);
                }
            } catch (IOException e) {
                LOG.warn("could not remove pid file {}: {}", file, e.toString());
            }
        }
    }
}
