package org.jzeo.auth.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Builds TLS contexts from {@link ServerTls} / {@link ClientTls} (JDK provider). A server adds
 * {@code context.newHandler(ch.alloc())} first in each connection's pipeline; a client uses
 * {@link #clientHandler}. Everything else in the ZEO pipeline is unchanged, so TLS combines
 * freely with authentication.
 */
public final class TlsContexts {
    private TlsContexts() {
    }

    /**
     * The server context: certificate and key from PEM; client certificates required and checked
     * against {@link ServerTls#authenticate()} when it is set, not requested otherwise.
     *
     * @throws UncheckedIOException     if a file cannot be read
     * @throws IllegalArgumentException if a certificate, key or CA file is invalid
     */
    public static SslContext server(ServerTls tls) {
        try {
            SslContextBuilder b = SslContextBuilder.forServer(tls.certificate().toFile(),
                    (tls.key() != null ? tls.key() : tls.certificate()).toFile(), password(tls.password()))
                    .sslProvider(SslProvider.JDK);
            if (tls.authenticate() != null) {
                b.trustManager(certificates(tls.authenticate())).clientAuth(ClientAuth.REQUIRE);
            } else {
                b.clientAuth(ClientAuth.NONE);
            }
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid server ssl settings: " + e.getMessage(), e);
        }
    }

    /**
     * The client context: the client certificate if configured; the server verified against
     * {@link ClientTls#authenticate()} or the JVM's default CAs; host name checked when
     * {@link ClientTls#checkHostname()} (use {@link #clientHandler} so the name is known).
     */
    public static SslContext client(ClientTls tls) {
        try {
            SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                    .endpointIdentificationAlgorithm(tls.checkHostname() ? "HTTPS" : null);
            if (tls.certificate() != null) {
                b.keyManager(tls.certificate().toFile(), (tls.key() != null ? tls.key() : tls.certificate()).toFile(),
                        password(tls.password()));
            }
            if (tls.authenticate() != null) {
                b.trustManager(certificates(tls.authenticate()));
            }
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid client ssl settings: " + e.getMessage(), e);
        }
    }

    /**
     * The client's {@link SslHandler} for a connection to {@code host:port}: the host name checked
     * is {@link ClientTls#serverHostname()} if set, else {@code host} (for a Unix socket pass the
     * name the server certificate carries).
     */
    public static SslHandler clientHandler(SslContext context, ClientTls tls, ByteBufAllocator alloc, String host,
            int port) {
        String name = tls.serverHostname() != null ? tls.serverHostname() : host;
        return context.newHandler(alloc, name, port);
    }

    /**
     * A connected, handshaken TLS socket to {@code host:port} with the settings of {@code tls},
     * for blocking tools and tests (e.g. with {@link org.jzeo.protocol.FrameIO}).
     *
     * @throws IOException if the connection or the TLS handshake fails
     */
    public static SSLSocket connect(ClientTls tls, String host, int port, Duration timeout) throws IOException {
        SslContext ctx = client(tls);
        SSLContext jdk = ((JdkSslContext) ctx).context();
        Socket plain = new Socket();
        try {
            plain.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            plain.setSoTimeout((int) timeout.toMillis());
            String name = tls.serverHostname() != null ? tls.serverHostname() : host;
            SSLSocket s = (SSLSocket) jdk.getSocketFactory().createSocket(plain, name, port, true);
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm(tls.checkHostname() ? "HTTPS" : null);
            s.setSSLParameters(p);
            s.setUseClientMode(true);
            s.startHandshake();
            return s;
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    /**
     * The certificates of a PEM file, or of every PEM file in a directory (files that hold no
     * certificate are skipped).
     *
     * @throws IllegalArgumentException if none is found
     */
    public static List<X509Certificate> certificates(Path fileOrDirectory) {
        List<X509Certificate> out = new ArrayList<>();
        try {
            if (Files.isDirectory(fileOrDirectory)) {
                try (Stream<Path> files = Files.list(fileOrDirectory)) {
                    for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                        try {
                            out.addAll(readCertificates(f));
                        } catch (CertificateException e) {
                            // not a certificate file (c_rehash directories hold other files too)
                        }
                    }
                }
            } else {
                out.addAll(readCertificates(fileOrDirectory));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read certificates from " + fileOrDirectory, e);
        } catch (CertificateException e) {
            throw new IllegalArgumentException("invalid certificate file " + fileOrDirectory + ": " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no certificates in " + fileOrDirectory);
        }
        return out;
    }

    private static List<X509Certificate> readCertificates(Path file) throws IOException, CertificateException {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> list = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                list.add((X509Certificate) c);
            }
            return list;
        }
    }

    private static String password(PasswordSource source) {
        return source == null ? null : new String(source.password());
    }

}
