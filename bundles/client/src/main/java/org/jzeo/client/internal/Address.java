package org.jzeo.client.internal;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;

/**
 * A server address as ZEO writes it: {@code host:port}, {@code [ipv6]:port}, a bare {@code port}
 * (127.0.0.1), or a Unix socket path (anything containing {@code /}).
 *
 * @param host     the host, or {@code null} for a Unix socket
 * @param port     the port, or -1 for a Unix socket
 * @param unixPath the socket path, or {@code null}
 */
public record Address(String host, int port, String unixPath) {
    /** Parses an address string. @throws IllegalArgumentException when malformed */
    public static Address parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty server address");
        }
        String s = text.trim();
        if (s.contains("/")) {
            return new Address(null, -1, s);
        }
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("bad server address '" + text + "' (expected [ipv6]:port)");
            }
            host = s.substring(1, close);
            port = s.substring(close + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon < 0) {
                host = "127.0.0.1";
                port = s;
            } else {
                host = s.substring(0, colon);
                port = s.substring(colon + 1);
                if (host.isEmpty()) {
                    host = "127.0.0.1";
                }
            }
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in server address '" + text + "'");
        }
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("port out of range in server address '" + text + "'");
        }
        return new Address(host, p, null);
    }

    /** Whether this is a Unix domain socket. */
    public boolean isUnix() {
        return unixPath != null;
    }

    /** The socket address to connect to (unresolved host names are resolved now). */
    public SocketAddress socketAddress() {
        return isUnix() ? UnixDomainSocketAddress.of(unixPath) : new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return isUnix() ? unixPath : host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
