package org.jzeo.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.file.Path;
import java.util.Map;
import org.jzeo.api.Tid;
import org.jzeo.auth.AuthWire;
import org.jzeo.auth.AuthenticationException;
import org.jzeo.auth.Credentials;
import org.jzeo.auth.DigestAuthentication;
import org.jzeo.auth.MacHandler;
import org.jzeo.auth.PasswordDatabase;
import org.jzeo.protocol.Message;
import org.jzeo.storage.MemoryStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The reusable Netty client side ({@link org.jzeo.auth.ClientAuthHandler}) against a real server. */
@Timeout(60)
class ClientAuthHandlerTest {
    private final MemoryStorage storage = MemoryStorage.create("1");
    private StorageServer server;

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        Path passwd = dir.resolve("passwd");
        PasswordDatabase db = PasswordDatabase.create(passwd, "ZEO");
        db.add("alice", DigestAuthentication.hashUserPassword("alice", "ZEO", "secret".toCharArray()));
        db.save();
        server = new StorageServer(ServerConfig.builder().address("127.0.0.1:0").authenticationProtocol("digest")
                .authenticationDatabase(passwd).build(), Map.of("1", storage)).start();
    }

    @AfterEach
    void stop() {
        server.close();
        storage.close();
    }

    @Test
    void handshakeEventOnlyAfterAuthenticationThenMacProtectedTraffic() throws Exception {
        try (NettyTestClient c = new NettyTestClient(server.port(), null,
                new Credentials("alice", "secret".toCharArray(), "ZEO"))) {
            c.awaitReady();
            assertNotNull(c.channel.pipeline().get(MacHandler.class));
            assertEquals(null, c.channel.pipeline().get(AuthWire.AUTH_HANDLER));
            Message reply = c.call(1, "register", "1", false);
            assertArrayEquals(Tid.ZERO.toBytes(), (byte[]) reply.args());
            assertEquals(Boolean.FALSE, c.call(2, "ping").isError());
        }
    }

    @Test
    void wrongPasswordIsReportedAndTheApplicationNeverSeesTheHandshake() throws Exception {
        try (NettyTestClient c = new NettyTestClient(server.port(), null,
                new Credentials("alice", "nope".toCharArray(), null))) {
            AuthenticationException e = assertInstanceOf(AuthenticationException.class, c.next());
            assertEquals("Authentication failed", e.getMessage());
            assertEquals(NettyTestClient.INACTIVE, c.next());
        }
    }

    @Test
    void wrongRealmIsRefusedByTheClient() throws Exception {
        try (NettyTestClient c = new NettyTestClient(server.port(), null,
                new Credentials("alice", "secret".toCharArray(), "Elsewhere"))) {
            AuthenticationException e = assertInstanceOf(AuthenticationException.class, c.next());
            assertEquals("expected realm Elsewhere, got realm ZEO", e.getMessage());
            assertEquals(NettyTestClient.INACTIVE, c.next());
        }
    }

    @Test
    void aServerWithoutAuthenticationIsReportedAsClosingTheConnection() throws Exception {
        MemoryStorage other = MemoryStorage.create("1");
        try (StorageServer plain = new StorageServer(ServerConfig.builder().address("127.0.0.1:0").build(),
                Map.of("1", other)).start();
                NettyTestClient c = new NettyTestClient(plain.port(), null,
                        new Credentials("alice", "secret".toCharArray(), null))) {
            AuthenticationException e = assertInstanceOf(AuthenticationException.class, c.next());
            assertEquals("the server closed the connection during authentication", e.getMessage());
        } finally {
            other.close();
        }
    }
}
