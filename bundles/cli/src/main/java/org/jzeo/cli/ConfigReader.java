package org.jzeo.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jzeo.api.config.ConfigEntry;
import org.jzeo.api.config.ConfigException;
import org.jzeo.api.config.ConfigSection;
import org.jzeo.server.ServerAddress;
import org.jzeo.storage.FileStorageConfig;

/**
 * Reads a {@code runzeo -C} file: one optional {@code <zeo>} section with the union of the ZEO 4.3
 * and ZEO 5.4 keys, one or more {@code <filestorage NAME>} / {@code <mappingstorage NAME>}
 * sections (an unnamed one is called {@code "1"}), an optional {@code <eventlog>} and an optional
 * {@code <runner>} (zdaemon's, ignored). Unknown keys and sections are errors naming their line.
 *
 * <p>Deliberate leniencies: {@code <zeo>} and its {@code address} may be omitted (127.0.0.1:8100),
 * and the directory of a Data.fs is created when missing (ZConfig's {@code existing-dirpath}
 * would refuse). Keys of features not built yet (monitor-address, authentication-*,
 * drop-cache-rather-verify, {@code <ssl>}) are accepted, kept in
 * {@link ServerSettings#inactive} and warned about.
 */
final class ConfigReader {
    static final Set<String> ZEO_KEYS = Set.of("address", "read-only", "invalidation-queue-size", "invalidation-age",
            "transaction-timeout", "pid-filename", "client-conflict-resolution", "msgpack",
            // ZEO 4.3 only
            "monitor-address", "authentication-protocol", "authentication-database", "authentication-realm",
            "drop-cache-rather-verify");
    /** Accepted for compatibility and ignored, as ZEO 5 ignores them. */
    static final Set<String> INACTIVE_ZEO_KEYS = Set.of("drop-cache-rather-verify");
    static final Set<String> SSL_KEYS = Set.of("certificate", "key", "password-function", "authenticate");
    static final Set<String> FILESTORAGE_KEYS = Set.of("path", "blob-dir", "create", "read-only", "quota", "packer",
            "pack-gc", "pack-keep-old");
    static final Set<String> TOP_SECTIONS = Set.of("zeo", "filestorage", "mappingstorage", "eventlog", "runner");

    private ConfigReader() {
    }

    /**
     * The settings a parsed config file describes.
     *
     * @throws ConfigException naming the line of the first problem
     */
    static ServerSettings read(ConfigSection root) {
        ServerSettings s = new ServerSettings();
        root.requireOnly(Set.of(), TOP_SECTIONS);
        root.section("zeo").ifPresent(zeo -> readZeo(zeo, s));
        for (ConfigSection section : root.sections()) {
            switch (section.type()) {
                case "filestorage" -> addStorage(s, section, fileStorage(section));
                case "mappingstorage" -> {
                    section.requireOnly(Set.of("name"), Set.of());
                    addStorage(s, section, new ServerSettings.MappingSpec(section.nameOr("1")));
                }
                case "runner" -> s.warnings.add("the <runner> section (zdaemon) at line " + section.line()
                        + " is ignored: use bin/zeoctl or systemd to supervise runzeo");
                default -> { }
            }
        }
        root.section("eventlog").ifPresent(ev -> s.log = eventlog(ev));
        return s;
    }

    private static void addStorage(ServerSettings s, ConfigSection section, ServerSettings.StorageSpec spec) {
        if (s.storages.containsKey(spec.name())) {
            throw ConfigException.at(section, "a second storage named '" + spec.name() + "' ("
                    + (section.name() == null ? "an unnamed section is called 1" : section.describe()) + ")");
        }
        s.storages.put(spec.name(), spec);
    }

