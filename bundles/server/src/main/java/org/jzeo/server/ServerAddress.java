package org.jzeo.server;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a server listens or a client connects: {@code host:port}, {@code [ipv6]:port}, a bare
 * {@code port}, or a path containing {@code /} for a Unix socket. A missing host means
 * {@code 127.0.0.1} (ZEO's server binds every interface then: a documented difference).
 */
public final class ServerAddress {
    /** The default host when an address gives only a port. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    private final String host;
    private final int port;
    private final Path unixPath;

    private ServerAddress(String host, int port, Path unixPath) {
        this.host = host;
        this.port = port;
        this.unixPath = unixPath;
    }

    /** A TCP address. Port 0 asks the system for a free port. */
    public static ServerAddress tcp(String host, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        return new ServerAddress(host == null || host.isEmpty() ? DEFAULT_HOST : host, port, null);
    }

    /** A Unix-domain socket path. */
    public static ServerAddress unix(Path path) {
        return new ServerAddress(null, -1, Objects.requireNonNull(path, "path"));
    }

    /**
     * Parses the config and command-line form.
     *
     * @throws IllegalArgumentException with a message saying what is wrong
     */
    public static ServerAddress parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty address");
        }
        String s = text.trim();
        if (s.contains("/")) {
            return unix(Path.of(s));
        }
        String host = null;
        String port = s;
        if (s.startsWith("[")) {
            int end = s.indexOf("]:");
            if (end < 0) {
                throw new IllegalArgumentException("bad IPv6 address, expected [host]:port: " + text);
            }
            host = s.substring(1, end);
            port = s.substring(end + 2);
        } else if (s.contains(":")) {
            int colon = s.lastIndexOf(':');
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
        }
        try {
            return tcp(host, Integer.parseInt(port));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in address '" + text + "': " + port);
        }
    }

    /** Whether this is a Unix-domain socket. */
    public boolean isUnix() {
        return unixPath != null;
    }

    /** The host (TCP only). */
    public String host() {
        return host;
    }

    /** The port (TCP only). */
    public int port() {
        return port;
    }

    /** The socket path (Unix only). */
    public Path unixPath() {
        return unixPath;
    }

    /** A TCP socket address (not resolved for Unix sockets). */
    public SocketAddress toInetSocketAddress() {
        if (isUnix()) {
            throw new IllegalStateException("not a TCP address: " + this);
        }
        return new InetSocketAddress(host, port);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServerAddress a && Objects.equals(host, a.host) && port == a.port
                && Objects.equals(unixPath, a.unixPath);
    }

    @Override
    public int hashCode() {
        return Objects.hash(host, port, unixPath);
    }

    @Override
    public String toString() {
        if (isUnix()) {
            return unixPath.toString();
        }
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
