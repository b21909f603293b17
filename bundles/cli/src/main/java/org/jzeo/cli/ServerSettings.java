package org.jzeo.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jzeo.server.ServerConfig;
import org.jzeo.storage.FileStorageConfig;

/**
 * Everything {@code runzeo} runs with, after the config file and the command line were merged:
 * the server configuration, the storages in order, logging, the pid file, and the values of keys
 * for features jzeo accepts but does not run yet (monitor, authentication, SSL).
 */
final class ServerSettings {
    /** The default storage file when neither a config file nor {@code -f} names one. */
    static final Path DEFAULT_DATA_FS = Path.of("var", "Data.fs");

    ServerConfig.Builder server = ServerConfig.builder();
    /** Storages by name, in configuration order. */
    final Map<String, StorageSpec> storages = new LinkedHashMap<>();
    LogSettings log = LogSettings.defaults();
    Path pidFile;
    /** Where the monitor server listens ({@code monitor-address}), or null. */
    org.jzeo.server.ServerAddress monitorAddress;
    /** Accepted but inactive keys, e.g. {@code monitor-address} or {@code ssl.certificate}, to their values. */
    final Map<String, String> inactive = new LinkedHashMap<>();
    /** Warnings to log once logging is configured. */
    final List<String> warnings = new ArrayList<>();

    /** A storage to open. */
    sealed interface StorageSpec permits FileSpec, MappingSpec {
        String name();
    }

    /** A {@code <filestorage>} or {@code -f}. */
    record FileSpec(FileStorageConfig config) implements StorageSpec {
        @Override
        public String name() {
            return config.name();
        }
    }

    /** A {@code <mappingstorage>}: an in-memory storage. */
    record MappingSpec(String name) implements StorageSpec {
    }

    /** The settings without a config file: 127.0.0.1:8100, ./var/Data.fs as storage "1". */
    static ServerSettings defaults() {
        ServerSettings s = new ServerSettings();
        s.storages.put("1", new FileSpec(FileStorageConfig.of("1", DEFAULT_DATA_FS)));
        return s;
    }
}