    private static void readZeo(ConfigSection zeo, ServerSettings s) {
        zeo.requireOnly(ZEO_KEYS, Set.of("ssl"));
        for (ConfigEntry e : zeo.entries()) {
            zeo.entry(e.key()); // refuses a key given twice, naming both lines
            switch (e.key()) {
                case "address" -> s.server.address(address(e));
                case "read-only" -> s.server.readOnly(e.asBoolean());
                case "invalidation-queue-size" -> {
                    int n = e.asInt();
                    if (n < 0) {
                        throw e.error("must not be negative");
                    }
                    s.server.invalidationQueueSize(n);
                }
                case "invalidation-age" -> s.server.invalidationAge(e.asDuration());
                case "transaction-timeout" -> {
                    java.time.Duration d = e.asDuration();
                    if (d.isZero()) {
                        throw e.error("must be positive");
                    }
                    s.server.transactionTimeout(d);
                }
                case "pid-filename" -> s.pidFile = Path.of(e.value());
                case "client-conflict-resolution" -> s.server.clientConflictResolution(e.asBoolean());
                case "msgpack" -> s.server.msgpack(e.asBoolean());
                case "monitor-address" -> s.monitorAddress = address(e);
                case "authentication-protocol" -> s.server.authenticationProtocol(e.value());
                case "authentication-database" -> s.server.authenticationDatabase(Path.of(e.value()));
                case "authentication-realm" -> s.server.authenticationRealm(e.value());
                default -> {
                    if (INACTIVE_ZEO_KEYS.contains(e.key())) {
                        s.inactive.put(e.key(), e.value());
                    }
                }
            }
        }
        zeo.section("ssl").ifPresent(ssl -> {
            ssl.requireOnly(SSL_KEYS, Set.of());
            if (!ssl.has("certificate")) {
                throw ConfigException.at(ssl, "<ssl> needs a 'certificate' key");
            }
            String password = ssl.has("password-function") ? ssl.entry("password-function").orElseThrow().value() : null;
            String authenticate = ssl.has("authenticate") ? ssl.entry("authenticate").orElseThrow().value() : null;
            try {
                s.server.ssl(new org.jzeo.auth.tls.ServerTls(Path.of(ssl.entry("certificate").orElseThrow().value()),
                        ssl.has("key") ? Path.of(ssl.entry("key").orElseThrow().value()) : null,
                        password == null ? null : org.jzeo.auth.tls.PasswordSource.parse(password),
                        authenticate == null ? null : Path.of(authenticate)));
            } catch (IllegalArgumentException ex) {
                throw ConfigException.at(ssl, "<ssl>: " + ex.getMessage());
            }
        });
    }

    static ServerAddress address(ConfigEntry e) {
        try {
            return ServerAddress.parse(e.value());
        } catch (IllegalArgumentException x) {
            throw e.error(x.getMessage());
        }
    }

    private static ServerSettings.FileSpec fileStorage(ConfigSection fs) {
        fs.requireOnly(FILESTORAGE_KEYS, Set.of());
        ConfigEntry path = fs.require("path");
        if (path.value().isEmpty()) {
            throw path.error("empty path");
        }
        FileStorageConfig.Builder b = FileStorageConfig.builder(Path.of(path.value())).name(fs.nameOr("1"));
        for (ConfigEntry e : fs.entries()) {
            fs.entry(e.key());
            switch (e.key()) {
                case "create" -> b.create(e.asBoolean());
                case "read-only" -> b.readOnly(e.asBoolean());
                case "quota" -> b.quota(e.asByteSize());
                case "pack-gc" -> b.packGc(e.asBoolean());
                case "pack-keep-old" -> b.packKeepOld(e.asBoolean());
                case "blob-dir" -> throw e.error("blobs are not supported by jzeo's FileStorage");
                case "packer" -> throw e.error("a custom packer is not supported by jzeo's FileStorage");
                default -> { }
            }
        }
        try {
            return new ServerSettings.FileSpec(b.build());
        } catch (IllegalArgumentException x) {
            throw ConfigException.at(fs, x.getMessage());
        }
    }

    private static LogSettings eventlog(ConfigSection ev) {
        ev.requireOnly(Set.of("level"), Set.of("logfile"));
        String level = ev.value("level").orElse("info");
        checkLevel(ev.entry("level").orElse(null), level);
        List<LogSettings.LogFile> files = new java.util.ArrayList<>();
        for (ConfigSection lf : ev.sections("logfile")) {
            lf.requireOnly(Set.of("path", "format", "dateformat", "level", "max-size", "old-files", "when", "interval",
                    "encoding", "delay", "style"), Set.of());
            for (String unsupported : List.of("max-size", "old-files", "when", "interval", "encoding", "delay", "style")) {
                if (lf.has(unsupported)) {
                    throw lf.entry(unsupported).orElseThrow().error("not supported: rotate with rename + SIGUSR2 (logrotate)");
                }
            }
            ConfigEntry path = lf.require("path");
            String format = lf.value("format").orElse(null);
            String dateformat = lf.value("dateformat").orElse(null);
            try {
                LogSetup.toLogbackPattern(format == null ? LogSetup.DEFAULT_FORMAT : format,
                        dateformat == null ? LogSetup.DEFAULT_DATEFORMAT : dateformat);
            } catch (CliException x) {
                throw ConfigException.at(lf.entry(format != null ? "format" : "dateformat").orElseThrow(), x.getMessage());
            }
            String handlerLevel = lf.value("level").orElse(null);
            checkLevel(lf.entry("level").orElse(null), handlerLevel);
            files.add(new LogSettings.LogFile(path.value(), format, dateformat, handlerLevel));
        }
        return new LogSettings(level.toLowerCase(Locale.ROOT), files);
    }

    private static void checkLevel(ConfigEntry e, String level) {
        if (e == null || level == null) {
            return;
        }
        try {
            LogSetup.level(level);
        } catch (CliException x) {
            throw e.error(x.getMessage());
        }
    }
}
