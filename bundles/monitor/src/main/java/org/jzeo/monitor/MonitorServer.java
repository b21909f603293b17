package org.jzeo.monitor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Objects;
import java.util.function.Supplier;
import org.jzeo.server.ServerAddress;
import org.jzeo.server.StorageServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor server ({@code monitor-address}): on every accepted connection it writes the
 * {@link MonitorReport} and closes the connection, never reading from it. One daemon thread;
 * TCP or Unix socket, in the address syntax of {@link ServerAddress}.
 *
 * <pre>{@code
 * try (MonitorServer monitor = MonitorServer.start(server, ServerAddress.parse("127.0.0.1:8091"))) { ... }
 * }</pre>
 */
public final class MonitorServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MonitorServer.class);

    private final ServerAddress address;
    private final ServerSocketChannel channel;
    private final Supplier<String> report;
    private final Thread thread;

    private MonitorServer(ServerAddress address, ServerSocketChannel channel, Supplier<String> report) {
        this.address = address;
        this.channel = channel;
        this.report = report;
        this.thread = new Thread(this::acceptLoop, "zeo-monitor");
        thread.setDaemon(true);
    }

    /**
     * Starts a monitor server reporting on {@code server}.
     *
     * @throws UncheckedIOException if the address cannot be bound
     */
    public static MonitorServer start(StorageServer server, ServerAddress address) {
        Objects.requireNonNull(server, "server");
        return start(address, () -> MonitorReport.of(server));
    }

    /** Starts a monitor server that writes whatever {@code report} returns (for embedding and tests). */
    public static MonitorServer start(ServerAddress address, Supplier<String> report) {
        ServerSocketChannel ch = null;
        try {
            SocketAddress bindTo;
            if (address.isUnix()) {
                Files.deleteIfExists(address.unixPath());
                ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                bindTo = UnixDomainSocketAddress.of(address.unixPath());
            } else {
                ch = ServerSocketChannel.open();
                bindTo = new InetSocketAddress(address.host(), address.port());
            }
            ch.bind(bindTo);
        } catch (IOException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
            throw new UncheckedIOException("cannot start the monitor server on " + address + ": " + e.getMessage(), e);
        }
        MonitorServer m = new MonitorServer(address, ch, report);
        m.thread.start();
        LOG.info("monitor server listening on {}", m.localAddress());
        return m;
    }

    /** The bound address. */
    public SocketAddress localAddress() {
        try {
            return channel.getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }

    /** The bound TCP port, or -1 for a Unix socket. */
    public int port() {
        return localAddress() instanceof InetSocketAddress a ? a.getPort() : -1;
    }

    private void acceptLoop() {
        while (channel.isOpen()) {
            try (SocketChannel client = channel.accept()) {
                ByteBuffer out = ByteBuffer.wrap(report.get().getBytes(StandardCharsets.UTF_8));
                while (out.hasRemaining()) {
                    client.write(out);
                }
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException | RuntimeException e) {
                if (!channel.isOpen()) {
                    return;
                }
                LOG.warn("monitor server: {}", e.toString());
            }
        }
    }

    /** Stops listening (a Unix socket file is removed). */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("closing the monitor server: {}", e.toString());
        }
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (address.isUnix()) {
            try {
                Files.deleteIfExists(address.unixPath());
            } catch (IOException e) {
                LOG.warn("could not remove {}: {}", address.unixPath(), e.toString());
            }
        }
    }
}
