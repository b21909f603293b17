package org.jzeo.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.jzeo.api.Oid;
import org.jzeo.api.POSKeyError;
import org.jzeo.api.Tid;
import org.jzeo.auth.AuthWire;
import org.jzeo.auth.Credentials;
import org.jzeo.auth.DigestAuthentication;
import org.jzeo.auth.PasswordDatabase;
import org.jzeo.protocol.FrameIO;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.ServerException;
import org.jzeo.protocol.Tuple;
import org.jzeo.storage.MemoryStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A server requiring digest authentication, against authenticated, unauthenticated and hostile clients. */
@Timeout(60)
class AuthServerTest {
    private final MemoryStorage storage = MemoryStorage.create("1");
    private StorageServer server;

    @TempDir
    Path dir;

    private Path passwd;

    @BeforeEach
    void start() throws Exception {
        passwd = dir.resolve("passwd");
        PasswordDatabase db = PasswordDatabase.create(passwd, "ZEO");
        db.add("alice", DigestAuthentication.hashUserPassword("alice", "ZEO", "secret".toCharArray()));
        db.save();
        server = new StorageServer(ServerConfig.builder().address("127.0.0.1:0").authenticationProtocol("digest")
                .authenticationDatabase(passwd).authenticationRealm("ZEO").build(), Map.of("1", storage)).start();
    }

    @AfterEach
    void stop() {
        server.close();
        storage.close();
    }

    static Credentials alice(String password) {
        return new Credentials("alice", password.toCharArray(), "ZEO");
    }

    static byte[] commitRoot(AuthWireClient c, long txn, byte[] data) throws Exception {
        c.async("tpc_begin", txn, "u".getBytes(), "d".getBytes(), Map.of(), null, " ");
        c.async("storea", Oid.ROOT.toBytes(), Tid.ZERO.toBytes(), data, txn);
        c.call("vote", txn);
        return (byte[]) c.call("tpc_finish", txn);
    }

    @Test
    void authenticatedClientWorksWithMacsBothWays() throws Exception {
        try (AuthWireClient c = new AuthWireClient(server.port())) {
            assertEquals(Boolean.TRUE, c.authenticate(alice("secret")));
            assertArrayEquals(Tid.ZERO.toBytes(), (byte[]) c.call("register", "1", false));
            byte[] tid = commitRoot(c, 1, "root".getBytes());
            Tuple loaded = (Tuple) c.call("loadBefore", Oid.ROOT.toBytes(), Tid.MAX.toBytes());
            assertArrayEquals("root".getBytes(), (byte[]) loaded.get(0));
            assertArrayEquals(tid, (byte[]) loaded.get(1));
            assertEquals(1L, ((Map<?, ?>) c.call("server_status")).get("connections"));
        }
        assertArrayEquals("root".getBytes(), storage.load(Oid.ROOT).data());
    }

    @Test
    void unauthenticatedCallsCloseTheConnectionUnanswered() throws Exception {
        for (String method : new String[] {"register", "get_info", "ping", AuthWire.RESPONSE}) {
            try (AuthWireClient c = new AuthWireClient(server.port())) {
                Object[] args = method.equals("register") ? new Object[] {"1", false}
                        : method.equals(AuthWire.RESPONSE) ? new Object[] {Tuple.of("alice", "x", "y")} : new Object[0];
                assertNull(c.callRaw(method, args), method + " must not be answered");
            }
        }
        // The ruok probe gets nothing either.
        try (FrameIO io = FrameIO.connect("127.0.0.1", server.port(), AuthWireClient.TIMEOUT)) {
            io.readFrame(AuthWireClient.TIMEOUT);
            io.writeFrame("ruok".getBytes(StandardCharsets.US_ASCII));
            assertNull(io.readFrame(AuthWireClient.TIMEOUT));
        }
        assertEquals(Tid.ZERO, storage.lastTransaction());
    }

