package org.jzeo.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.jzeo.api.ConflictError;
import org.jzeo.api.Oid;
import org.jzeo.api.POSKeyError;
import org.jzeo.api.Tid;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.Tuple;
import org.jzeo.protocol.Values;
import org.jzeo.storage.MemoryStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A real server on 127.0.0.1 with two wire clients: commit, invalidation, loads, conflicts. */
class StorageServerTest {
    private StorageServer server;
    private MemoryStorage storage;

    private StorageServer start(boolean msgpack) {
        storage = MemoryStorage.create("1");
        server = new StorageServer(ServerConfig.builder().address("127.0.0.1:0").msgpack(msgpack).build(),
                Map.of("1", storage)).start();
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (storage != null) {
            storage.close();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void commitInvalidatesOtherClientAndLoadsBack(boolean msgpack) throws Exception {
        start(msgpack);
        try (WireClient a = new WireClient(server.port()); WireClient b = new WireClient(server.port())) {
            assertEquals(msgpack ? "M5" : "Z5", a.protocol);
            assertArrayEquals(Tid.ZERO.toBytes(), (byte[]) a.call("register", "1", 0L));
            assertArrayEquals(Tid.ZERO.toBytes(), (byte[]) b.call("register", "1", 0L));
            List<Object> oids = Values.sequence(a.call("new_oids"));
            assertEquals(100, oids.size());
            byte[] oid = (byte[]) oids.get(0);
            long txn = 1234567890123L;
            a.async("tpc_begin", txn, "alice".getBytes(), "first".getBytes(), Map.of("k", "v"), null, " ");
            a.async("storea", Oid.ROOT.toBytes(), Tid.ZERO.toBytes(), "root-data".getBytes(), txn);
            a.async("storea", oid, Tid.ZERO.toBytes(), "obj-data".getBytes(), txn);
            assertEquals(List.of(), Values.sequence(a.call("vote", txn)));
            byte[] tid = (byte[]) a.call("tpc_finish", txn);
            Message info = a.callbacks.remove(0);
            assertEquals("info", info.method());

            Message inval = b.awaitCallback("invalidateTransaction");
            assertArrayEquals(tid, (byte[]) inval.arg(0));
            assertEquals(2, Values.sequence(inval.arg(1)).size());

            Tuple loaded = (Tuple) b.call("loadBefore", oid, Tid.MAX.toBytes());
            assertArrayEquals("obj-data".getBytes(), (byte[]) loaded.get(0));
            assertArrayEquals(tid, (byte[]) loaded.get(1));
            assertNull(loaded.get(2));
            assertNull(b.call("loadBefore", oid, tid));
            assertThrows(POSKeyError.class, () -> b.call("loadBefore", Oid.of(0x7777).toBytes(), Tid.MAX.toBytes()));

            // B writes on a stale serial: ConflictError at vote, with oid and serials.
            long txnB = 99L;
            a.async("tpc_begin", txn + 1, "alice".getBytes(), "second".getBytes(), Map.of(), null, " ");
            a.async("storea", oid, tid, "obj-data-2".getBytes(), txn + 1);
            a.call("vote", txn + 1);
            byte[] tid2 = (byte[]) a.call("tpc_finish", txn + 1);
            b.async("tpc_begin", txnB, "bob".getBytes(), "late".getBytes(), Map.of(), null, " ");
            b.async("storea", oid, tid, "stale".getBytes(), txnB);
            ConflictError e = assertThrows(ConflictError.class, () -> b.call("vote", txnB));
            assertEquals(Oid.of(oid), e.oid());
            assertEquals(Tid.of(tid2), e.currentSerial());
            assertEquals(Tid.of(tid), e.oldSerial());
            assertNull(b.call("tpc_abort", txnB));
            assertArrayEquals(tid2, (byte[]) b.call("lastTransaction"));

            List<Object> history = Values.sequence(a.call("history", oid, 10L));
            assertEquals(2, history.size());
            Map<?, ?> newest = (Map<?, ?>) history.get(0);
            assertArrayEquals(tid2, (byte[]) newest.get("tid"));
            assertInstanceOf(Double.class, newest.get("time"));
            assertTrue(((Map<?, ?>) history.get(1)).containsKey("k"), "extension keys are merged into history");
        }
    }
}
