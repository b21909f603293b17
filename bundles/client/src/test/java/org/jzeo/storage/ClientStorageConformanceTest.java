package org.jzeo.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.jzeo.api.LoadResult;
import org.jzeo.api.Oid;
import org.jzeo.api.Storage;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.client.ClientStorageTestAccess;

/**
 * The storage conformance suite through a {@code ClientStorage} talking to an in-process jzeo
 * server on a FileStorage (in the test's directory). It lives in the suite's package only to
 * override the few tests a client legitimately cannot pass as written; each override says why.
 */
class ClientStorageConformanceTest extends StorageConformanceTest {
    private final List<AutoCloseable> servers = new ArrayList<>();
    private final ClientStorageTestAccess access = new ClientStorageTestAccess();

    @Override
    protected Storage createStorage(Path dir) {
        FileStorage fs = FileStorage.open(FileStorageConfig.of("1", dir.resolve("Data.fs")));
        AutoCloseable server = access.startServer(fs);
        servers.add(fs);
        servers.add(server);
        return access.client(server);
    }

    @Override
    protected int concurrentTransactionsPerThread() {
        return 50; // every commit is four round trips and an fsync
    }

    @AfterEach
    void stopServers() throws Exception {
        for (int i = servers.size() - 1; i >= 0; i--) {
            servers.get(i).close();
        }
    }

    /**
     * Adapted: over ZEO the tid is known only when {@code tpc_finish} answers (vote does not
     * return it), so {@code tid()} is null until finish; everything else is checked as in the suite.
     */
    @Test
    @Override
    void storeAndLoadRoundTrip() {
        Oid oid = storage.newOid();
        byte[] data = new byte[300];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        long sizeBefore = storage.getSize();
        Tid before = storage.lastTransaction();
        StorageTransaction t = storage.tpcBegin(TransactionMetaData.of("alice", "first"));
        assertNull(t.tid(), "no tid before vote");
        t.store(oid, Tid.ZERO, data);
        assertEquals(List.of(), t.vote());
        assertNull(t.tid(), "a ZEO client learns the tid at finish");
        Tid tid = t.finish();
        assertEquals(tid, t.tid());
        assertTrue(tid.compareTo(before) > 0);
        assertEquals(tid, storage.lastTransaction());
        LoadResult r = storage.load(oid);
        assertArrayEquals(data, r.data());
        assertEquals(tid, r.start());
        assertNull(r.end());
        assertEquals(tid, storage.lastSerial(oid));
        assertArrayEquals(data, storage.loadSerial(oid, tid));
        assertEquals(1, storage.objectCount());
        assertTrue(storage.getSize() > sizeBefore, "size grows");
        data[0] = 42;
        assertEquals(0, storage.load(oid).data()[0]);
    }

    /** Adapted: as above, the first transaction's tid is compared after its finish. */
    @Test
    @Override
    void voteWaitsForTheCommitLock() throws Exception {
        Oid a = storage.newOid();
        Oid c = storage.newOid();
        StorageTransaction first = storage.tpcBegin(TransactionMetaData.EMPTY);
        first.store(a, Tid.ZERO, b("a"));
        first.vote();
        CountDownLatch voted = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Tid> second = pool.submit(() -> {
                StorageTransaction t = storage.tpcBegin(TransactionMetaData.EMPTY);
                t.store(c, Tid.ZERO, b("c"));
                t.vote();
                voted.countDown();
                return t.finish();
            });
            assertFalse(voted.await(150, TimeUnit.MILLISECONDS), "second vote must wait for the first finish");
            Tid t1 = first.finish();
            Tid t2 = second.get(5, TimeUnit.SECONDS);
            assertTrue(t2.compareTo(t1) > 0);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Skipped: a client hears of a commit (and calls its listeners) after the server finished it
     * and released the commit lock; the rule this test checks (S3) belongs to the server's
     * storage, where the suite checks it.
     */
    @Test
    @Override
    void listenersRunBeforeTheCommitIsVisibleAndBeforeLaterCommitsComplete() {
        assumeTrue(false, "a client hears of a commit after the server published it");
    }

    /** Skipped: ZEO's {@code pack} call has no gc flag; the server always collects garbage. */
    @Test
    @Override
    void packWithoutGcKeepsUnreachableObjects() {
        assumeTrue(false, "the ZEO protocol's pack has no gc flag");
    }
}