    @Test
    void wrongPasswordUnknownUserAndWrongProtocolAreRefused() throws Exception {
        try (AuthWireClient c = new AuthWireClient(server.port())) {
            assertEquals(Boolean.FALSE, c.authenticate(alice("wrong")));
            assertTrue(c.closedByServer());
        }
        try (AuthWireClient c = new AuthWireClient(server.port())) {
            assertEquals(Boolean.FALSE, c.authenticate(new Credentials("mallory", "secret".toCharArray(), null)));
            assertTrue(c.closedByServer());
        }
        try (AuthWireClient c = new AuthWireClient(server.port())) {
            Message m = c.callRaw(AuthWire.START, "kerberos");
            assertTrue(m.isError());
            ServerException e = assertInstanceOf(ServerException.class, m.toException());
            assertEquals(AuthWire.AUTH_ERROR, e.className());
            assertTrue(c.closedByServer());
        }
        // A refused client cannot go on with register.
        try (AuthWireClient c = new AuthWireClient(server.port())) {
            c.authenticate(alice("wrong"));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void tamperedReplayedAndMaclessMessagesCloseTheConnectionAndStoreNothing() throws Exception {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (AuthWireClient c = new AuthWireClient(server.port())) {
            c.authenticate(alice("secret"));
            c.call("register", "1", false);
            c.async("tpc_begin", 7L, "u".getBytes(), "d".getBytes(), Map.of(), null, " ");
            byte[] frame = c.frame(Message.async("storea", Oid.ROOT.toBytes(), Tid.ZERO.toBytes(), "good".getBytes(), 7L));
            // An attacker changes the data: "good" -> "evil" (same length, MAC unchanged).
            String s = new String(frame, StandardCharsets.ISO_8859_1).replace("good", "evil");
            System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
            c.io.writeFrame(s.getBytes(StandardCharsets.ISO_8859_1));
            c.async("vote", 7L);
            assertTrue(c.closedByServer(), "a MAC failure must close the connection");
        } finally {
            System.setErr(oldErr);
        }
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("MAC failed"), log.toString(StandardCharsets.UTF_8));
        assertThrows(POSKeyError.class, () -> storage.load(Oid.ROOT));
        assertEquals(Tid.ZERO, storage.lastTransaction());

        // Replay: the same valid frame twice fails the chained MAC.
        try (AuthWireClient c = new AuthWireClient(server.port())) {
            c.authenticate(alice("secret"));
            c.call("register", "1", false);
            c.call("ping");
            c.io.writeFrame(c.lastFrame);
            assertTrue(c.closedByServer());
        }
        // A frame without MAC after authentication.
        try (AuthWireClient c = new AuthWireClient(server.port())) {
            c.authenticate(alice("secret"));
            c.io.writeFrame(c.io.codec().encode(Message.call(9L, "register", "1", false)));
            assertTrue(c.closedByServer());
        }
        assertEquals(Tid.ZERO, storage.lastTransaction());
    }

    @Test
    void plainServerClosesAnAuthenticatingClient() throws Exception {
        MemoryStorage other = MemoryStorage.create("1");
        try (StorageServer plain = new StorageServer(ServerConfig.builder().address("127.0.0.1:0").build(),
                Map.of("1", other)).start(); AuthWireClient c = new AuthWireClient(plain.port())) {
            assertThrows(java.io.IOException.class, () -> c.authenticate(alice("secret")));
        } finally {
            other.close();
        }
    }

    @Test
    void serverRefusesToStartOnARealmMismatchOrAnUnknownProtocol() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StorageServer(
                ServerConfig.builder().address("127.0.0.1:0").authenticationProtocol("digest")
                        .authenticationDatabase(passwd).authenticationRealm("Other").build(), Map.of("1", storage)));
        assertEquals("password database realm ZEO does not match storage realm Other", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new StorageServer(ServerConfig.builder()
                .address("127.0.0.1:0").authenticationProtocol("nosuch").build(), Map.of("1", storage)));
        ServerConfig none = ServerConfig.builder().authenticationProtocol("none").build();
        assertFalse(none.requiresAuthentication());
        assertTrue(server.config().requiresAuthentication());
    }

    @Test
    void unauthenticatedConnectionsAreNotCountedAsClients() throws Exception {
        try (AuthWireClient c = new AuthWireClient(server.port())) {
            c.authenticate(alice("secret"));
            assertEquals(0, server.stats("1").clients());
            c.call("register", "1", false);
            assertEquals(1, server.stats("1").clients());
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (server.stats("1").clients() != 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(0, server.stats("1").clients());
    }
}
