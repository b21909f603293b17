package org.jzeo.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.jzeo.api.Oid;
import org.jzeo.api.ReadOnlyError;
import org.jzeo.api.Storage;
import org.jzeo.api.StorageException;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;

/** The conformance suite against {@link MemoryStorage}, plus what only a memory storage does. */
class MemoryStorageConformanceTest extends StorageConformanceTest {

    @Override
    protected Storage createStorage(Path dir) {
        return MemoryStorage.create("test");
    }

    @Test
    void nextOidListsOidsInOrderIncludingDeletedOnes() {
        assertTrue(storage.supportsRecordIteration());
        assertEquals(null, storage.nextOid(Oid.ROOT));
        Oid a = Oid.of(5);
        Oid big = Oid.of(0x8000000000000001L); // above every signed long: unsigned order matters
        Tid t1 = store(a, "a", big, "big", Oid.ROOT, "root");
        commit(storage, "delete", t -> t.deleteObject(a, t1));
        assertEquals(Oid.ROOT, storage.nextOid(Oid.ROOT));
        assertEquals(a, storage.nextOid(Oid.of(1)));
        assertEquals(a, storage.nextOid(a));
        assertEquals(big, storage.nextOid(a.next()));
        assertEquals(null, storage.nextOid(big.next()));
    }

    @Test
    void nameIsKept() {
        assertEquals("test", storage.getName());
        assertEquals("1", MemoryStorage.create("1").getName());
    }

    @Test
    void readOnlyStorageRefusesWrites() {
        MemoryStorage ro = MemoryStorage.create("ro", true);
        assertTrue(ro.isReadOnly());
        assertThrows(ReadOnlyError.class, () -> ro.tpcBegin(TransactionMetaData.EMPTY));
        assertThrows(ReadOnlyError.class, () -> ro.tpcBegin(TransactionMetaData.EMPTY, Tid.now(), ' '));
        assertThrows(ReadOnlyError.class, ro::newOid);
        assertThrows(ReadOnlyError.class, () -> ro.pack(System.currentTimeMillis() / 1000.0, true));
        store(storage.newOid(), "x");
        assertThrows(ReadOnlyError.class, () -> ro.copyTransactionsFrom(storage));
        assertEquals(Tid.ZERO, ro.lastTransaction());
    }

    @Test
    void closeAbortsOpenTransactionsAndReleasesTheCommitLock() throws Exception {
        Oid a = storage.newOid();
        StorageTransaction voted = storage.tpcBegin(TransactionMetaData.EMPTY);
        voted.store(a, Tid.ZERO, b("voted"));
        voted.vote();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> waiting = pool.submit(() -> {
                StorageTransaction t = storage.tpcBegin(TransactionMetaData.EMPTY);
                t.store(storage.newOid(), Tid.ZERO, b("waiting"));
                t.vote();
                return null;
            });
            Thread.sleep(50);
            storage.close();
            storage.close(); // idempotent
            Exception e = assertThrows(Exception.class, () -> waiting.get(5, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof StorageException, String.valueOf(e.getCause()));
        } finally {
            pool.shutdownNow();
        }
        assertThrows(StorageException.class, voted::finish);
        assertThrows(StorageException.class, () -> storage.load(a));
        assertFalse(storage.isReadOnly());
    }

    @Test
    void listenerFailureDoesNotBreakTheCommit() {
        storage.addListener((st, tx, tid, oids) -> {
            throw new IllegalStateException("listener bug");
        });
        Oid a = storage.newOid();
        Tid t1 = store(a, "a1");
        assertEquals(t1, storage.load(a).start());
        assertEquals(t1, storage.lastTransaction());
    }
}
