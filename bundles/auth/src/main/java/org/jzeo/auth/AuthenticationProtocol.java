package org.jzeo.auth;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An authentication protocol for jzeo connections, known by {@link #name()}. Implementations are
 * stateless factories; the per-connection state lives in the {@link ServerExchange} and
 * {@link ClientExchange} they create. A third party adds one by registering it with
 * {@link AuthenticationProtocols#register} or listing it in
 * {@code META-INF/services/org.jzeo.auth.AuthenticationProtocol}.
 */
public interface AuthenticationProtocol {
    /** The name servers are configured with ({@code authentication-protocol}), e.g. {@code "digest"}. */
    String name();

    /**
     * The server side, for the lifetime of one server.
     *
     * @param database the credentials file ({@code authentication-database}), or null
     * @param realm    the realm ({@code authentication-realm}), or null
     * @throws IOException              if the database cannot be read
     * @throws IllegalArgumentException if the settings do not fit the protocol (e.g. a realm mismatch)
     */
    ServerAuthenticator server(Path database, String realm) throws IOException;

    /**
     * The client side of one connection.
     *
     * @param credentials who the client is
     */
    ClientExchange client(Credentials credentials);

    /**
     * The value stored in a password database for a user (used by {@code zeopasswd}).
     *
     * @throws UnsupportedOperationException if the protocol uses no password database
     */
    default String passwordHash(String user, String realm, char[] password) {
        throw new UnsupportedOperationException("authentication protocol " + name() + " uses no password database");
    }
}
