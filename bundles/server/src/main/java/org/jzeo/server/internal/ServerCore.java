package org.jzeo.server.internal;

import io.netty.channel.Channel;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.jzeo.api.Storage;
import org.jzeo.protocol.ZeoPipeline;
import org.jzeo.server.ServerConfig;

/** The server's shared state behind {@link org.jzeo.server.StorageServer}: served storages and the pipeline. */
public final class ServerCore {
    private final ServerConfig config;
    private final ServerContext context;

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
     * tests can fail ({@code "S3"} queues invalidations late).
     */
    public ServerCore(ServerConfig config, Map<String, Storage> storages, Executor slowWork, String startTime,
            java.util.Set<String> brokenRulesForTests) {
        this.config = config;
        Map<String, ServedStorage> served = new LinkedHashMap<>();
        storages.forEach((name, storage) -> served.put(name,
                new ServedStorage(name, storage, config.invalidationQueueSize(),
                        brokenRulesForTests.contains("S3"))));
        this.context = new ServerContext(config, Collections.unmodifiableMap(served), slowWork, startTime);
    }

    /** Names of the served storages. */
    public List<String> storageNames() {
        return List.copyOf(context.storages().keySet());
    }

    /** Installs the protocol handlers and the session handler on a new connection. */
    public void initChannel(Channel ch) {
        ZeoPipeline.addServerHandlers(ch.pipeline(), config.msgpack() ? "M5" : "Z5", config.maxMessageSize());
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

    /** Stops the commit threads. */
    public void close() {
        context.storages().values().forEach(ServedStorage::close);
    }
}
