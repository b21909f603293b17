package org.jzeo.monitor.internal.osgi;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.jzeo.server.ServerConfig;
import org.jzeo.server.StorageServer;
import org.jzeo.storage.MemoryStorage;
import org.junit.jupiter.api.Test;

/** The monitor component as plain Java, with a real server. */
class MonitorComponentTest {
    private static String read(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port); InputStream in = s.getInputStream()) {
            s.setSoTimeout(5000);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aServerWithAMonitorAddressGetsAMonitorUntilItGoesAway() throws IOException {
        MonitorComponent c = new MonitorComponent();
        try (StorageServer server = new StorageServer(ServerConfig.builder().address("127.0.0.1:0").build(),
                Map.of("7", MemoryStorage.create("7"))).start();
             StorageServer plain = new StorageServer(ServerConfig.builder().address("127.0.0.1:0").build(),
                     Map.of("8", MemoryStorage.create("8"))).start()) {
            c.bindServer(server, Map.of("address", "127.0.0.1:" + server.port(), "monitor-address", "127.0.0.1:0"));
            c.bindServer(plain, Map.of("address", "127.0.0.1:" + plain.port()));
            assertNull(c.monitor(plain), "no monitor-address, no monitor");
            int port = c.monitor(server).port();
            String report = read(port);
            assertTrue(report.startsWith("ZEO monitor server version"), report);
            assertTrue(report.contains("Storage: 7\n"), report);
            c.unbindServer(server);
            assertThrows(ConnectException.class, () -> read(port));
            c.deactivate();
        }
    }
}
