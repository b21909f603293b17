package org.jzeo.cli;

import java.nio.file.Path;
import java.time.Duration;
import org.jzeo.server.ServerAddress;
import picocli.CommandLine.Option;

/**
 * The connection options shared by {@code zeopack} and {@code zeoup}, as in the Python tools:
 * {@code -h HOST}, {@code -p PORT}, {@code -U PATH} (so help is {@code --help} only).
 */
final class ServerTarget {
    @Option(names = {"-h", "--host"}, paramLabel = "HOST", description = "server host (default 127.0.0.1)")
    String host = "127.0.0.1";

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", description = "server port (default 8100)")
    int port = 8100;

    @Option(names = {"-U", "--unix"}, paramLabel = "PATH", description = "Unix socket path (instead of host and port)")
    Path unix;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "how long to wait for the server to answer (default 10)")
    double timeoutSeconds = 10;

    ServerAddress address() {
        if (unix != null) {
            return ServerAddress.unix(unix);
        }
        try {
            return ServerAddress.tcp(host, port);
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.USAGE, e.getMessage());
        }
    }

    Duration timeout() {
        if (!(timeoutSeconds > 0) || Double.isInfinite(timeoutSeconds)) {
            throw new CliException(CliException.USAGE, "--timeout must be a positive number of seconds");
        }
        return Duration.ofMillis(Math.max(1, Math.round(timeoutSeconds * 1000)));
    }
}
