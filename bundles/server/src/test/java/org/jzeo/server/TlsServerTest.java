package org.jzeo.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;
import org.jzeo.auth.Credentials;
import org.jzeo.auth.DigestAuthentication;
import org.jzeo.auth.PasswordDatabase;
import org.jzeo.auth.tls.ClientTls;
import org.jzeo.auth.tls.ServerTls;
import org.jzeo.auth.tls.TlsContexts;
import org.jzeo.storage.MemoryStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** TLS with and without client certificates, alone and combined with digest authentication. */
@Timeout(120)
class TlsServerTest {
    @TempDir
    static Path certDir;
    static TestCertificates certs;

    @TempDir
    Path dir;

    private final MemoryStorage storage = MemoryStorage.create("1");
    private StorageServer server;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = new TestCertificates(certDir);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        storage.close();
    }

    private StorageServer start(ServerConfig.Builder b) {
        server = new StorageServer(b.address("127.0.0.1:0").build(), Map.of("1", storage)).start();
        return server;
    }

    private ClientTls client(Path cert, Path key) {
        return new ClientTls(cert, key, null, certs.caCert, true, null);
    }

    private void registerAndCommit(SSLSocket socket) throws Exception {
        try (AuthWireClient c = new AuthWireClient(socket)) {
            assertArrayEquals(Tid.ZERO.toBytes(), (byte[]) c.call("register", "1", false));
            byte[] tid = AuthServerTest.commitRoot(c, 1, "over tls".getBytes());
            assertArrayEquals(tid, storage.lastTransaction().toBytes());
        }
        assertArrayEquals("over tls".getBytes(), storage.load(Oid.ROOT).data());
    }

    @Test
    void tlsWithoutClientCertificates() throws Exception {
        start(ServerConfig.builder().ssl(new ServerTls(certs.serverCert, certs.serverKey, null, null)));
        registerAndCommit(TlsContexts.connect(client(null, null), "127.0.0.1", server.port(), AuthWireClient.TIMEOUT));
    }

    @Test
    void theClientChecksTheServerCertificateAndName() throws Exception {
        start(ServerConfig.builder().ssl(new ServerTls(certs.serverCert, certs.serverKey, null, null)));
        // A CA the server's certificate does not chain to.
        assertThrows(SSLException.class, () -> TlsContexts.connect(
                new ClientTls(null, null, null, certs.rogueCert, true, null), "127.0.0.1", server.port(),
                AuthWireClient.TIMEOUT).close());
        // The certificate does not name this host.
        assertThrows(SSLException.class, () -> TlsContexts.connect(
                new ClientTls(null, null, null, certs.caCert, true, "zeo.example.com"), "127.0.0.1", server.port(),
                AuthWireClient.TIMEOUT).close());
        // ... which check-hostname false accepts.
        TlsContexts.connect(new ClientTls(null, null, null, certs.caCert, false, "zeo.example.com"), "127.0.0.1",
                server.port(), AuthWireClient.TIMEOUT).close();
    }

    @Test
    void clientCertificatesRequiredWhenAuthenticateIsSet() throws Exception {
        start(ServerConfig.builder().ssl(new ServerTls(certs.serverCert, certs.serverKey, null, certs.caCert)));
        registerAndCommit(TlsContexts.connect(client(certs.clientCert, certs.clientKey), "127.0.0.1", server.port(),
                AuthWireClient.TIMEOUT));
        assertRefused(client(null, null));
        assertRefused(client(certs.rogueCert, certs.rogueKey));
        assertEquals(0, server.stats("1").clients());
    }

    /** The TLS 1.3 server rejects the certificate after the client's handshake: the client learns it on first read. */
    private void assertRefused(ClientTls tls) {
        assertThrows(IOException.class, () -> {
            try (SSLSocket s = TlsContexts.connect(tls, "127.0.0.1", server.port(), AuthWireClient.TIMEOUT);
                    AuthWireClient c = new AuthWireClient(s)) {
                c.call("register", "1", false);
            }
        });
    }

    @Test
    void tlsCombinedWithDigestAuthenticationThroughTheNettyClient() throws Exception {
        Path passwd = dir.resolve("passwd");
        PasswordDatabase db = PasswordDatabase.create(passwd, "ZEO");
        db.add("alice", DigestAuthentication.hashUserPassword("alice", "ZEO", "secret".toCharArray()));
        db.save();
        start(ServerConfig.builder().ssl(new ServerTls(certs.serverCert, certs.serverKey, null, certs.caCert))
                .authenticationProtocol("digest").authenticationDatabase(passwd).authenticationRealm("ZEO"));
        try (NettyTestClient c = new NettyTestClient(server.port(), client(certs.clientCert, certs.clientKey),
                new Credentials("alice", "secret".toCharArray(), "ZEO"))) {
            c.awaitReady();
            assertArrayEquals(Tid.ZERO.toBytes(), (byte[]) c.call(1, "register", "1", false).args());
        }
        // Without a password, TLS alone does not get a client in.
        try (SSLSocket s = TlsContexts.connect(client(certs.clientCert, certs.clientKey), "127.0.0.1", server.port(),
                AuthWireClient.TIMEOUT); AuthWireClient c = new AuthWireClient(s)) {
            assertEquals(null, c.callRaw("register", "1", false));
        }
    }

    @Test
    void badSettingsAreRefusedAtStart() {
        assertThrows(IllegalArgumentException.class, () -> new ServerTls(certs.serverCert, null, null, Path.of("DYNAMIC")));
        assertThrows(IllegalArgumentException.class, () -> new StorageServer(ServerConfig.builder()
                .ssl(new ServerTls(certs.caCert, certs.caCert, null, null)).build(), Map.of("1", storage)));
        ServerTls noCa = new ServerTls(certs.serverCert, certs.serverKey, null, certs.serverKey);
        assertTrue(noCa.requiresClientCertificates());
        assertThrows(IllegalArgumentException.class, () -> new StorageServer(ServerConfig.builder().ssl(noCa).build(),
                Map.of("1", storage)));
    }
}
