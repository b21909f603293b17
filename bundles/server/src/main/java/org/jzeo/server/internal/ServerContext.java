package org.jzeo.server.internal;

import java.util.Map;
import java.util.concurrent.Executor;
import org.jzeo.server.ServerConfig;

/**
 * What every session of one server shares.
 *
 * @param config       the server configuration
 * @param storages     the served storages by name
 * @param slowWork     where packs run (they may take minutes; never on an event loop)
 * @param startTime    server start, in C {@code ctime()} form for {@code server_status}
 */
record ServerContext(ServerConfig config, Map<String, ServedStorage> storages, Executor slowWork, String startTime) {
}
