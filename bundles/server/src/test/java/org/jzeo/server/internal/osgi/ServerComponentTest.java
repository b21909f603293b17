package org.jzeo.server.internal.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jzeo.protocol.FrameIO;
import org.jzeo.protocol.Message;
import org.jzeo.server.ServerConfig;
import org.jzeo.server.StorageServer;
import org.jzeo.storage.MemoryStorage;
import org.junit.jupiter.api.Test;

/** The server component as plain Java: an anonymous configuration, a recording publisher. */
class ServerComponentTest {
    private static final Duration T = Duration.ofSeconds(5);

    static ServerComponentConfig config(String address, String storages, String auth, long timeout) {
        return config(address, storages, auth, timeout, "");
    }

    static ServerComponentConfig config(String address, String storages, String auth, long timeout, String monitor) {
        return new ServerComponentConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return ServerComponentConfig.class;
            }

            @Override
            public String address() {
                return address;
            }

            @Override
            public String[] storages() {
                return new String[] {storages};
            }

            @Override
            public boolean read$_$only() {
                return false;
            }

            @Override
            public int invalidation$_$queue$_$size() {
                return 7;
            }

            @Override
            public long invalidation$_$age() {
                return 0;
            }

            @Override
            public long transaction$_$timeout() {
                return timeout;
            }

            @Override
            public boolean client$_$conflict$_$resolution() {
                return false;
            }

            @Override
            public boolean msgpack() {
                return false;
            }

            @Override
            public String monitor$_$address() {
                return monitor;
            }

            @Override
            public String authentication$_$protocol() {
                return auth;
            }

            @Override
            public String authentication$_$database() {
                return auth.isEmpty() ? "" : "/nonexistent/zeo-passwords";
            }

            @Override
            public String authentication$_$realm() {
                return "";
            }
        };
    }

    /** Records published servers and withdrawals. */
    static final class Published implements ServerComponent.Publisher {
        final List<Map<String, Object>> published = new ArrayList<>();
        int withdrawn;

        @Override
        public Runnable apply(StorageServer server, Map<String, Object> props) {
            published.add(props);
            return () -> withdrawn++;
        }
    }

    private static String handshake(int port) throws IOException {
        try (FrameIO io = FrameIO.connect("127.0.0.1", port, T)) {
            return io.clientHandshake(T);
        }
    }

    @Test
    void serverStartsWhenEveryNamedStorageIsBoundAndStopsWhenOneLeaves() throws Exception {
        Published pub = new Published();
        MemoryStorage a = MemoryStorage.create("a");
        MemoryStorage b = MemoryStorage.create("b");
        MemoryStorage other = MemoryStorage.create("other");
        ServerComponent c = new ServerComponent(config("127.0.0.1:0", "a, b", "", 0), pub);
        c.bindStorage(a);
        c.bindStorage(other);
        c.activate();
        assertNull(c.server(), "b is missing: not listening yet");
        assertEquals(List.of("b"), c.missing());

        c.bindStorage(b);
        StorageServer s = c.server();
        assertNotNull(s);
        int port = s.port();
        assertEquals("Z5", handshake(port), "msgpack=false gives Z5");
        assertEquals(1, pub.published.size());
        assertEquals(port, pub.published.get(0).get("port"));
        assertEquals(List.of("a", "b"), List.of((String[]) pub.published.get(0).get("storages")));

        // A client registered on b is disconnected when b goes away.
        try (FrameIO io = FrameIO.connect("127.0.0.1", port, T)) {
            io.clientHandshake(T);
            io.send(Message.call(1, "register", "b", false));
            Message reply = io.receive(T);
            assertFalse(reply.isError(), reply.toString());
            c.unbindStorage(b);
            assertTrue(io.awaitClosed(T), "the client was told (disconnected) before b closed");
        }
        assertNull(c.server());
        assertEquals(1, pub.withdrawn);
        assertThrows(ConnectException.class, () -> handshake(port));

        c.bindStorage(b);
        assertNotNull(c.server(), "complete again: serving again");
        assertEquals("Z5", handshake(c.server().port()));
        c.unbindStorage(other);
        assertEquals(2, pub.published.size(), "an unrelated storage does not restart the server");

        c.deactivate();
        assertNull(c.server());
        assertEquals(2, pub.withdrawn);
    }

    @Test
    void aBusyAddressFailsActivation() throws Exception {
        ServerComponent first = new ServerComponent(config("127.0.0.1:0", "1", "", 0), new Published());
        first.bindStorage(MemoryStorage.create("1"));
        first.activate();
        int port = first.server().port();
        try {
            ServerComponent second = new ServerComponent(config("127.0.0.1:" + port, "1", "", 0), new Published());
            second.bindStorage(MemoryStorage.create("1"));
            RuntimeException e = assertThrows(RuntimeException.class, second::activate);
            assertTrue(e.getMessage().contains(String.valueOf(port)), e.getMessage());
            assertNull(second.server());
        } finally {
            first.deactivate();
        }
    }

    @Test
    void authenticationIsConfiguredAndAnUnreadableDatabaseFailsActivation() {
        ServerConfig sc = ServerComponent.toServerConfig(config("127.0.0.1:0", "1", "digest", 0));
        assertTrue(sc.requiresAuthentication());
        assertEquals("digest", sc.authenticationProtocol());
        assertEquals(java.nio.file.Path.of("/nonexistent/zeo-passwords"), sc.authenticationDatabase());
        ServerComponent c = new ServerComponent(config("127.0.0.1:0", "1", "digest", 0), new Published());
        c.bindStorage(MemoryStorage.create("1"));
        assertThrows(RuntimeException.class, c::activate, "never serves without its password database");
        assertNull(c.server());
        assertFalse(ServerComponent.toServerConfig(config("127.0.0.1:0", "1", "", 0)).requiresAuthentication());
    }

    @Test
    void theMonitorAddressIsPublishedWithTheServer() {
        Published pub = new Published();
        ServerComponent c = new ServerComponent(config("127.0.0.1:0", "1", "", 0, "127.0.0.1:8101"), pub);
        c.bindStorage(MemoryStorage.create("1"));
        c.activate();
        try {
            assertEquals("127.0.0.1:8101", pub.published.get(0).get("monitor-address"));
        } finally {
            c.deactivate();
        }
    }

    @Test
    void configurationKeysMapOntoServerConfig() {
        ServerConfig sc = ServerComponent.toServerConfig(config("8200", "1", "", 30));
        assertEquals("127.0.0.1:8200", sc.address().toString());
        assertEquals(7, sc.invalidationQueueSize());
        assertEquals(Duration.ofSeconds(30), sc.transactionTimeout());
        assertNull(sc.invalidationAge());
        assertFalse(sc.msgpack());
        assertNull(ServerComponent.toServerConfig(config("8200", "1", "", 0)).transactionTimeout());
        assertEquals(List.of("1", "2", "x"), ServerComponent.storageNames(new String[] {"1,2", " x ", "2"}));
        assertThrows(IllegalArgumentException.class, () -> ServerComponent.storageNames(new String[] {" , "}));
    }
}
