package org.jzeo.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.jzeo.auth.AuthenticationProtocols;
import org.jzeo.auth.tls.ServerTls;

/**
 * Everything a {@link StorageServer} is configured with, shared by the standalone launcher and
 * the OSGi component. Keys match the {@code <zeo>} section of the HOWTO's config file.
 *
 * <p>Two documented differences from Python ZEO: msgpack ({@code M5}) is the default (ZEO's is
 * pickle; {@code msgpack false} gives {@code Z5}), and an address without host binds 127.0.0.1,
 * not every interface.
 *
 * @param address                  where to listen ({@code address}); default 127.0.0.1:8100
 * @param readOnly                 refuse every write ({@code read-only})
 * @param invalidationQueueSize    transactions kept for getInvalidations ({@code invalidation-queue-size}, 100)
 * @param invalidationAge          how old a client's tid may be for the server to answer
 *                                 getInvalidations by iterating the storage ({@code invalidation-age}); null = off
 * @param transactionTimeout       how long a client may hold the commit lock ({@code transaction-timeout}); null = no limit
 * @param clientConflictResolution return conflicts from vote for the client to resolve ({@code client-conflict-resolution})
 * @param msgpack                  speak {@code M5} (true, the default) or {@code Z5}
 * @param maxMessageSize           largest frame accepted, bytes (default 256 MiB, at most 2 GiB - 1)
 * @param authenticationProtocol   name of the authentication protocol clients must use before
 *                                 {@code register} ({@code authentication-protocol}, e.g.
 *                                 {@code digest}); null = none. A jzeo extension (ZEO 5 has no
 *                                 authentication): Python clients cannot connect to such a server.
 * @param authenticationDatabase   the protocol's credentials file ({@code authentication-database})
 * @param authenticationRealm      the realm ({@code authentication-realm}); null = the database's
 * @param ssl                      TLS settings (the {@code <ssl>} section); null = plain TCP
 */
public record ServerConfig(ServerAddress address, boolean readOnly, int invalidationQueueSize,
        Duration invalidationAge, Duration transactionTimeout, boolean clientConflictResolution,
        boolean msgpack, int maxMessageSize, String authenticationProtocol, Path authenticationDatabase,
        String authenticationRealm, ServerTls ssl) {
    /** The default listening address, 127.0.0.1:8100. */
    public static final ServerAddress DEFAULT_ADDRESS = ServerAddress.tcp("127.0.0.1", 8100);
    /** Default largest frame: 256 MiB. */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 256 * 1024 * 1024;

    /** Validates. */
    public ServerConfig {
        Objects.requireNonNull(address, "address");
        if (invalidationQueueSize < 0) {
            throw new IllegalArgumentException("invalidation-queue-size must not be negative: " + invalidationQueueSize);
        }
        if (maxMessageSize < 16) {
            throw new IllegalArgumentException("max message size too small: " + maxMessageSize);
        }
        if (transactionTimeout != null && (transactionTimeout.isNegative() || transactionTimeout.isZero())) {
            throw new IllegalArgumentException("transaction-timeout must be positive: " + transactionTimeout);
        }
        if (AuthenticationProtocols.isNone(authenticationProtocol)) {
            authenticationProtocol = null;
        } else {
            authenticationProtocol = authenticationProtocol.trim();
        }
    }

    /** The configuration without authentication and TLS (the fields before they existed). */
    public ServerConfig(ServerAddress address, boolean readOnly, int invalidationQueueSize,
            Duration invalidationAge, Duration transactionTimeout, boolean clientConflictResolution,
            boolean msgpack, int maxMessageSize) {
        this(address, readOnly, invalidationQueueSize, invalidationAge, transactionTimeout, clientConflictResolution,
                msgpack, maxMessageSize, null, null, null, null);
    }

    /** Whether clients must authenticate ({@link #authenticationProtocol()} is set). */
    public boolean requiresAuthentication() {
        return authenticationProtocol != null;
    }

    /** The defaults: 127.0.0.1:8100, writable, queue 100, no timeout, msgpack. */
    public static ServerConfig defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.address = address;
        b.readOnly = readOnly;
        b.invalidationQueueSize = invalidationQueueSize;
        b.invalidationAge = invalidationAge;
        b.transactionTimeout = transactionTimeout;
        b.clientConflictResolution = clientConflictResolution;
        b.msgpack = msgpack;
        b.maxMessageSize = maxMessageSize;
        b.authenticationProtocol = authenticationProtocol;
        b.authenticationDatabase = authenticationDatabase;
        b.authenticationRealm = authenticationRealm;
        b.ssl = ssl;
        return b;
    }

    /** Builds a {@link ServerConfig}. */
    public static final class Builder {
        private ServerAddress address = DEFAULT_ADDRESS;
        private boolean readOnly;
        private int invalidationQueueSize = 100;
        private Duration invalidationAge;
        private Duration transactionTimeout;
        private boolean clientConflictResolution;
        private boolean msgpack = true;
        private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
        private String authenticationProtocol;
        private Path authenticationDatabase;
        private String authenticationRealm;
        private ServerTls ssl;

        private Builder() {
        }

        /** @param v where to listen */
        public Builder address(ServerAddress v) {
            address = v;
            return this;
        }

        /** @param v the address in config form */
        public Builder address(String v) {
            address = ServerAddress.parse(v);
            return this;
        }

        /** @param v refuse writes */
        public Builder readOnly(boolean v) {
            readOnly = v;
            return this;
        }

        /** @param v transactions kept for getInvalidations */
        public Builder invalidationQueueSize(int v) {
            invalidationQueueSize = v;
            return this;
        }

        /** @param v maximum age for answering getInvalidations by iteration, or null */
        public Builder invalidationAge(Duration v) {
            invalidationAge = v;
            return this;
        }

        /** @param v commit-lock timeout, or null for none */
        public Builder transactionTimeout(Duration v) {
            transactionTimeout = v;
            return this;
        }

        /** @param v client-conflict-resolution mode */
        public Builder clientConflictResolution(boolean v) {
            clientConflictResolution = v;
            return this;
        }

        /** @param v M5 (true) or Z5 (false) */
        public Builder msgpack(boolean v) {
            msgpack = v;
            return this;
        }

        /** @param v largest frame in bytes */
        public Builder maxMessageSize(int v) {
            maxMessageSize = v;
            return this;
        }

        /** @param v authentication protocol name ({@code authentication-protocol}), or null / {@code none} */
        public Builder authenticationProtocol(String v) {
            authenticationProtocol = v;
            return this;
        }

        /** @param v the credentials file ({@code authentication-database}) */
        public Builder authenticationDatabase(Path v) {
            authenticationDatabase = v;
            return this;
        }

        /** @param v the realm ({@code authentication-realm}) */
        public Builder authenticationRealm(String v) {
            authenticationRealm = v;
            return this;
        }

        /** @param v TLS settings ({@code <ssl>}), or null for plain connections */
        public Builder ssl(ServerTls v) {
            ssl = v;
            return this;
        }

        /** The configuration. */
        public ServerConfig build() {
            return new ServerConfig(address, readOnly, invalidationQueueSize, invalidationAge, transactionTimeout,
                    clientConflictResolution, msgpack, maxMessageSize, authenticationProtocol, authenticationDatabase,
                    authenticationRealm, ssl);
        }
    }
}
