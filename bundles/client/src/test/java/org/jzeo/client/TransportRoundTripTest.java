package org.jzeo.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jzeo.api.Oid;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.protocol.Transport;
import org.jzeo.server.ServerConfig;
import org.jzeo.server.StorageServer;
import org.jzeo.storage.MemoryStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Server and clients on each Netty transport: commits, loads and invalidations go through. */
@Timeout(60)
class TransportRoundTripTest {
    @AfterEach
    void clearProperty() {
        System.clearProperty(Transport.PROPERTY);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nio", "epoll"})
    void commitLoadAndInvalidate(String transport) throws Exception {
        System.setProperty(Transport.PROPERTY, transport);
        Transport t;
        try {
            t = Transport.forTcp();
        } catch (IllegalStateException e) {
            Assumptions.abort("not on this platform: " + e.getMessage());
            return;
        }
        assertEquals(transport, t.name().toLowerCase(java.util.Locale.ROOT));
        MemoryStorage storage = MemoryStorage.create("1");
        try (StorageServer server = new StorageServer(ServerConfig.builder().address("127.0.0.1:0").build(),
                Map.of("1", storage)).start()) {
            ClientConfig config = ClientConfig.builder("127.0.0.1:" + server.port()).waitTimeout(Duration.ofSeconds(10)).build();
            try (ClientStorage a = ClientStorage.open(config); ClientStorage b = ClientStorage.open(config)) {
                List<Tid> heard = new CopyOnWriteArrayList<>();
                b.addListener((s, txn, tid, oids) -> heard.add(tid));
                StorageTransaction txn = a.tpcBegin(TransactionMetaData.of("u", transport));
                txn.store(Oid.ROOT, Tid.ZERO, transport.getBytes());
                txn.vote();
                Tid tid = txn.finish();
                long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (!heard.contains(tid) && System.nanoTime() < until) {
                    Thread.sleep(5);
                }
                assertEquals(List.of(tid), heard, "b hears of a's commit");
                assertArrayEquals(transport.getBytes(), b.load(Oid.ROOT).data());
                assertEquals(tid, b.load(Oid.ROOT).start());
            }
        } finally {
            storage.close();
        }
    }
}
