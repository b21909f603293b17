package org.jzeo.client;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a {@link ClientStorage} is configured with: the keys of the HOWTO's client section and
 * of ZODB's {@code <zeoclient>} / ZEO's {@code <clientstorage>} sections (dashes in the file,
 * camel case here). Build one with {@link #builder(String...)} or {@link #fromMap(Map)}.
 *
 * @param servers            server addresses, tried in order: {@code host:port}, {@code [ipv6]:port},
 *                           {@code port} (127.0.0.1), or a Unix socket path (contains {@code /})
 * @param storage            the storage name sent in {@code register} (default {@code "1"})
 * @param cacheSize          client cache size in bytes (default 20 MB)
 * @param client             persistent cache name, or {@code null} for a transient cache
 * @param var                the persistent cache's directory ({@code null}: the working directory)
 * @param cachePath          an explicit persistent cache directory ({@code <clientstorage>}'s
 *                           {@code cache-path}); overrides {@code var} when {@code client} is set
 * @param minDisconnectPoll  the first delay between connection attempts (default 5 s)
 * @param maxDisconnectPoll  the largest delay between attempts; delays double up to it (default 300 s)
 * @param waitForConnection  {@code wait}: the constructor blocks until connected and verified (default true)
 * @param waitTimeout        how long a waiting constructor waits (default 30 s)
 * @param readOnly           register read-only and refuse writes
 * @param readOnlyFallback   accept a read-only server when no writable one answers, and keep looking
 *                           for a writable one
 * @param name               the storage's display name; empty: derived from the addresses
 * @param clientLabel        sent to the server with {@code set_client_label}, or {@code null}
 * @param serverSync         {@code server-sync}: {@link ClientStorage#sync()} does a {@code ping} round trip
 * @param blobDir            accepted for compatibility; blobs are not supported (placeholder)
 * @param sharedBlobDir      accepted for compatibility (placeholder)
 * @param blobCacheSize      accepted for compatibility, 0 when unset (placeholder)
 * @param blobCacheSizeCheck accepted for compatibility (placeholder, default 10)
 * @param dropCacheRatherVerify accepted and ignored, as by ZEO 5
 * @param realm              authentication realm (digest authentication when a username is set)
 * @param username           authentication user: when set, the client authenticates with digest before register
 * @param password           authentication password
 * @param tls                TLS settings, or {@code null} for plain connections
 * @param maxFrameSize       the largest frame accepted from the server
 * @param heartbeatInterval  how long a connection may go without sending anything before it sends
 *                           the protocol's heartbeat message (default 60 s, as Python's client);
 *                           keeps idle connections open through firewalls and NAT that drop them
 */
public record ClientConfig(List<String> servers, String storage, long cacheSize, String client, Path var,
        Path cachePath, Duration minDisconnectPoll, Duration maxDisconnectPoll, boolean waitForConnection,
        Duration waitTimeout, boolean readOnly, boolean readOnlyFallback, String name, String clientLabel,
        boolean serverSync, Path blobDir, boolean sharedBlobDir, long blobCacheSize, int blobCacheSizeCheck,
        boolean dropCacheRatherVerify, String realm, String username, String password, Tls tls,
        int maxFrameSize, Duration heartbeatInterval) {

    /** ZEO's default cache size, 20 MB. */
    public static final long DEFAULT_CACHE_SIZE = 20L * 1024 * 1024;
    /** Default largest frame: 256 MiB. */
    public static final int DEFAULT_MAX_FRAME_SIZE = 256 * 1024 * 1024;
    /** Default heartbeat interval: 60 s, as Python's client. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(60);

    /**
     * Client TLS settings ({@code <clientstorage><ssl>}).
     *
     * @param certificate      client certificate (PEM) path
     * @param key              private key path
     * @param passwordFunction how to obtain the key password
     * @param authenticate     CA file or directory for the server certificate ({@code null}: system CAs)
     * @param checkHostname    whether the server's host name is checked (default true)
     * @param serverHostname   the name to check ({@code null}: the address's host)
     */
    public record Tls(Path certificate, Path key, String passwordFunction, Path authenticate,
            boolean checkHostname, String serverHostname) {
    }

    /** Validates and normalises. */
    public ClientConfig {
        servers = List.copyOf(Objects.requireNonNull(servers, "servers"));
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("at least one server address is required");
        }
        for (String s : servers) {
            org.jzeo.client.internal.Address.parse(s); // fails early on a malformed address
        }
        storage = storage == null || storage.isEmpty() ? "1" : storage;
        if (cacheSize < 0) {
            throw new IllegalArgumentException("cache-size must not be negative");
        }
        minDisconnectPoll = positive(minDisconnectPoll, Duration.ofSeconds(5), "min-disconnect-poll");
        maxDisconnectPoll = positive(maxDisconnectPoll, Duration.ofSeconds(300), "max-disconnect-poll");
        if (maxDisconnectPoll.compareTo(minDisconnectPoll) < 0) {
            maxDisconnectPoll = minDisconnectPoll;
        }
        waitTimeout = positive(waitTimeout, Duration.ofSeconds(30), "wait-timeout");
        name = name == null ? "" : name;
        if (maxFrameSize <= 0) {
            maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
        }
        heartbeatInterval = positive(heartbeatInterval, DEFAULT_HEARTBEAT_INTERVAL, "heartbeat-interval");
    }

    /** The configuration of API 1.0 (without {@code heartbeatInterval}: the default). */
    public ClientConfig(List<String> servers, String storage, long cacheSize, String client, Path var,
            Path cachePath, Duration minDisconnectPoll, Duration maxDisconnectPoll, boolean waitForConnection,
            Duration waitTimeout, boolean readOnly, boolean readOnlyFallback, String name, String clientLabel,
            boolean serverSync, Path blobDir, boolean sharedBlobDir, long blobCacheSize, int blobCacheSizeCheck,
            boolean dropCacheRatherVerify, String realm, String username, String password, Tls tls,
            int maxFrameSize) {
        this(servers, storage, cacheSize, client, var, cachePath, minDisconnectPoll, maxDisconnectPoll,
                waitForConnection, waitTimeout, readOnly, readOnlyFallback, name, clientLabel, serverSync, blobDir,
                sharedBlobDir, blobCacheSize, blobCacheSizeCheck, dropCacheRatherVerify, realm, username, password,
                tls, maxFrameSize, null);
    }

    private static Duration positive(Duration d, Duration dflt, String key) {
        if (d == null) {
            return dflt;
        }
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(key + " must be positive");
        }
        return d;
    }

    /** A configuration with defaults for everything but the addresses. */
    public static ClientConfig of(String... servers) {
        return builder(servers).build();
    }

    /** A builder with ZEO's defaults. */
    public static Builder builder(String... servers) {
        Builder b = new Builder();
        for (String s : servers) {
            b.server(s);
        }
        return b;
    }

    /** A builder holding this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.servers.addAll(servers);
        b.storage = storage;
        b.cacheSize = cacheSize;
        b.client = client;
        b.var = var;
        b.cachePath = cachePath;
        b.minDisconnectPoll = minDisconnectPoll;
        b.maxDisconnectPoll = maxDisconnectPoll;
        b.waitForConnection = waitForConnection;
        b.waitTimeout = waitTimeout;
        b.readOnly = readOnly;
        b.readOnlyFallback = readOnlyFallback;
        b.name = name;
        b.clientLabel = clientLabel;
        b.serverSync = serverSync;
        b.blobDir = blobDir;
        b.sharedBlobDir = sharedBlobDir;
        b.blobCacheSize = blobCacheSize;
        b.blobCacheSizeCheck = blobCacheSizeCheck;
        b.dropCacheRatherVerify = dropCacheRatherVerify;
        b.realm = realm;
        b.username = username;
        b.password = password;
        b.tls = tls;
        b.maxFrameSize = maxFrameSize;
        b.heartbeatInterval = heartbeatInterval;
        return b;
    }

    /** The persistent cache's directory: {@code cache-path}, else {@code var}, else the working directory. */
    public Path cacheDirectory() {
        if (cachePath != null) {
            return cachePath;
        }
        return var != null ? var : Path.of("").toAbsolutePath();
    }

    /** The keys {@link #fromMap} accepts. */
    public static final List<String> KEYS = List.of("server", "storage", "cache-size", "client", "var", "cache-path",
            "min-disconnect-poll", "max-disconnect-poll", "wait", "wait-timeout", "read-only", "read-only-fallback",
            "name", "client-label", "server-sync", "blob-dir", "shared-blob-dir", "blob-cache-size",
            "blob-cache-size-check", "drop-cache-rather-verify", "realm", "username", "password",
            "ssl-certificate", "ssl-key", "ssl-password-function", "ssl-authenticate", "ssl-check-hostname",
            "ssl-server-hostname", "max-frame-size", "heartbeat-interval");

    /**
     * Reads the {@code <zeoclient>} / {@code <clientstorage>} keys from a map (ConfigAdmin
     * properties or a parsed section). {@code server} may hold several addresses separated by
     * whitespace or commas. Values follow ZConfig: booleans {@code true/false/yes/no/on/off},
     * byte sizes with {@code KB/MB/GB}, durations in seconds (optionally {@code s/m/h/d}).
     * The {@code <ssl>} keys are accepted with an {@code ssl-} prefix.
     *
     * @throws IllegalArgumentException for an unknown key, a bad value or no server
     */
    public static ClientConfig fromMap(Map<String, String> map) {
        Builder b = new Builder();
        Map<String, String> tlsKeys = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : map.entrySet()) {
            String key = e.getKey().trim().toLowerCase(Locale.ROOT).replace('_', '-');
            String v = e.getValue() == null ? "" : e.getValue().trim();
            switch (key) {
                case "server" -> {
                    for (String s : v.split("[\\s,]+")) {
                        if (!s.isEmpty()) {
                            b.server(s);
                        }
                    }
                }
                case "storage" -> b.storage(v);
                case "cache-size" -> b.cacheSize(byteSize(key, v));
                case "client" -> b.client(v);
                case "var" -> b.var(Path.of(v));
                case "cache-path" -> b.cachePath(Path.of(v));
                case "min-disconnect-poll" -> b.minDisconnectPoll(duration(key, v));
                case "max-disconnect-poll" -> b.maxDisconnectPoll(duration(key, v));
                case "wait" -> b.waitForConnection(bool(key, v));
                case "wait-timeout" -> b.waitTimeout(duration(key, v));
                case "read-only" -> b.readOnly(bool(key, v));
                case "read-only-fallback" -> b.readOnlyFallback(bool(key, v));
                case "name" -> b.name(v);
                case "client-label" -> b.clientLabel(v);
                case "server-sync" -> b.serverSync(bool(key, v));
                case "blob-dir" -> b.blobDir = Path.of(v);
                case "shared-blob-dir" -> b.sharedBlobDir = bool(key, v);
                case "blob-cache-size" -> b.blobCacheSize = byteSize(key, v);
                case "blob-cache-size-check" -> b.blobCacheSizeCheck = (int) integer(key, v);
                case "drop-cache-rather-verify" -> b.dropCacheRatherVerify = bool(key, v);
                case "realm" -> b.realm(v);
                case "username" -> b.username(v);
                case "password" -> b.password(v);
                case "max-frame-size" -> b.maxFrameSize = (int) Math.min(Integer.MAX_VALUE, byteSize(key, v));
                case "heartbeat-interval" -> b.heartbeatInterval(duration(key, v));
                default -> {
                    if (key.startsWith("ssl-") && KEYS.contains(key)) {
                        tlsKeys.put(key.substring(4), v);
                    } else {
                        throw new IllegalArgumentException("unknown client configuration key '" + e.getKey() + "'");
                    }
                }
            }
        }
        if (!tlsKeys.isEmpty()) {
            b.tls(new Tls(path(tlsKeys.get("certificate")), path(tlsKeys.get("key")), tlsKeys.get("password-function"),
                    path(tlsKeys.get("authenticate")),
                    !tlsKeys.containsKey("check-hostname") || bool("ssl-check-hostname", tlsKeys.get("check-hostname")),
                    tlsKeys.get("server-hostname")));
        }
        if (b.servers.isEmpty()) {
            throw new IllegalArgumentException("the 'server' key is required");
        }
        return b.build();
    }

    /**
     * Reads a {@code <zeoclient>} or {@code <clientstorage>} section in the ZConfig text format
     * (the shared parser {@link org.jzeo.api.config.ConfigParser}): the text may be the section
     * itself or a file holding exactly one such section. {@code server} may be repeated; an
     * {@code <ssl>} sub-section gives the TLS keys.
     *
     * @throws org.jzeo.api.config.ConfigException for a syntax error, an unknown key or a bad value,
     *                                             naming the line
     */
    public static ClientConfig fromConfigText(String text) {
        return fromSection(org.jzeo.api.config.ConfigParser.parse(text, "<string>"));
    }

    /** Like {@link #fromConfigText}, from a file ({@code %include} resolves against its directory). */
    public static ClientConfig fromConfigFile(Path file) {
        return fromSection(org.jzeo.api.config.ConfigParser.parse(file));
    }

    /** A parsed root or a {@code <zeoclient>}/{@code <clientstorage>} section. */
    public static ClientConfig fromSection(org.jzeo.api.config.ConfigSection root) {
        org.jzeo.api.config.ConfigSection section = root;
        if (!root.type().equals("zeoclient") && !root.type().equals("clientstorage")) {
            List<org.jzeo.api.config.ConfigSection> found = new ArrayList<>(root.sections("zeoclient"));
            found.addAll(root.sections("clientstorage"));
            if (found.size() != 1) {
                throw org.jzeo.api.config.ConfigException.at(root,
                        "expected exactly one <zeoclient> or <clientstorage> section, found " + found.size());
            }
            section = found.get(0);
        }
        List<String> keys = new ArrayList<>();
        for (String k : KEYS) {
            if (!k.startsWith("ssl-")) {
                keys.add(k);
            }
        }
        section.requireOnly(keys, List.of("ssl"));
        Map<String, String> map = new LinkedHashMap<>();
        for (org.jzeo.api.config.ConfigEntry e : section.entries()) {
            if (e.key().equals("server")) {
                map.merge("server", e.value(), (a, b) -> a + " " + b);
            } else if (map.put(e.key(), e.value()) != null) {
                throw e.error("key given more than once");
            }
        }
        org.jzeo.api.config.ConfigSection ssl = section.section("ssl").orElse(null);
        if (ssl != null) {
            ssl.requireOnly(List.of("certificate", "key", "password-function", "authenticate", "check-hostname",
                    "server-hostname"), List.of());
            ssl.entries().forEach(e -> map.put("ssl-" + e.key(), e.value()));
        }
        try {
            return fromMap(map);
        } catch (IllegalArgumentException e) {
            throw org.jzeo.api.config.ConfigException.at(section, e.getMessage());
        }
    }

    private static Path path(String v) {
        return v == null ? null : Path.of(v);
    }

    static boolean bool(String key, String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new IllegalArgumentException(key + ": not a boolean: '" + v + "'");
        };
    }

    static long integer(String key, String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": not an integer: '" + v + "'");
        }
    }

    static long byteSize(String key, String value) {
        String v = value.toUpperCase(Locale.ROOT);
        long factor = 1;
        if (v.endsWith("KB")) {
            factor = 1L << 10;
        } else if (v.endsWith("MB")) {
            factor = 1L << 20;
        } else if (v.endsWith("GB")) {
            factor = 1L << 30;
        }
        if (factor != 1) {
            v = v.substring(0, v.length() - 2).trim();
        }
        long n = integer(key, v);
        if (n < 0) {
            throw new IllegalArgumentException(key + ": must not be negative: '" + value + "'");
        }
        return Math.multiplyExact(n, factor);
    }

    static Duration duration(String key, String value) {
        String v = value.toLowerCase(Locale.ROOT);
        double factor = 1;
        if (!v.isEmpty() && "smhd".indexOf(v.charAt(v.length() - 1)) >= 0) {
            factor = switch (v.charAt(v.length() - 1)) {
                case 'm' -> 60;
                case 'h' -> 3600;
                case 'd' -> 86400;
                default -> 1;
            };
            v = v.substring(0, v.length() - 1).trim();
        }
        try {
            double seconds = Double.parseDouble(v) * factor;
            if (!(seconds > 0) || Double.isInfinite(seconds)) {
                throw new NumberFormatException();
            }
            return Duration.ofNanos(Math.round(seconds * 1e9));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": not a positive time in seconds: '" + value + "'");
        }
    }

    /** Builds a {@link ClientConfig}; every setter returns the builder. */
    public static final class Builder {
        private final List<String> servers = new ArrayList<>();
        private String storage = "1";
        private long cacheSize = DEFAULT_CACHE_SIZE;
        private String client;
        private Path var;
        private Path cachePath;
        private Duration minDisconnectPoll = Duration.ofSeconds(5);
        private Duration maxDisconnectPoll = Duration.ofSeconds(300);
        private boolean waitForConnection = true;
        private Duration waitTimeout = Duration.ofSeconds(30);
        private boolean readOnly;
        private boolean readOnlyFallback;
        private String name = "";
        private String clientLabel;
        private boolean serverSync;
        private Path blobDir;
        private boolean sharedBlobDir;
        private long blobCacheSize;
        private int blobCacheSizeCheck = 10;
        private boolean dropCacheRatherVerify;
        private String realm;
        private String username;
        private String password;
        private Tls tls;
        private int maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;

        private Builder() {
        }

        /** Adds a server address. */
        public Builder server(String v) {
            servers.add(v);
            return this;
        }

        /** Replaces the server addresses. */
        public Builder servers(List<String> v) {
            servers.clear();
            servers.addAll(v);
            return this;
        }

        /** The storage name. */
        public Builder storage(String v) {
            storage = v;
            return this;
        }

        /** The cache size in bytes. */
        public Builder cacheSize(long v) {
            cacheSize = v;
            return this;
        }

        /** The persistent cache name ({@code null}: transient cache). */
        public Builder client(String v) {
            client = v;
            return this;
        }

        /** The persistent cache's directory. */
        public Builder var(Path v) {
            var = v;
            return this;
        }

        /** The persistent cache's directory, overriding {@code var}. */
        public Builder cachePath(Path v) {
            cachePath = v;
            return this;
        }

        /** The first delay between connection attempts. */
        public Builder minDisconnectPoll(Duration v) {
            minDisconnectPoll = v;
            return this;
        }

        /** The largest delay between connection attempts. */
        public Builder maxDisconnectPoll(Duration v) {
            maxDisconnectPoll = v;
            return this;
        }

        /** Whether the constructor waits for a verified connection. */
        public Builder waitForConnection(boolean v) {
            waitForConnection = v;
            return this;
        }

        /** How long the constructor waits. */
        public Builder waitTimeout(Duration v) {
            waitTimeout = v;
            return this;
        }

        /** Read-only client. */
        public Builder readOnly(boolean v) {
            readOnly = v;
            return this;
        }

        /** Accept a read-only server when no writable one answers. */
        public Builder readOnlyFallback(boolean v) {
            readOnlyFallback = v;
            return this;
        }

        /** The display name. */
        public Builder name(String v) {
            name = v;
            return this;
        }

        /** The label sent to the server. */
        public Builder clientLabel(String v) {
            clientLabel = v;
            return this;
        }

        /** Whether {@code sync()} pings the server. */
        public Builder serverSync(boolean v) {
            serverSync = v;
            return this;
        }

        /** Authentication realm (digest). */
        public Builder realm(String v) {
            realm = v;
            return this;
        }

        /** Authentication user: the client authenticates (digest) before register. */
        public Builder username(String v) {
            username = v;
            return this;
        }

        /** Authentication password. */
        public Builder password(String v) {
            password = v;
            return this;
        }

        /** TLS settings, or null for plain connections. */
        public Builder tls(Tls v) {
            tls = v;
            return this;
        }

        /** The largest frame accepted. */
        public Builder maxFrameSize(int v) {
            maxFrameSize = v;
            return this;
        }

        /** How long a connection may send nothing before it sends a heartbeat (default 60 s). */
        public Builder heartbeatInterval(Duration v) {
            heartbeatInterval = v;
            return this;
        }

        /** The configuration. */
        public ClientConfig build() {
            return new ClientConfig(servers, storage, cacheSize, client, var, cachePath, minDisconnectPoll,
                    maxDisconnectPoll, waitForConnection, waitTimeout, readOnly, readOnlyFallback, name, clientLabel,
                    serverSync, blobDir, sharedBlobDir, blobCacheSize, blobCacheSizeCheck, dropCacheRatherVerify,
                    realm, username, password, tls, maxFrameSize, heartbeatInterval);
        }
    }
}
