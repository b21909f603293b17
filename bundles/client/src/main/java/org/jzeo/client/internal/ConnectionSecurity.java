package org.jzeo.client.internal;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import org.jzeo.auth.AuthWire;
import org.jzeo.auth.AuthenticationProtocols;
import org.jzeo.auth.ClientAuthHandler;
import org.jzeo.auth.Credentials;
import org.jzeo.auth.tls.ClientTls;
import org.jzeo.auth.tls.TlsContexts;

/**
 * How a client connection is secured: TLS (its {@link SslContext} is built once per client) and
 * the authentication step before {@code register} (digest, see {@code org.jzeo.auth}).
 *
 * @param sslContext  the client TLS context, or null for plain connections
 * @param tls         the TLS settings (host name checking), with {@code sslContext}
 * @param protocol    the authentication protocol's name, or null for none
 * @param credentials user, password and realm, with {@code protocol}
 */
public record ConnectionSecurity(SslContext sslContext, ClientTls tls, String protocol, Credentials credentials) {
    /** Plain and unauthenticated. */
    public static final ConnectionSecurity NONE = new ConnectionSecurity(null, null, null, null);

    void addTls(Channel ch, Address address) {
        if (sslContext != null) {
            String host = address.isUnix() ? "localhost" : address.host();
            ch.pipeline().addFirst("zeo-tls", TlsContexts.clientHandler(sslContext, tls, ch.alloc(), host,
                    address.isUnix() ? -1 : address.port()));
        }
    }

    void addAuthentication(Channel ch) {
        if (protocol != null) {
            ch.pipeline().addLast(AuthWire.AUTH_HANDLER,
                    new ClientAuthHandler(AuthenticationProtocols.get(protocol), credentials));
        }
    }
}
