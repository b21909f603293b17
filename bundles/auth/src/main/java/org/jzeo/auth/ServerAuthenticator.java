package org.jzeo.auth;

/** The server side of an {@link AuthenticationProtocol}: creates one exchange per connection. Thread-safe. */
public interface ServerAuthenticator {
    /**
     * Starts the exchange of one connection.
     *
     * @param peer the client's address, for logs and nonces
     */
    ServerExchange begin(String peer);
}
