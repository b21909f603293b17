package org.jzeo.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.jzeo.api.Oid;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.auth.DigestAuthentication;
import org.jzeo.auth.PasswordDatabase;
import org.jzeo.auth.tls.ServerTls;
import org.jzeo.server.ServerConfig;
import org.jzeo.server.StorageServer;
import org.jzeo.server.TestCertificates;
import org.jzeo.storage.MemoryStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** ClientStorage over digest authentication and TLS, against a real jzeo server on 127.0.0.1. */
@Timeout(60)
class SecureConnectionTest {
    @TempDir
    Path dir;

    private static Tid commit(ClientStorage c, Oid oid, String value) {
        StorageTransaction t = c.tpcBegin(TransactionMetaData.of("u", "d"));
        t.store(oid, Tid.ZERO, value.getBytes());
        t.vote();
        return t.finish();
    }

    @Test
    void authenticatedClientCommitsAndWrongPasswordIsRefused() throws Exception {
        Path passwd = dir.resolve("auth.db");
        PasswordDatabase db = PasswordDatabase.create(passwd, "ZEO");
        db.add("alice", DigestAuthentication.hashUserPassword("alice", "ZEO", "secret".toCharArray()));
        db.save();
        MemoryStorage storage = MemoryStorage.create("1");
        try (StorageServer server = new StorageServer(ServerConfig.builder().address("127.0.0.1:0")
                .authenticationProtocol("digest").authenticationDatabase(passwd).authenticationRealm("ZEO").build(),
                Map.of("1", storage)).start()) {
            String address = "127.0.0.1:" + server.port();
            try (ClientStorage c = ClientStorage.open(ClientConfig.builder(address).username("alice")
                    .password("secret").realm("ZEO").waitTimeout(Duration.ofSeconds(10)).build())) {
                Tid t = commit(c, Oid.ROOT, "hello");
                assertArrayEquals("hello".getBytes(), storage.load(Oid.ROOT).data());
                assertEquals(t, c.load(Oid.ROOT).start());
            }
            assertThrows(ClientDisconnected.class, () -> ClientStorage.open(ClientConfig.builder(address)
                    .username("alice").password("wrong").realm("ZEO").waitTimeout(Duration.ofSeconds(2)).build()));
            assertThrows(ClientDisconnected.class, () -> ClientStorage.open(ClientConfig.builder(address)
                    .waitTimeout(Duration.ofSeconds(2)).build()), "an unauthenticated client gets nowhere");
        } finally {
            storage.close();
        }
    }

    @Test
    void tlsWithAClientCertificate() throws Exception {
        TestCertificates certs = new TestCertificates(dir);
        MemoryStorage storage = MemoryStorage.create("1");
        try (StorageServer server = new StorageServer(ServerConfig.builder().address("127.0.0.1:0")
                .ssl(new ServerTls(certs.serverCert, certs.serverKey, null, certs.caCert)).build(),
                Map.of("1", storage)).start()) {
            String address = "127.0.0.1:" + server.port();
            try (ClientStorage c = ClientStorage.open(ClientConfig.builder(address)
                    .tls(new ClientConfig.Tls(certs.clientCert, certs.clientKey, null, certs.caCert, true, null))
                    .waitTimeout(Duration.ofSeconds(10)).build())) {
                commit(c, Oid.ROOT, "over tls");
                assertArrayEquals("over tls".getBytes(), storage.load(Oid.ROOT).data());
            }
            // A client whose certificate the server does not trust is refused.
            assertThrows(ClientDisconnected.class, () -> ClientStorage.open(ClientConfig.builder(address)
                    .tls(new ClientConfig.Tls(certs.rogueCert, certs.rogueKey, null, certs.caCert, true, null))
                    .waitTimeout(Duration.ofSeconds(2)).build()));
        } finally {
            storage.close();
        }
    }
}
