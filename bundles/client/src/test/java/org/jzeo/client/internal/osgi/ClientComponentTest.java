package org.jzeo.client.internal.osgi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jzeo.api.Oid;
import org.jzeo.api.Storage;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.client.ClientConfig;
import org.jzeo.client.ClientStorage;
import org.jzeo.server.ServerConfig;
import org.jzeo.server.StorageServer;
import org.jzeo.storage.MemoryStorage;
import org.junit.jupiter.api.Test;

/** The client component as plain Java, against a real server. */
class ClientComponentTest {
    @Test
    void registersAConnectedClientAndClosesItOnDeactivate() {
        MemoryStorage backend = MemoryStorage.create("1");
        try (StorageServer server = new StorageServer(ServerConfig.builder().address("127.0.0.1:0").build(),
                Map.of("1", backend)).start()) {
            Map<String, Object> props = new LinkedHashMap<>();
            props.put("server", "127.0.0.1:" + server.port());
            props.put("storage", "1");
            props.put("wait", Boolean.TRUE);
            props.put("client", "");
            props.put("service.pid", "org.jzeo.client~app");
            props.put("component.id", 7L);
            List<Map<String, Object>> registered = new ArrayList<>();
            List<Storage> services = new ArrayList<>();
            int[] withdrawn = {0};
            ClientComponent c = new ClientComponent(props, ClientStorage::open, (s, p) -> {
                services.add(s);
                registered.add(p);
                return () -> withdrawn[0]++;
            });
            ClientStorage client = c.client();
            assertSame(client, services.get(0));
            assertEquals("client", registered.get(0).get("storage.type"));
            assertEquals("1", registered.get(0).get("storage"));
            assertTrue(client.isConnected(), "wait=true: connected before registration");

            Oid oid = client.newOid();
            StorageTransaction t = client.tpcBegin(TransactionMetaData.of("u", "osgi"));
            t.store(oid, Tid.ZERO, "through the service".getBytes(StandardCharsets.UTF_8));
            t.vote();
            Tid tid = t.finish();
            assertArrayEquals("through the service".getBytes(StandardCharsets.UTF_8), backend.load(oid).data());
            assertEquals(tid, backend.lastTransaction());

            c.deactivate();
            assertEquals(1, withdrawn[0]);
            assertFalse(client.isConnected());
        }
    }

    @Test
    void frameworkKeysAndBlankValuesAreSkipped() {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("server", new String[] {"127.0.0.1:8100", "127.0.0.1:8101"});
        props.put("client", " ");
        props.put("felix.fileinstall.filename", "file:/etc/org.jzeo.client-app.cfg");
        props.put("wait-timeout", "5");
        ClientConfig cc = ClientComponent.toClientConfig(props);
        assertEquals(List.of("127.0.0.1:8100", "127.0.0.1:8101"), cc.servers());
        assertNull(cc.client());
        assertEquals(Duration.ofSeconds(5), cc.waitTimeout());
        props.put("no-such-key", "x");
        assertThrows(IllegalArgumentException.class, () -> ClientComponent.toClientConfig(props));
    }
}
