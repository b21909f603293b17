package org.jzeo.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jzeo.api.Storage;
import org.jzeo.protocol.Transport;
import org.jzeo.server.internal.ServerCore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ZEO 5 storage server. Serves each storage under its name (clients pick it at
 * {@code register}; ZEO's default name is {@code "1"}) on one TCP address or Unix socket, in the
 * protocol flavour of {@link ServerConfig#msgpack()}. The storages belong to the caller: the
 * server does not close them.
 *
 * <p>Optionally with TLS ({@link ServerConfig#ssl()}) and/or an authentication protocol that
 * clients must complete before {@code register} ({@link ServerConfig#authenticationProtocol()},
 * a jzeo extension described in {@code org.jzeo.auth}). {@link #stats(String)} exposes the
 * counters for the monitor bundle.
 *
 * <pre>{@code
 * try (StorageServer server = new StorageServer(ServerConfig.defaults(), Map.of("1", storage)).start()) {
 *     ...
 * }
 * }</pre>
 */
public final class StorageServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StorageServer.class);
    private static final DateTimeFormatter CTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ROOT);

    private final ServerConfig config;
    private final ServerCore core;
    private final ExecutorService slowWork;
    private final Instant started;
    private EventLoopGroup acceptGroup;
    private EventLoopGroup ioGroup;
    private Channel serverChannel;
    private ChannelGroup connections;

    /**
     * @param config   the configuration
     * @param storages the storages by name (iteration order is kept)
     */
    public StorageServer(ServerConfig config, Map<String, ? extends Storage> storages) {
        this(config, storages, java.util.Set.of());
    }

    /** Test-only: a server with ordering rules deliberately broken, to prove the race tests can fail. */
    StorageServer(ServerConfig config, Map<String, ? extends Storage> storages, java.util.Set<String> brokenRulesForTests) {
        this.config = Objects.requireNonNull(config, "config");
        if (storages.isEmpty()) {
            throw new IllegalArgumentException("a server needs at least one storage");
        }
        this.slowWork = Executors.newCachedThreadPool(new DefaultThreadFactory("zeo-server-pack", true));
        ZonedDateTime now = ZonedDateTime.now(ZoneId.systemDefault());
        this.started = now.toInstant();
        String start = now.format(CTIME);
        try {
            this.core = new ServerCore(config, new LinkedHashMap<>(storages), slowWork, start, brokenRulesForTests);
        } catch (RuntimeException e) {
            slowWork.shutdownNow(); // e.g. an unreadable key file or password database
            throw e;
        }
    }

    /**
     * Binds and starts serving.
     *
     * @throws UncheckedIOException with a clear message when the address cannot be bound (in use,
     *                              bad host, socket path not creatable)
     */
    public synchronized StorageServer start() {
        if (serverChannel != null) {
            return this;
        }
        ServerAddress address = config.address();
        Transport transport = Transport.forConnections(address.isUnix());
        acceptGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("zeo-server-accept", true),
                transport.ioHandlerFactory());
        ioGroup = new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("zeo-server-io", true),
                transport.ioHandlerFactory());
        connections = new DefaultChannelGroup("zeo-connections", GlobalEventExecutor.INSTANCE);
        ServerBootstrap b = new ServerBootstrap().group(acceptGroup, ioGroup)
                // Heap buffers: the codecs decode from arrays, and msgpack-core cannot read
                // direct buffers on Java 17 without opening JDK internals.
                .childOption(ChannelOption.ALLOCATOR, new PooledByteBufAllocator(false))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.add(ch);
                        core.initChannel(ch);
                    }
                });
        SocketAddress bindTo;
        if (address.isUnix()) {
            b.channel(NioServerDomainSocketChannel.class);
            try {
                Files.deleteIfExists(address.unixPath());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove stale socket " + address.unixPath() + ": " + e.getMessage(), e);
            }
            bindTo = UnixDomainSocketAddress.of(address.unixPath());
        } else {
            b.channel(transport.serverSocketChannel()).childOption(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.SO_REUSEADDR, true);
            bindTo = new InetSocketAddress(address.host(), address.port());
        }
        try {
            serverChannel = b.bind(bindTo).sync().channel();
        } catch (Exception e) {
            shutdownGroups();
            String why = isAddressUnavailable(e) ? "address already in use or not available" : e.toString();
            throw new UncheckedIOException(new IOException("cannot listen on " + address + ": " + why, e));
        }
        LOG.info("serving storages {} on {} ({}{}{}, {})", core.storageNames(), localAddress(), config.msgpack() ? "M5" : "Z5",
                config.ssl() != null ? ", TLS" : "",
                config.requiresAuthentication() ? ", authentication " + config.authenticationProtocol() : "",
                transport.name().toLowerCase(Locale.ROOT));
        return this;
    }

    /** NIO reports a busy or foreign address as a BindException, epoll as a native error (EADDRINUSE, EADDRNOTAVAIL). */
    private static boolean isAddressUnavailable(Throwable e) {
        if (e instanceof BindException) {
            return true;
        }
        String m = String.valueOf(e.getMessage());
        return m.contains("Address already in use") || m.contains("Cannot assign requested address");
    }

    /** The bound address (with the real port when port 0 was asked for). */
    public SocketAddress localAddress() {
        return serverChannel == null ? null : serverChannel.localAddress();
    }

    /** The bound TCP port, or -1 for a Unix socket or when not started. */
    public int port() {
        return localAddress() instanceof InetSocketAddress a ? a.getPort() : -1;
    }

    /** The configuration. */
    public ServerConfig config() {
        return config;
    }

    /** Names of the served storages, in configuration order. */
    public List<String> storageNames() {
        return core.storageNames();
    }

    /** When the server was created (the monitor report's "Server started"). */
    public Instant startTime() {
        return started;
    }

    /**
     * A snapshot of a storage's counters, the same ones {@link #status} and {@code ruok} report
     * (for the monitor server and JMX).
     *
     * @throws IllegalArgumentException for an unknown storage
     */
    public StorageStatistics stats(String storage) {
        return core.stats(storage, started);
    }

    /** The {@code server_status} map of a storage (the counters of the monitor report). */
    public Map<String, Object> status(String storage) {
        return core.status(storage);
    }

    /** Every registered client connection (address, storage, label, read-only, since, in a transaction). */
    public java.util.List<ClientInfo> clients() {
        return core.clients();
    }

    /** Stops listening, disconnects every client (their transactions are aborted) and stops the threads. */
    @Override
    public synchronized void close() {
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            if (config.address().isUnix()) {
                try {
                    Files.deleteIfExists(config.address().unixPath());
                } catch (IOException e) {
                    LOG.warn("could not remove socket {}: {}", config.address().unixPath(), e.toString());
                }
            }
            serverChannel = null;
        }
        shutdownGroups();
        core.close();
        slowWork.shutdownNow();
    }

    private void shutdownGroups() {
        if (ioGroup != null) {
            ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            acceptGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            ioGroup = null;
            acceptGroup = null;
        }
    }
}
