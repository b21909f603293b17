package org.jzeo.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jzeo.api.Oid;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.protocol.Tuple;
import org.jzeo.protocol.Values;
import org.jzeo.storage.MemoryStorage;
import org.junit.jupiter.api.Test;

/** getInvalidations (spec §10.1): from the queue, by iteration within invalidation-age, else None. */
class GetInvalidationsTest {
    private static List<Tid> commit(MemoryStorage s, int n) {
        List<Tid> tids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Oid oid = Oid.of(i + 1);
            StorageTransaction t = s.tpcBegin(TransactionMetaData.of("u", "t" + i));
            t.store(oid, Tid.ZERO, ("v" + i).getBytes());
            t.vote();
            tids.add(t.finish());
        }
        return tids;
    }

    private static Set<Oid> oids(Object list) {
        Set<Oid> out = new HashSet<>();
        for (Object o : Values.sequence(list)) {
            out.add(Values.oid(o));
        }
        return out;
    }

    @Test
    void answersFromTheQueueAndNoneWhenTooOld() throws Exception {
        MemoryStorage s = MemoryStorage.create("1");
        List<Tid> tids = commit(s, 5); // committed before the server starts: the queue is seeded from the storage
        try (StorageServer server = new StorageServer(ServerConfig.builder().address("127.0.0.1:0")
                .invalidationQueueSize(3).build(), Map.of("1", s)).start();
                WireClient c = new WireClient(server.port())) {
            c.call("register", "1", 1L);
            Tuple r = (Tuple) c.call("getInvalidations", tids.get(2).toBytes());
            assertArrayEquals(tids.get(4).toBytes(), (byte[]) r.get(0));
            assertEquals(Set.of(Oid.of(4), Oid.of(5)), oids(r.get(1)));
            assertNull(c.call("getInvalidations", tids.get(0).toBytes()), "older than the queue");
        } finally {
            s.close();
        }
    }

    @Test
    void iteratesTheStorageWithinInvalidationAge() throws Exception {
        MemoryStorage s = MemoryStorage.create("1");
        List<Tid> tids = commit(s, 5);
        try (StorageServer server = new StorageServer(ServerConfig.builder().address("127.0.0.1:0")
                .invalidationQueueSize(1).invalidationAge(Duration.ofHours(1)).build(), Map.of("1", s)).start();
                WireClient c = new WireClient(server.port())) {
            c.call("register", "1", 1L);
            Tuple r = (Tuple) c.call("getInvalidations", tids.get(0).toBytes());
            assertArrayEquals(tids.get(4).toBytes(), (byte[]) r.get(0));
            assertEquals(Set.of(Oid.of(2), Oid.of(3), Oid.of(4), Oid.of(5)), oids(r.get(1)));
            // A tid older than the age limit gets None.
            assertNull(c.call("getInvalidations", Tid.fromEpochSeconds(System.currentTimeMillis() / 1000.0 - 7200).toBytes()));
        } finally {
            s.close();
        }
    }
}
