package org.jzeo.server.internal;

import io.netty.channel.Channel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.jzeo.api.Storage;
import org.jzeo.auth.AuthWire;
import org.jzeo.auth.AuthenticationProtocols;
import org.jzeo.auth.ServerAuthHandler;
import org.jzeo.auth.ServerAuthenticator;
import org.jzeo.auth.tls.TlsContexts;
import org.jzeo.protocol.ZeoPipeline;
import org.jzeo.server.ServerConfig;
import org.jzeo.server.StorageStatistics;

/**
 * The server's shared state behind {@link org.jzeo.server.StorageServer}: served storages and the
 * pipeline. With {@code ssl} configured every connection starts with a TLS handler; with an
 * authentication protocol a {@link ServerAuthHandler} sits before the session handler until the
 * client has authenticated (see {@code org.jzeo.auth}).
 */
public final class ServerCore {
    private final ServerConfig config;
    private final ServerContext context;
    private final SslContext sslContext;
    private final ServerAuthenticator authenticator;

    /**
     * @param config    the configuration
     * @param storages  the storages by name
     * @param slowWork  where packs run
     * @param startTime the server start in ctime form
     */
    public ServerCore(ServerConfig config, Map<String, Storage> storages, Executor slowWork, String startTime) {
        this(config, storages, slowWork, startTime, java.util.Set.of());
    }

    /**
     * As above, with ordering rules deliberately broken: only for the tests that prove the race
     * tests can fail ({@code "S3"} queues invalidations late,
     * {@code "S3-deliver-early"} delivers them before their transaction is visible).
     */
    public ServerCore(ServerConfig config, Map<String, Storage> storages, Executor slowWork, String startTime,
            java.util.Set<String> brokenRulesForTests) {
        this.config = config;
        // Security first: a bad key file or password database stops the server before any thread starts.
        this.sslContext = config.ssl() == null ? null : TlsContexts.server(config.ssl());
        if (config.requiresAuthentication()) {
            try {
                this.authenticator = AuthenticationProtocols.get(config.authenticationProtocol())
                        .server(config.authenticationDatabase(), config.authenticationRealm());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read authentication-database "
                        + config.authenticationDatabase() + ": " + e.getMessage(), e);
            }
        } else {
            this.authenticator = null;
        }
        Map<String, ServedStorage> served = new LinkedHashMap<>();
        storages.forEach((name, storage) -> served.put(name,
                new ServedStorage(name, storage, config.invalidationQueueSize(),
                        brokenRulesForTests.contains("S3"), brokenRulesForTests.contains("S3-deliver-early"))));
        this.context = new ServerContext(config, Collections.unmodifiableMap(served), slowWork, startTime);
    }

    /** Names of the served storages. */
    public List<String> storageNames() {
        return List.copyOf(context.storages().keySet());
    }

    /** Installs the protocol handlers and the session handler on a new connection. */
    public void initChannel(Channel ch) {
        if (sslContext != null) {
            ch.pipeline().addLast("ssl", sslContext.newHandler(ch.alloc()));
        }
        // Replies written while a read burst is handled (pipelined loads) go out in one write at
        // the end of the burst, not one system call each; a reply written outside a read (a vote,
        // a finish, an invalidation) is flushed at once.
        ch.pipeline().addLast("flush-consolidation", new FlushConsolidationHandler(256, false));
        ZeoPipeline.addServerHandlers(ch.pipeline(), config.msgpack() ? "M5" : "Z5", config.maxMessageSize());
        if (authenticator != null) {
            ch.pipeline().addLast(AuthWire.AUTH_HANDLER,
                    new ServerAuthHandler(config.authenticationProtocol(), authenticator));
        }
        ch.pipeline().addLast("zeo-session", new ZeoServerHandler(context, this::status));
    }

    /** The server_status map of one storage. */
    public Map<String, Object> status(String storage) {
        ServedStorage s = context.storages().get(storage);
        if (s == null) {
            throw new IllegalArgumentException("unknown storage: " + storage);
        }
        return StatusReport.of(context, s);
    }

    /** The counters of one storage as an exported snapshot. */
    public StorageStatistics stats(String storage, Instant serverStarted) {
        ServedStorage s = context.storages().get(storage);
        if (s == null) {
            throw new IllegalArgumentException("unknown storage: " + storage);
        }
        StorageStats st = s.stats;
        long lockTime = s.commitLock.lockTimeMillis();
        return new StorageStatistics(storage, serverStarted, s.connectionCount(), st.verifying.get(),
                st.activeTransactions.get(), lockTime == 0 ? null : Instant.ofEpochMilli(lockTime),
                s.commitLock.waiting(), st.commits.get(), st.aborts.get(), st.loads.get(), st.stores.get(),
                st.conflicts.get(), st.conflictsResolved.get(), s.storage.lastTransaction());
    }

    /** Every registered client connection, storage by storage. */
    public List<org.jzeo.server.ClientInfo> clients() {
        return context.storages().values().stream().flatMap(s -> s.clients().stream()).toList();
    }

    /** Stops the commit threads. */
    public void close() {
        context.storages().values().forEach(ServedStorage::close);
    }
}
