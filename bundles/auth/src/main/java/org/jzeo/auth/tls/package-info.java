/**
 * TLS for jzeo connections with the options of ZEO 5's {@code <ssl>} sections
 * (wire-protocol spec §12), as Netty {@link io.netty.handler.ssl.SslContext}s on the JDK
 * provider: {@link org.jzeo.auth.tls.ServerTls} and {@link org.jzeo.auth.tls.ClientTls} hold the
 * settings, {@link org.jzeo.auth.tls.TlsContexts} builds the contexts. Certificates and keys are
 * PEM files (PKCS#8 keys, optionally encrypted, whose password comes from a
 * {@link org.jzeo.auth.tls.PasswordSource}).
 *
 * <p>Documented difference from ZEO 5: a server checks client certificates only when
 * {@code authenticate} names trusted certificates; without it any client may connect (ZEO 5
 * always demands a client certificate). {@code authenticate DYNAMIC} is refused.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.jzeo.auth.tls;
