package org.jzeo.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jzeo.api.config.ConfigException;
import org.jzeo.client.internal.Address;
import org.jzeo.server.StorageServer;
import org.jzeo.storage.MemoryStorage;

/** Every client configuration key, from a map and from {@code <zeoclient>} text; addresses. */
class ClientConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaultsAreZeos() {
        ClientConfig c = ClientConfig.of("zeo.example.com:8090");
        assertEquals(List.of("zeo.example.com:8090"), c.servers());
        assertEquals("1", c.storage());
        assertEquals(20L * 1024 * 1024, c.cacheSize());
        assertNull(c.client());
        assertEquals(Duration.ofSeconds(5), c.minDisconnectPoll());
        assertEquals(Duration.ofSeconds(300), c.maxDisconnectPoll());
        assertTrue(c.waitForConnection());
        assertEquals(Duration.ofSeconds(30), c.waitTimeout());
        assertFalse(c.readOnly());
        assertFalse(c.readOnlyFallback());
        assertEquals("", c.name());
        assertNull(c.tls());
        assertEquals(Duration.ofSeconds(60), c.heartbeatInterval(), "Python's heartbeat_interval");
        assertThrows(IllegalArgumentException.class, () -> ClientConfig.builder().build(), "a server is required");
    }

    static Map<String, String> everyKey() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("server", "zeo1:8100 [::1]:8101, /var/run/zeo.sock");
        m.put("storage", "main");
        m.put("cache-size", "100MB");
        m.put("client", "app");
        m.put("var", "/var/cache/zeo");
        m.put("cache-path", "/var/cache/zeo2");
        m.put("min-disconnect-poll", "2");
        m.put("max-disconnect-poll", "1m");
        m.put("wait", "off");
        m.put("wait-timeout", "45");
        m.put("read-only", "false");
        m.put("read-only-fallback", "yes");
        m.put("name", "main db");
        m.put("client-label", "worker-1");
        m.put("server-sync", "true");
        m.put("blob-dir", "/var/blobs");
        m.put("shared-blob-dir", "on");
        m.put("blob-cache-size", "1GB");
        m.put("blob-cache-size-check", "20");
        m.put("drop-cache-rather-verify", "true");
        m.put("realm", "zeo");
        m.put("username", "alice");
        m.put("password", "secret");
        m.put("max-frame-size", "64MB");
        m.put("heartbeat-interval", "2.5");
        m.put("ssl-certificate", "/etc/zeo/client.pem");
        m.put("ssl-key", "/etc/zeo/client.key");
        m.put("ssl-password-function", "pw");
        m.put("ssl-authenticate", "/etc/zeo/ca.pem");
        m.put("ssl-check-hostname", "false");
        m.put("ssl-server-hostname", "zeo.example.com");
        return m;
    }

    static void assertEveryKey(ClientConfig c) {
        assertEquals(List.of("zeo1:8100", "[::1]:8101", "/var/run/zeo.sock"), c.servers());
        assertEquals("main", c.storage());
        assertEquals(100L << 20, c.cacheSize());
        assertEquals("app", c.client());
        assertEquals(Path.of("/var/cache/zeo"), c.var());
        assertEquals(Path.of("/var/cache/zeo2"), c.cachePath());
        assertEquals(Path.of("/var/cache/zeo2"), c.cacheDirectory());
        assertEquals(Duration.ofSeconds(2), c.minDisconnectPoll());
        assertEquals(Duration.ofSeconds(60), c.maxDisconnectPoll());
        assertFalse(c.waitForConnection());
        assertEquals(Duration.ofSeconds(45), c.waitTimeout());
        assertFalse(c.readOnly());
        assertTrue(c.readOnlyFallback());
        assertEquals("main db", c.name());
        assertEquals("worker-1", c.clientLabel());
        assertTrue(c.serverSync());
        assertEquals(Path.of("/var/blobs"), c.blobDir());
        assertTrue(c.sharedBlobDir());
        assertEquals(1L << 30, c.blobCacheSize());
        assertEquals(20, c.blobCacheSizeCheck());
        assertTrue(c.dropCacheRatherVerify());
        assertEquals("zeo", c.realm());
        assertEquals("alice", c.username());
        assertEquals("secret", c.password());
        assertEquals(64 << 20, c.maxFrameSize());
        assertEquals(Duration.ofMillis(2500), c.heartbeatInterval());
        assertEquals(new ClientConfig.Tls(Path.of("/etc/zeo/client.pem"), Path.of("/etc/zeo/client.key"), "pw",
                Path.of("/etc/zeo/ca.pem"), false, "zeo.example.com"), c.tls());
    }

    @Test
    void everyKeyFromAMap() {
        ClientConfig c = ClientConfig.fromMap(everyKey());
        assertEveryKey(c);
        assertEquals(c, c.toBuilder().build());
    }

    @Test
    void everyKeyFromZeoclientText() {
        String text = """
                # a client
                <zeoclient>
                  server zeo1:8100
                  server [::1]:8101
                  server /var/run/zeo.sock
                  storage main
                  cache-size 100MB
                  client app
                  var /var/cache/zeo
                  cache-path /var/cache/zeo2
                  min-disconnect-poll 2
                  max-disconnect-poll 1m
                  wait off
                  wait-timeout 45
                  read-only false
                  read-only-fallback yes
                  name main db
                  client-label worker-1
                  server-sync true
                  blob-dir /var/blobs
                  shared-blob-dir on
                  blob-cache-size 1GB
                  blob-cache-size-check 20
                  drop-cache-rather-verify true
                  realm zeo
                  username alice
                  password secret
                  max-frame-size 64MB
                  heartbeat-interval 2.5s
                  <ssl>
                    certificate /etc/zeo/client.pem
                    key /etc/zeo/client.key
                    password-function pw
                    authenticate /etc/zeo/ca.pem
                    check-hostname false
                    server-hostname zeo.example.com
                  </ssl>
                </zeoclient>
                """;
        assertEveryKey(ClientConfig.fromConfigText(text));
        ClientConfig minimal = ClientConfig.fromConfigText("<clientstorage>\n server zeo.example.com:8090\n</clientstorage>\n");
        assertEquals(ClientConfig.of("zeo.example.com:8090"), minimal);
    }

    @Test
    void badConfigurationsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ClientConfig.fromMap(Map.of("storage", "1")));
        assertThrows(IllegalArgumentException.class, () -> ClientConfig.fromMap(Map.of("server", "h:1", "colour", "red")));
        assertThrows(IllegalArgumentException.class, () -> ClientConfig.fromMap(Map.of("server", "h:1", "wait", "maybe")));
        assertThrows(IllegalArgumentException.class, () -> ClientConfig.fromMap(Map.of("server", "h:1", "cache-size", "lots")));
        assertThrows(IllegalArgumentException.class, () -> ClientConfig.fromMap(Map.of("server", "h:1", "min-disconnect-poll", "-1")));
        assertThrows(IllegalArgumentException.class, () -> ClientConfig.fromMap(Map.of("server", "h:port")));
        assertThrows(IllegalArgumentException.class, () -> ClientConfig.fromMap(Map.of("server", "h:1", "heartbeat-interval", "0")));
        assertThrows(IllegalArgumentException.class,
                () -> ClientConfig.builder("h:1").heartbeatInterval(Duration.ofSeconds(-1)).build());
        ConfigException e = assertThrows(ConfigException.class,
                () -> ClientConfig.fromConfigText("<zeoclient>\n server h:1\n colour red\n</zeoclient>\n"));
        assertTrue(e.getMessage().contains("colour"), e.getMessage());
        assertThrows(ConfigException.class, () -> ClientConfig.fromConfigText("<zeoclient>\n</zeoclient>\n"));
    }

    @Test
    void addresses() {
        assertEquals(new Address("zeo.example.com", 8090, null), Address.parse("zeo.example.com:8090"));
        assertEquals(new Address("::1", 8100, null), Address.parse("[::1]:8100"));
        assertEquals(new Address("127.0.0.1", 8100, null), Address.parse("8100"));
        assertEquals(new Address(null, -1, "/tmp/zeo.sock"), Address.parse("/tmp/zeo.sock"));
        assertEquals("[::1]:8100", Address.parse("[::1]:8100").toString());
        assertThrows(IllegalArgumentException.class, () -> Address.parse("[::1]8100"));
        assertThrows(IllegalArgumentException.class, () -> Address.parse("host:99999"));
    }

    @Test
    void storageFromStringOpensAConnectedClient() throws Exception {
        try (MemoryStorage ms = MemoryStorage.create("other");
                StorageServer server = new StorageServer(org.jzeo.server.ServerConfig.builder()
                        .address("127.0.0.1:0").build(), Map.of("other", ms)).start();
                ClientStorage c = ClientStorage.storageFromString("<zeoclient>\n server 127.0.0.1:" + server.port()
                        + "\n storage other\n name mine\n client-label tester\n cache-size 1MB\n</zeoclient>\n")) {
            assertTrue(c.isConnected());
            assertEquals("mine", c.getName());
            assertEquals("other", c.config().storage());
            Path file = dir.resolve("client.conf");
            java.nio.file.Files.writeString(file, "<zeoclient>\n server 127.0.0.1:" + server.port()
                    + "\n storage other\n</zeoclient>\n");
            try (ClientStorage d = ClientStorage.storageFromURL(file.toUri().toURL())) {
                assertTrue(d.isConnected());
            }
        }
    }
}
