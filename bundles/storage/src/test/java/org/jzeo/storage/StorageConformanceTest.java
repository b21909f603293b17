package org.jzeo.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.jzeo.api.CloseableIterator;
import org.jzeo.api.ConflictError;
import org.jzeo.api.DataRecord;
import org.jzeo.api.HistoryEntry;
import org.jzeo.api.LoadResult;
import org.jzeo.api.Oid;
import org.jzeo.api.POSKeyError;
import org.jzeo.api.Storage;
import org.jzeo.api.StorageException;
import org.jzeo.api.StorageListener;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.StorageTransactionError;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionDescription;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.api.TransactionRecord;
import org.jzeo.api.UndoError;

/**
 * The behaviour every {@link Storage} must show, run against each implementation by a subclass.
 *
 * <p>Contract for subclasses:
 * <ul>
 *   <li>{@link #createStorage(Path)}: a new, empty, writable storage kept in {@code dir} (an
 *       existing, empty directory; implementations without files ignore it). Called once per test
 *       for {@link #storage}, and again for a second storage (copy tests).</li>
 *   <li>{@link #reopen(Storage, Path)}: after {@code closed} was closed, open the same storage
 *       again from {@code dir}; return {@code null} when the implementation cannot (memory), and
 *       the tests that need it are skipped.</li>
 *   <li>{@link #supportsCrashSimulation()} and {@link #simulateCrashAfterVote}: leave a voted
 *       but unfinished transaction behind as a crash would (FileStorage: a torn or {@code 'c'}
 *       transaction at the end of the file), and reopen.</li>
 *   <li>{@link #concurrentThreads()} and {@link #concurrentTransactionsPerThread()}: the size of
 *       the concurrent-commit tests (4 × 200 by default; a storage that syncs to disk may lower it
 *       to stay within a few seconds).</li>
 * </ul>
 * Every storage a test opens through {@link #open(Path)} is closed after the test.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
public abstract class StorageConformanceTest {

    /** A fresh directory per test. */
    @TempDir
    protected Path tempDir;

    /** The storage under test, created empty before each test in {@code tempDir/main}. */
    protected Storage storage;

    /** Its directory. */
    protected Path storageDir;

    private final List<Storage> opened = Collections.synchronizedList(new ArrayList<>());

    /** A new, empty, writable storage in {@code dir}. */
    protected abstract Storage createStorage(Path dir);

    /**
     * Reopens a closed storage from its directory, or returns {@code null} when the implementation
     * keeps nothing (the reopen tests are then skipped).
     */
    protected Storage reopen(Storage closed, Path dir) {
        return null;
    }

    /** Whether {@link #simulateCrashAfterVote} is implemented. */
    protected boolean supportsCrashSimulation() {
        return false;
    }

    /**
     * Simulates a crash of {@code storage} while {@code voted} is between vote and finish: the
     * transaction must not be finished; the storage is dropped as a crashed process would leave it
     * (FileStorage: its file holds the voted transaction with status {@code 'c'}, or torn), and a
     * storage reopened from {@code dir} is returned.
     */
    protected Storage simulateCrashAfterVote(Storage storage, StorageTransaction voted, Path dir) {
        throw new UnsupportedOperationException("crash simulation not supported");
    }

    /** Threads in the concurrent tests. */
    protected int concurrentThreads() {
        return 4;
    }

    /** Committed transactions per thread in the concurrent-commit test. */
    protected int concurrentTransactionsPerThread() {
        return 200;
    }

    @BeforeEach
    void openStorageUnderTest() {
        storageDir = tempDir.resolve("main");
        storage = open(storageDir);
    }

    @AfterEach
    void closeEverything() {
        synchronized (opened) {
            for (Storage s : opened) {
                try {
                    s.close();
                } catch (RuntimeException e) {
                    // closing is best effort here
                }
            }
            opened.clear();
        }
    }

    /** Creates (and registers for closing) a new storage in {@code dir}. */
    protected final Storage open(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return track(createStorage(dir));
    }

    /** Registers a storage to be closed after the test; returns it. */
    protected final Storage track(Storage s) {
        if (s != null) {
            opened.add(s);
        }
        return s;
    }

    // ================================================================== helpers

    protected static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    protected static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** The serial a new store of {@code oid} must name: its newest revision, or ZERO if none. */
    protected static Tid serial(Storage st, Oid oid) {
        try {
            return st.history(oid, 1).get(0).tid();
        } catch (POSKeyError e) {
            return Tid.ZERO;
        }
    }

    /** Runs one whole commit. */
    protected static Tid commit(Storage st, String description, Consumer<StorageTransaction> body) {
        StorageTransaction t = st.tpcBegin(TransactionMetaData.of("tester", description));
        try {
            body.accept(t);
            t.vote();
            return t.finish();
        } catch (RuntimeException e) {
            t.abort();
            throw e;
        }
    }

    /** Commits new revisions of the given objects, each based on its current serial. */
    protected static Tid store(Storage st, Object... oidsAndData) {
        Map<Oid, byte[]> writes = new LinkedHashMap<>();
        for (int i = 0; i < oidsAndData.length; i += 2) {
            Object d = oidsAndData[i + 1];
            writes.put((Oid) oidsAndData[i], d instanceof String str ? b(str) : (byte[]) d);
        }
        return commit(st, "store " + writes.size(), t -> writes.forEach((oid, data) -> t.store(oid, serial(st, oid), data)));
    }

    protected Tid store(Object... oidsAndData) {
        return store(storage, oidsAndData);
    }

    protected static List<TransactionRecord> transactions(Storage st, Tid start, Tid stop) {
        List<TransactionRecord> out = new ArrayList<>();
        try (CloseableIterator<TransactionRecord> it = st.iterator(start, stop)) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    protected static List<Tid> tids(List<TransactionRecord> txns) {
        return txns.stream().map(TransactionRecord::tid).toList();
    }

    /** Waits until the wall clock is at least 10 ms past {@code tid}, so pack times can fall between tids. */
    protected static void clockPast(Tid tid) {
        double target = tid.timeTime() + 0.010;
        while (Tid.now().timeTime() < target) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** A pack time strictly between two tids that are at least a few ms apart. */
    protected static double between(Tid earlier, Tid later) {
        assertTrue(later.timeTime() - earlier.timeTime() > 0.004, "tids too close for a pack time between them");
        return (earlier.timeTime() + later.timeTime()) / 2;
    }

    /** A pack time just after {@code tid} (call {@link #clockPast} first). */
    protected static double justAfter(Tid tid) {
        return tid.timeTime() + 0.005;
    }

    private static void assertLoad(LoadResult r, String data, Tid start, Tid end) {
        assertNotNull(r, "a revision");
        assertEquals(data, s(r.data()));
        assertEquals(start, r.start(), "start");
        assertEquals(end, r.end(), "end");
    }

    /**
     * Builds realistic ZODB object records: protocol-3 pickle pairs of a
     * {@code persistent.mapping.PersistentMapping} with state {@code {'data': {...}}}, as in the
     * filestorage spec §7.2 / §10. Values may be {@link Oid} (a persistent reference
     * {@code (oid, class)}), {@link Weak} (a weak reference, not followed by pack), String, Integer
     * or byte[].
     */
    public static final class Records {
        private Records() {
        }

        /** A weak reference {@code ['w', (oid,)]}. */
        public record Weak(Oid oid) {
        }

        /** A PersistentMapping record holding {@code items}. */
        public static byte[] mapping(Map<String, ?> items) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(0x80);
            out.write(3);
            out.write('c');
            out.writeBytes(b("persistent.mapping\nPersistentMapping\n"));
            out.write('q');
            out.write(0); // BINPUT 0: the class, reused by the references below
            out.write('.');
            out.write(0x80);
            out.write(3);
            out.write('}');
            text(out, "data");
            out.write('}');
            if (!items.isEmpty()) {
                out.write('(');
                for (Map.Entry<String, ?> e : items.entrySet()) {
                    text(out, e.getKey());
                    value(out, e.getValue());
                }
                out.write('u'); // SETITEMS
            }
            out.write('s');
            out.write('.');
            return out.toByteArray();
        }

        /** A mapping of alternating keys and values. */
        public static byte[] mapping(Object... keysAndValues) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < keysAndValues.length; i += 2) {
                m.put((String) keysAndValues[i], keysAndValues[i + 1]);
            }
            return mapping(m);
        }

        private static void text(ByteArrayOutputStream out, String s) {
            byte[] u = b(s);
            out.write('X');
            le32(out, u.length);
            out.writeBytes(u);
        }

        private static void le32(ByteArrayOutputStream out, int v) {
            for (int i = 0; i < 4; i++) {
                out.write(v >>> (8 * i));
            }
        }

        private static void value(ByteArrayOutputStream out, Object v) {
            if (v instanceof Oid oid) {
                out.write('C');
                out.write(8);
                out.writeBytes(oid.toBytes());
                out.write('h');
                out.write(0); // BINGET 0: the class from the first pickle (shared memo)
                out.write(0x86); // TUPLE2
                out.write('Q'); // BINPERSID
            } else if (v instanceof Weak w) {
                out.write(']');
                out.write('(');
                text(out, "w");
                out.write('C');
                out.write(8);
                out.writeBytes(w.oid().toBytes());
                out.write(0x85); // TUPLE1
                out.write('e'); // APPENDS
                out.write('Q');
            } else if (v instanceof String str) {
                text(out, str);
            } else if (v instanceof Integer i) {
                out.write('J');
                le32(out, i);
            } else if (v instanceof byte[] bytes) {
                out.write('B');
                le32(out, bytes.length);
                out.writeBytes(bytes);
            } else {
                throw new IllegalArgumentException("unsupported value " + v);
            }
        }
    }

    // ================================================================== basics

    @Test
    void freshStorageIsEmpty() {
        assertEquals(Tid.ZERO, storage.lastTransaction());
        assertEquals(0, storage.objectCount());
        assertFalse(storage.isReadOnly());
        assertNotNull(storage.getName());
        assertThrows(POSKeyError.class, () -> storage.load(Oid.ROOT));
        assertTrue(transactions(storage, null, null).isEmpty());
        assertTrue(storage.undoLog(0, 20, d -> true).isEmpty());
    }

    @Test
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
        Tid tid = t.tid();
        assertNotNull(tid, "tid chosen at vote");
        assertEquals(tid, t.finish());
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
        // the storage keeps its own copy
        data[0] = 42;
        assertEquals(0, storage.load(oid).data()[0]);
    }

    @Test
    void unknownObjectsRaisePosKeyError() {
        Oid missing = Oid.of(0x7777);
        assertThrows(POSKeyError.class, () -> storage.load(missing));
        assertThrows(POSKeyError.class, () -> storage.loadBefore(missing, Tid.MAX));
        assertThrows(POSKeyError.class, () -> storage.loadSerial(missing, Tid.of(1)));
        assertThrows(POSKeyError.class, () -> storage.history(missing, 5));
    }

    @Test
    void newOidsAreUniqueAndIncreasing() {
        List<Oid> oids = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            oids.add(storage.newOid());
        }
        oids.addAll(storage.newOids(50));
        for (int i = 1; i < oids.size(); i++) {
            assertTrue(oids.get(i).compareTo(oids.get(i - 1)) > 0, "oids increase: " + oids);
        }
        assertTrue(oids.get(0).compareTo(Oid.ROOT) > 0, "the root's oid is never handed out");
        // a store of a higher oid raises the allocator past it
        Oid high = Oid.of(oids.get(oids.size() - 1).value() + 1000);
        store(high, "high");
        assertTrue(storage.newOid().compareTo(high) > 0);
    }

    @Test
    void newOidsAreUniqueAcrossThreads() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Oid>>> futures = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                futures.add(pool.submit(() -> {
                    List<Oid> mine = new ArrayList<>();
                    for (int k = 0; k < 500; k++) {
                        mine.add(storage.newOid());
                    }
                    return mine;
                }));
            }
            Set<Oid> all = new HashSet<>();
            for (Future<List<Oid>> f : futures) {
                all.addAll(f.get(10, TimeUnit.SECONDS));
            }
            assertEquals(2000, all.size());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void tidsIncreaseStrictly() {
        Oid oid = storage.newOid();
        Tid previous = Tid.ZERO;
        for (int i = 0; i < 30; i++) {
            Tid t = store(oid, "v" + i);
            assertTrue(t.compareTo(previous) > 0, "tid " + t + " after " + previous);
            assertEquals(t, storage.lastTransaction());
            previous = t;
        }
    }

    @Test
    void emptyTransactionCommits() {
        Tid t = commit(storage, "nothing", tx -> { });
        assertEquals(t, storage.lastTransaction());
        List<TransactionRecord> all = transactions(storage, null, null);
        assertEquals(List.of(t), tids(all));
        assertTrue(all.get(0).records().isEmpty());
    }

    // ================================================================== MVCC

    @Test
    void mvccLoadBeforeLoadSerialAndHistory() {
        Oid oid = storage.newOid();
        Tid t1 = store(oid, "one");
        Tid t2 = store(oid, "two");
        Tid t3 = store(oid, "three!");

        assertNull(storage.loadBefore(oid, t1), "nothing before the first revision");
        assertLoad(storage.loadBefore(oid, t1.next()), "one", t1, t2);
        assertLoad(storage.loadBefore(oid, t2), "one", t1, t2);
        assertLoad(storage.loadBefore(oid, t2.next()), "two", t2, t3);
        assertLoad(storage.loadBefore(oid, t3), "two", t2, t3);
        assertLoad(storage.loadBefore(oid, t3.next()), "three!", t3, null);
        assertLoad(storage.loadBefore(oid, Tid.MAX), "three!", t3, null);
        assertLoad(storage.load(oid), "three!", t3, null);

        assertEquals("one", s(storage.loadSerial(oid, t1)));
        assertEquals("two", s(storage.loadSerial(oid, t2)));
        assertEquals("three!", s(storage.loadSerial(oid, t3)));
        assertThrows(POSKeyError.class, () -> storage.loadSerial(oid, t2.next()));

        List<HistoryEntry> h = storage.history(oid, 10);
        assertEquals(List.of(t3, t2, t1), h.stream().map(HistoryEntry::tid).toList());
        assertEquals(List.of(6L, 3L, 3L), h.stream().map(HistoryEntry::size).toList());
        assertEquals("tester", s(h.get(0).user()));
        assertEquals("store 1", s(h.get(0).description()));
        assertEquals(t3.timeTime(), h.get(0).time(), 1e-6);
        assertEquals(List.of(t3, t2), storage.history(oid, 2).stream().map(HistoryEntry::tid).toList());
    }

    @Test
    void uncommittedDataIsInvisibleUntilFinish() throws Exception {
        Oid a = storage.newOid();
        Tid t1 = store(a, "old");
        Oid fresh = storage.newOid();
        StorageTransaction t = storage.tpcBegin(TransactionMetaData.EMPTY);
        t.store(a, t1, b("new"));
        t.store(fresh, Tid.ZERO, b("fresh"));
        ExecutorService reader = Executors.newSingleThreadExecutor();
        try {
            Runnable check = () -> {
                assertLoad(storage.load(a), "old", t1, null);
                assertThrows(POSKeyError.class, () -> storage.load(fresh));
                assertEquals(t1, storage.lastTransaction());
            };
            reader.submit(check).get(5, TimeUnit.SECONDS);
            t.vote();
            reader.submit(check).get(5, TimeUnit.SECONDS);
            Tid t2 = t.finish();
            reader.submit(() -> {
                assertLoad(storage.load(a), "new", t2, null);
                assertEquals("fresh", s(storage.load(fresh).data()));
                assertEquals(t2, storage.lastTransaction());
            }).get(5, TimeUnit.SECONDS);
        } finally {
            reader.shutdownNow();
        }
    }

    // ================================================================== conflicts

    @Test
    void staleSerialRaisesConflictErrorAndWritesNothing() {
        Oid a = storage.newOid();
        Oid other = storage.newOid();
        Tid t1 = store(a, "v1");
        Tid t2 = store(a, "v2");
        long count = storage.objectCount();

        StorageTransaction t = storage.tpcBegin(TransactionMetaData.EMPTY);
        t.store(other, Tid.ZERO, b("other"));
        t.store(a, t1, b("stale"));
        ConflictError e = assertThrows(ConflictError.class, t::vote);
        assertEquals(a, e.oid());
        assertEquals(t2, e.currentSerial());
        assertEquals(t1, e.oldSerial());
        t.abort();

        assertLoad(storage.load(a), "v2", t2, null);
        assertThrows(POSKeyError.class, () -> storage.load(other));
        assertEquals(t2, storage.lastTransaction());
        assertEquals(count, storage.objectCount());
        assertEquals(List.of(t1, t2), tids(transactions(storage, null, null)));
        // the commit lock was released: the next commit goes through
        Tid t3 = store(a, "v3");
        assertTrue(t3.compareTo(t2) > 0);
    }

    @Test
    void newObjectStoredTwiceConflicts() {
        Oid a = storage.newOid();
        Tid t1 = store(a, "first");
        StorageTransaction t = storage.tpcBegin(TransactionMetaData.EMPTY);
        t.store(a, Tid.ZERO, b("second creation"));
        ConflictError e = assertThrows(ConflictError.class, t::vote);
        assertEquals(t1, e.currentSerial());
        assertEquals(Tid.ZERO, e.oldSerial());
        t.abort();
        assertEquals("first", s(storage.load(a).data()));
    }

    @Test
    void checkCurrentSerialInTransaction() {
        Oid a = storage.newOid();
        Oid watched = storage.newOid();
        Tid t1 = store(a, "a1", watched, "w1");

        Tid t2 = commit(storage, "checked", t -> {
            t.checkCurrentSerialInTransaction(watched, t1);
            t.store(a, t1, b("a2"));
        });
        assertEquals(t1, storage.load(watched).start(), "a checked object is not written");
        assertEquals(1, transactions(storage, t2, t2).get(0).records().size());

        Tid t3 = store(watched, "w2");
        StorageTransaction t = storage.tpcBegin(TransactionMetaData.EMPTY);
        t.checkCurrentSerialInTransaction(watched, t1);
        t.store(a, t2, b("a3"));
        ConflictError e = assertThrows(ConflictError.class, t::vote);
        assertEquals(watched, e.oid());
        assertEquals(t3, e.currentSerial());
        assertEquals(t1, e.oldSerial());
        t.abort();
        assertLoad(storage.load(a), "a2", t2, null);
        assertEquals(t3, storage.lastTransaction());
    }

    // ================================================================== delete

    @Test
    void deleteObject() {
        Oid a = storage.newOid();
        Tid t1 = store(a, "alive");
        long count = storage.objectCount();
        Tid t2 = commit(storage, "delete", t -> t.deleteObject(a, t1));

        assertThrows(POSKeyError.class, () -> storage.load(a));
        assertThrows(POSKeyError.class, () -> storage.loadBefore(a, Tid.MAX));
        assertThrows(POSKeyError.class, () -> storage.loadBefore(a, t2.next()));
        assertLoad(storage.loadBefore(a, t2), "alive", t1, t2);
        assertThrows(POSKeyError.class, () -> storage.loadSerial(a, t2));
        assertEquals("alive", s(storage.loadSerial(a, t1)));
        assertEquals(count, storage.objectCount(), "a deleted oid still counts");

        List<HistoryEntry> h = storage.history(a, 10);
        assertEquals(List.of(t2, t1), h.stream().map(HistoryEntry::tid).toList());
        assertEquals(0, h.get(0).size());

        DataRecord rec = transactions(storage, t2, t2).get(0).records().get(0);
        assertEquals(a, rec.oid());
        assertNull(rec.data());
        assertNull(rec.dataTxn());
    }

    @Test
    void deleteWithStaleSerialConflicts() {
        Oid a = storage.newOid();
        Tid t1 = store(a, "v1");
        Tid t2 = store(a, "v2");
        StorageTransaction t = storage.tpcBegin(TransactionMetaData.EMPTY);
        ConflictError e = assertThrows(ConflictError.class, () -> {
            t.deleteObject(a, t1);
            t.vote();
        });
        assertEquals(a, e.oid());
        assertEquals(t2, e.currentSerial());
        t.abort();
        assertEquals("v2", s(storage.load(a).data()));
    }

    @Test
    void deleteOfUnknownObjectFails() {
        Oid missing = Oid.of(0x4242);
        StorageTransaction t = storage.tpcBegin(TransactionMetaData.EMPTY);
        assertThrows(POSKeyError.class, () -> {
            t.deleteObject(missing, Tid.ZERO);
            t.vote();
        });
        t.abort();
        assertEquals(Tid.ZERO, storage.lastTransaction());
    }

    // ================================================================== abort and transaction states

    @Test
    void abortLeavesNoTrace() {
        Oid a = storage.newOid();
        Tid t1 = store(a, "kept");
        AtomicInteger calls = new AtomicInteger();
        storage.addListener((st, tx, tid, oids) -> calls.incrementAndGet());

        StorageTransaction before = storage.tpcBegin(TransactionMetaData.EMPTY);
        before.store(a, t1, b("aborted before vote"));
        before.abort();
        before.abort(); // idempotent

        StorageTransaction after = storage.tpcBegin(TransactionMetaData.EMPTY);
        after.store(a, t1, b("aborted after vote"));
        after.store(storage.newOid(), Tid.ZERO, b("new"));
        after.vote();
        after.abort();
        after.abort();

        assertLoad(storage.load(a), "kept", t1, null);
        assertEquals(t1, storage.lastTransaction());
        assertEquals(List.of(t1), tids(transactions(storage, null, null)));
        assertEquals(1, storage.history(a, 10).size());
        assertEquals(0, calls.get(), "no listener call for aborted transactions");
        // the lock was released
        Tid t2 = store(a, "next");
        assertTrue(t2.compareTo(t1) > 0);
    }

    @Test
    void outOfOrderCallsAreRefused() {
        Oid a = storage.newOid();
        StorageTransaction t = storage.tpcBegin(TransactionMetaData.EMPTY);
        assertThrows(StorageTransactionError.class, t::finish, "finish before vote");
        t.store(a, Tid.ZERO, b("x"));
        t.vote();
        assertThrows(StorageTransactionError.class, () -> t.store(a, Tid.ZERO, b("late")));
        Tid tid = t.finish();
        assertThrows(StorageTransactionError.class, () -> t.store(a, tid, b("after finish")));
        t.abort(); // harmless after finish
        assertEquals("x", s(storage.load(a).data()));
    }

    /** Rule S2: a voted transaction holds the commit lock until finish; a second vote waits. */
    @Test
    void voteWaitsForTheCommitLock() throws Exception {
        Oid a = storage.newOid();
        Oid c = storage.newOid();
        StorageTransaction first = storage.tpcBegin(TransactionMetaData.EMPTY);
        first.store(a, Tid.ZERO, b("a"));
        first.vote();
        Tid t1 = first.tid();

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
            assertEquals(t1, first.finish());
            Tid t2 = second.get(5, TimeUnit.SECONDS);
            assertTrue(t2.compareTo(t1) > 0);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void explicitTidMustFollowTheLastTransaction() {
        Oid a = storage.newOid();
        Tid t1 = store(a, "v1");
        assertThrows(StorageException.class, () -> {
            StorageTransaction t = storage.tpcBegin(TransactionMetaData.EMPTY, t1, ' ');
            try {
                t.restore(a, t1, b("again"), null);
                t.vote();
            } finally {
                t.abort();
            }
        });
        assertEquals("v1", s(storage.load(a).data()));
        assertEquals(t1, storage.lastTransaction());
    }

    // ================================================================== undo

    private TransactionDescription undoEntry(Tid tid) {
        return storage.undoLog(0, 1000, d -> true).stream().filter(d -> d.tid().equals(tid)).findFirst()
                .orElseThrow(() -> new AssertionError("no undoLog entry for " + tid));
    }

    private Tid undo(Tid tid, List<Oid> expectedOids) {
        byte[] id = undoEntry(tid).id();
        StorageTransaction t = storage.tpcBegin(TransactionMetaData.of("undoer", "undo"));
        try {
            assertEquals(Set.copyOf(expectedOids), Set.copyOf(t.undo(id)));
            assertEquals(Set.copyOf(expectedOids), Set.copyOf(t.vote()), "vote returns the undone oids");
            return t.finish();
        } catch (RuntimeException e) {
            t.abort();
            throw e;
        }
    }

    @Test
    void undoIdIsBase64OfTheTid() {
        Tid t1 = store(storage.newOid(), "x");
        TransactionDescription d = undoEntry(t1);
        assertEquals(Base64.getEncoder().encodeToString(t1.toBytes()), new String(d.id(), StandardCharsets.US_ASCII));
        assertEquals(t1.timeTime(), d.time(), 1e-6);
        assertEquals("tester", d.metadata().userText());
    }

    @Test
    void undoRestoresThePreviousRevision() {
        Oid a = storage.newOid();
        Oid b = storage.newOid();
        Tid t1 = store(a, "a1", b, "b1");
        Tid t2 = store(a, "a2");
        Tid t3 = undo(t2, List.of(a));

        LoadResult r = storage.load(a);
        assertEquals("a1", s(r.data()));
        assertEquals(t3, r.start(), "after an undo, start is the undo's tid");
        assertLoad(storage.loadBefore(a, t3), "a2", t2, t3);
        assertEquals("a1", s(storage.loadSerial(a, t3)));
        assertEquals("b1", s(storage.load(b).data()));
        List<HistoryEntry> h = storage.history(a, 10);
        assertEquals(List.of(t3, t2, t1), h.stream().map(HistoryEntry::tid).toList());
        assertEquals(0, h.get(0).size(), "an undo copy has no data of its own");

        TransactionRecord undoTxn = transactions(storage, t3, t3).get(0);
        assertEquals(1, undoTxn.records().size());
        DataRecord rec = undoTxn.records().get(0);
        assertEquals(a, rec.oid());
        assertEquals("a1", s(rec.data()));
        assertEquals(t1, rec.dataTxn(), "the copy points at the transaction holding the data");

        // undo the undo: a2 is back
        Tid t4 = undo(t3, List.of(a));
        assertLoad(storage.load(a), "a2", t4, null);
    }

    @Test
    void undoOfACreationDeletesTheObject() {
        Oid keep = storage.newOid();
        store(keep, "keep");
        Oid created = storage.newOid();
        Tid t2 = store(created, "new");
        Tid t3 = undo(t2, List.of(created));
        assertThrows(POSKeyError.class, () -> storage.load(created));
        assertLoad(storage.loadBefore(created, t3), "new", t2, t3);
        assertEquals("keep", s(storage.load(keep).data()));
    }

    @Test
    void undoOfSeveralTransactionsInOne() {
        Oid a = storage.newOid();
        Tid t1 = store(a, "a1");
        Tid t2 = store(a, "a2");
        Tid t3 = store(a, "a3");
        StorageTransaction t = storage.tpcBegin(TransactionMetaData.EMPTY);
        t.undo(undoEntry(t3).id());
        t.undo(undoEntry(t2).id());
        assertEquals(List.of(a), t.vote());
        Tid t4 = t.finish();
        assertLoad(storage.load(a), "a1", t4, null);
        assertTrue(t4.compareTo(t3) > 0);
        assertEquals(t1, storage.history(a, 10).get(3).tid());
    }

    @Test
    void undoConflictsWithLaterChanges() {
        Oid a = storage.newOid();
        Tid t1 = store(a, "a1");
        Tid t2 = store(a, "a2");
        Tid t3 = store(a, "a3");
        for (Tid target : List.of(t1, t2)) {
            byte[] id = undoEntry(target).id();
            StorageTransaction t = storage.tpcBegin(TransactionMetaData.EMPTY);
            assertThrows(UndoError.class, () -> {
                t.undo(id);
                t.vote();
            }, "undo of " + target);
            t.abort();
        }
        assertLoad(storage.load(a), "a3", t3, null);
        assertEquals(t3, storage.lastTransaction());
    }

    @Test
    void undoFailsWhenAConflictingChangeCommitsBeforeVote() {
        Oid a = storage.newOid();
        store(a, "a1");
        Tid t2 = store(a, "a2");
        StorageTransaction t = storage.tpcBegin(TransactionMetaData.EMPTY);
        assertEquals(List.of(a), t.undo(undoEntry(t2).id()));
        Tid t3 = store(a, "a3"); // commits between undo() and vote()
        assertThrows(UndoError.class, t::vote);
        t.abort();
        assertLoad(storage.load(a), "a3", t3, null);
    }

    @Test
    void invalidUndoIdIsRefused() {
        store(storage.newOid(), "x");
        StorageTransaction t = storage.tpcBegin(TransactionMetaData.EMPTY);
        assertThrows(UndoError.class, () -> {
            t.undo(Base64.getEncoder().encode(Tid.of(12345).toBytes()));
            t.vote();
        });
        t.abort();
    }

    @Test
    void undoLogOrderPagingAndFilter() {
        Oid a = storage.newOid();
        List<Tid> tids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int n = i;
            tids.add(commit(storage, "d" + i, t -> t.store(a, serial(storage, a), b("v" + n))));
        }
        List<TransactionDescription> all = storage.undoLog(0, 100, d -> true);
        assertEquals(List.of("d5", "d4", "d3", "d2", "d1", "d0"),
                all.stream().map(d -> d.metadata().descriptionText()).toList());
        List<Tid> newestFirst = new ArrayList<>(tids);
        Collections.reverse(newestFirst);
        assertEquals(newestFirst, all.stream().map(TransactionDescription::tid).toList());

        assertEquals(List.of("d4", "d3"),
                storage.undoLog(1, 3, d -> true).stream().map(d -> d.metadata().descriptionText()).toList());
        assertEquals(List.of(), storage.undoLog(6, 10, d -> true));
        // the filter applies before paging
        List<TransactionDescription> odd = storage.undoLog(1, 3,
                d -> Integer.parseInt(d.metadata().descriptionText().substring(1)) % 2 == 1);
        assertEquals(List.of("d3", "d1"), odd.stream().map(d -> d.metadata().descriptionText()).toList());
        // undoInfo with a specification
        List<TransactionDescription> info = storage.undoInfo(0, 10, Map.of("description", b("d2")));
        assertEquals(List.of(tids.get(2)), info.stream().map(TransactionDescription::tid).toList());
        assertEquals(6, storage.undoInfo(0, 10, null).size());
    }

    // ================================================================== pack

    @Test
    void packWithoutGcDropsOldRevisions() {
        Oid a = storage.newOid();
        Tid t1 = store(a, "a1");
        clockPast(t1);
        Tid t2 = store(a, "a2");
        clockPast(t2);
        Tid t3 = store(a, "a3");

        storage.pack(between(t2, t3), false);

        assertLoad(storage.load(a), "a3", t3, null);
        assertThrows(POSKeyError.class, () -> storage.loadSerial(a, t1));
        assertEquals("a2", s(storage.loadSerial(a, t2)));
        assertNull(storage.loadBefore(a, t2), "nothing before the oldest surviving revision");
        assertNull(storage.loadBefore(a, t1.next()));
        assertLoad(storage.loadBefore(a, t3), "a2", t2, t3);
        assertEquals(List.of(t3, t2), storage.history(a, 10).stream().map(HistoryEntry::tid).toList());

        List<TransactionRecord> txns = transactions(storage, null, null);
        assertEquals(List.of(t2, t3), tids(txns), "a transaction left empty by pack disappears");
        assertEquals('p', txns.get(0).status());
        assertEquals(' ', txns.get(1).status());
        assertEquals(List.of(t3), storage.undoLog(0, 10, d -> true).stream().map(TransactionDescription::tid).toList(),
                "undoLog stops at packed transactions");
        assertEquals(t3, storage.lastTransaction());
    }

    @Test
    void packWithoutGcKeepsUnreachableObjects() {
        Oid lonely = storage.newOid();
        Tid t1 = store(Oid.ROOT, Records.mapping(), lonely, Records.mapping("x", 1));
        clockPast(t1);
        storage.pack(justAfter(t1), false);
        assertEquals(2, storage.objectCount());
        assertEquals(t1, storage.load(lonely).start());
    }

    @Test
    void packWithGcRemovesUnreachableObjects() {
        Oid a = storage.newOid();
        Oid b = storage.newOid();
        Oid garbage = storage.newOid();
        Oid dropped = storage.newOid();
        Oid weakOnly = storage.newOid();
        Tid t1 = store(
                b, Records.mapping("v", "leaf"),
                a, Records.mapping("b", b, "n", 7),
                garbage, Records.mapping("self", garbage),
                dropped, Records.mapping("bytes", new byte[] {1, 2, 3}),
                weakOnly, Records.mapping(),
                Oid.ROOT, Records.mapping("a", a, "dropped", dropped, "weak", new Records.Weak(weakOnly)));
        clockPast(t1);
        Tid t2 = store(Oid.ROOT, Records.mapping("a", a, "weak", new Records.Weak(weakOnly)));
        clockPast(t2);
        assertEquals(6, storage.objectCount());

        storage.pack(justAfter(t2), true);

        assertEquals(3, storage.objectCount());
        assertEquals(t2, storage.load(Oid.ROOT).start());
        assertEquals(t1, storage.load(a).start());
        assertEquals(t1, storage.load(b).start());
        for (Oid gone : List.of(garbage, dropped, weakOnly)) {
            assertThrows(POSKeyError.class, () -> storage.load(gone), "collected: " + gone);
        }
        assertNull(storage.loadBefore(Oid.ROOT, t2), "the root's old revision is gone");
        assertEquals(1, storage.history(Oid.ROOT, 10).size());

        List<TransactionRecord> txns = transactions(storage, null, null);
        assertEquals(List.of(t1, t2), tids(txns));
        assertEquals(Set.of(a, b), txns.get(0).records().stream().map(DataRecord::oid).collect(java.util.stream.Collectors.toSet()));
        assertTrue(txns.stream().allMatch(t -> t.status() == 'p'));
        assertTrue(storage.undoLog(0, 10, d -> true).isEmpty());
    }

    @Test
    void packKeepsRevisionsAfterThePackTime() {
        Oid a = storage.newOid();
        Tid t1 = store(Oid.ROOT, Records.mapping("a", a), a, Records.mapping("v", 1));
        clockPast(t1);
        Tid t2 = store(a, Records.mapping("v", 2));
        clockPast(t2);
        Tid t3 = store(a, Records.mapping("v", 3));
        Oid late = storage.newOid();
        Tid t4 = store(late, Records.mapping()); // created after the pack time, unreachable

        storage.pack(between(t2, t3), true);

        assertEquals(List.of(t3, t2), storage.history(a, 10).stream().map(HistoryEntry::tid).toList());
        assertEquals(t4, storage.load(late).start(), "revisions after the pack time are never collected");
        assertEquals(t1, storage.load(Oid.ROOT).start());
        assertEquals(List.of(t4, t3), storage.undoLog(0, 10, d -> true).stream().map(TransactionDescription::tid).toList());
    }

    @Test
    void unreadableReachableRecordSkipsGarbageCollection() {
        Oid unreferenced = storage.newOid();
        Tid t1 = store(Oid.ROOT, b("this is not a pickle"), unreferenced, Records.mapping());
        clockPast(t1);
        Tid t2 = store(Oid.ROOT, b("still not a pickle"));
        clockPast(t2);

        storage.pack(justAfter(t2), true);

        assertEquals(t1, storage.load(unreferenced).start(), "not proven unreachable: kept");
        assertThrows(POSKeyError.class, () -> storage.loadSerial(Oid.ROOT, t1), "old revisions still go");
        assertEquals(t2, storage.load(Oid.ROOT).start());
    }

    @Test
    void unreadableUnreachableRecordDoesNotStopGarbageCollection() {
        Oid a = storage.newOid();
        Oid junk = storage.newOid();
        Tid t1 = store(Oid.ROOT, Records.mapping("a", a), a, Records.mapping(), junk, b("junk, unreferenced"));
        clockPast(t1);
        storage.pack(justAfter(t1), true);
        assertThrows(POSKeyError.class, () -> storage.load(junk));
        assertEquals(t1, storage.load(a).start());
    }

    @Test
    void packOfAnEmptyStorageIsHarmless() {
        storage.pack(System.currentTimeMillis() / 1000.0, true);
        assertEquals(0, storage.objectCount());
        assertEquals(Tid.ZERO, storage.lastTransaction());
    }

    @Test
    void packRemovesObjectsDeletedBeforeThePackTime() {
        Oid a = storage.newOid();
        Tid t1 = store(a, "doomed", Oid.ROOT, Records.mapping());
        Tid t2 = commit(storage, "delete", t -> t.deleteObject(a, t1));
        clockPast(t2);
        storage.pack(justAfter(t2), false);
        assertThrows(POSKeyError.class, () -> storage.load(a));
        assertEquals(1, storage.objectCount(), "the deleted object is gone entirely");
    }

    // ================================================================== iteration and copying

    @Test
    void iteratorContentsAndBounds() {
        Oid a = storage.newOid();
        Oid b = storage.newOid();
        Oid c = storage.newOid();
        Tid t1 = store(a, "a1", b, "b1");
        Tid t2 = store(a, "a2");
        Tid t3 = commit(storage, "delete b", t -> t.deleteObject(b, t1));
        Tid t4 = store(c, "c1");

        List<TransactionRecord> all = transactions(storage, null, null);
        assertEquals(List.of(t1, t2, t3, t4), tids(all));
        TransactionRecord first = all.get(0);
        assertEquals(' ', first.status());
        assertEquals("tester", first.metadata().userText());
        assertEquals("store 2", first.metadata().descriptionText());
        assertEquals(List.of(a, b), first.records().stream().map(DataRecord::oid).toList(), "store order");
        assertEquals(List.of("a1", "b1"), first.records().stream().map(r -> s(r.data())).toList());
        assertTrue(first.records().stream().allMatch(r -> r.tid().equals(t1) && r.dataTxn() == null));
        assertNull(all.get(2).records().get(0).data(), "a deletion has no data");

        assertEquals(List.of(t2, t3), tids(transactions(storage, t2, t3)));
        assertEquals(List.of(t3, t4), tids(transactions(storage, t2.next(), null)));
        assertEquals(List.of(t1), tids(transactions(storage, null, t1)));
        assertEquals(List.of(t1, t2), tids(transactions(storage, null, t3.previous())));
        assertEquals(List.of(), tids(transactions(storage, t4.next(), null)));
        assertEquals(List.of(), tids(transactions(storage, t3, t2)));
    }

    @Test
    void copyTransactionsFromGivesIdenticalIteration() {
        Oid a = storage.newOid();
        Oid b = storage.newOid();
        byte[] ext = java.util.HexFormat.of().parseHex("80037d710058010000006b71015801000000767102732e");
        Tid t1 = commit(storage, "create", t -> {
            t.store(a, Tid.ZERO, b("a1"));
            t.store(b, Tid.ZERO, b("b1"));
        });
        StorageTransaction withExt = storage.tpcBegin(new TransactionMetaData(b("/ müller"), b("café ☃"), ext));
        withExt.store(a, t1, b("a2"));
        withExt.vote();
        Tid t2 = withExt.finish();
        undo(t2, List.of(a));
        Tid t4 = commit(storage, "delete", t -> t.deleteObject(b, t1));
        commit(storage, "empty", t -> { });

        Storage copy = open(tempDir.resolve("copy"));
        copy.copyTransactionsFrom(storage);

        List<TransactionRecord> expected = transactions(storage, null, null);
        List<TransactionRecord> actual = transactions(copy, null, null);
        assertEquals(5, expected.size());
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            TransactionRecord e = expected.get(i);
            TransactionRecord x = actual.get(i);
            assertEquals(e.tid(), x.tid());
            assertEquals(e.status(), x.status());
            assertArrayEquals(e.metadata().user(), x.metadata().user());
            assertArrayEquals(e.metadata().description(), x.metadata().description());
            assertArrayEquals(e.metadata().extension(), x.metadata().extension());
            assertEquals(e.records().size(), x.records().size());
            for (int k = 0; k < e.records().size(); k++) {
                DataRecord er = e.records().get(k);
                DataRecord xr = x.records().get(k);
                assertEquals(er.oid(), xr.oid());
                assertEquals(er.tid(), xr.tid());
                assertArrayEquals(er.data(), xr.data());
                assertEquals(er.dataTxn(), xr.dataTxn());
            }
        }
        assertEquals(storage.lastTransaction(), copy.lastTransaction());
        assertEquals(storage.load(a).start(), copy.load(a).start());
        assertEquals("a1", s(copy.load(a).data()));
        assertThrows(POSKeyError.class, () -> copy.load(b));
        assertEquals(t4, copy.history(b, 1).get(0).tid());
        assertEquals(storage.objectCount(), copy.objectCount());
        assertTrue(copy.newOid().compareTo(b) > 0, "restored oids raise the allocator");
    }

    // ================================================================== listeners

    private record Event(Tid tid, Set<Oid> oids, Tid transactionTid, boolean sameStorage) {
    }

    @Test
    void listenersHearEachCommitOnceInTidOrder() {
        List<Event> events = Collections.synchronizedList(new ArrayList<>());
        StorageListener listener = (st, tx, tid, oids) -> events.add(new Event(tid, Set.copyOf(oids), tx.tid(), st == storage));
        storage.addListener(listener);
        Oid a = storage.newOid();
        Oid b = storage.newOid();
        Tid t1 = store(a, "a1", b, "b1");
        Tid t2 = store(a, "a2");
        // neither a failed vote nor an abort is heard
        StorageTransaction failed = storage.tpcBegin(TransactionMetaData.EMPTY);
        failed.store(a, t1, b("stale"));
        assertThrows(ConflictError.class, failed::vote);
        failed.abort();
        Tid t3 = undo(t2, List.of(a));
        Tid t4 = commit(storage, "delete", t -> t.deleteObject(b, t1));

        assertEquals(List.of(
                new Event(t1, Set.of(a, b), t1, true),
                new Event(t2, Set.of(a), t2, true),
                new Event(t3, Set.of(a), t3, true),
                new Event(t4, Set.of(b), t4, true)), events);

        storage.removeListener(listener);
        store(a, "a3");
        assertEquals(4, events.size());
    }

    /**
     * Rule S3: listeners of T run before anyone else can load T; a later transaction's finish
     * completes only after T's listeners returned, and a vote that fails because of T reports it
     * only after T was heard (the commit lock itself may already have passed on: group commit).
     */
    @Test
    void listenersRunBeforeTheCommitIsVisibleAndBeforeLaterCommitsComplete() throws Exception {
        Oid a = storage.newOid();
        Oid other = storage.newOid();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean first = new AtomicBoolean(true);
        AtomicReference<Future<Tid>> otherCommit = new AtomicReference<>();
        AtomicReference<Future<Throwable>> conflicting = new AtomicReference<>();
        try {
            storage.addListener((st, tx, tid, oids) -> {
                if (!first.compareAndSet(true, false)) {
                    return;
                }
                try {
                    // another client cannot see the new state yet
                    pool.submit(() -> {
                        assertThrows(POSKeyError.class, () -> storage.load(a));
                        assertFalse(tid.equals(storage.lastTransaction()));
                    }).get(5, TimeUnit.SECONDS);
                    // a later transaction cannot complete its finish while we are here
                    otherCommit.set(pool.submit(() -> {
                        StorageTransaction t = storage.tpcBegin(TransactionMetaData.EMPTY);
                        t.store(other, Tid.ZERO, b("other"));
                        t.vote();
                        return t.finish();
                    }));
                    // a vote that conflicts with this transaction cannot report it yet
                    conflicting.set(pool.submit(() -> {
                        StorageTransaction t = storage.tpcBegin(TransactionMetaData.EMPTY);
                        t.store(a, Tid.ZERO, b("late"));
                        try {
                            t.vote();
                            t.abort();
                            return null;
                        } catch (ConflictError e) {
                            return e;
                        }
                    }));
                    Thread.sleep(150);
                    assertFalse(otherCommit.get().isDone(), "a later finish completed before the listener returned");
                    assertFalse(conflicting.get().isDone(), "a conflict was reported before the listener returned");
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            Tid t1 = store(a, "a1");
            if (failure.get() != null) {
                throw new AssertionError("listener check failed", failure.get());
            }
            assertEquals("a1", s(storage.load(a).data()));
            Tid t2 = otherCommit.get().get(5, TimeUnit.SECONDS);
            assertTrue(t2.compareTo(t1) > 0);
            Throwable conflict = conflicting.get().get(5, TimeUnit.SECONDS);
            assertTrue(conflict instanceof ConflictError, "the stale store must conflict: " + conflict);
            assertEquals(t1, ((ConflictError) conflict).currentSerial());
        } finally {
            pool.shutdownNow();
        }
    }

    // ================================================================== concurrency

    private record Committed(Tid tid, int thread, long sharedValue, long ownValue) {
    }

    private static long value(byte[] data) {
        return Long.parseLong(s(data));
    }

    /**
     * Several threads commit at once on their own object and on one shared object, retrying on
     * conflicts: nothing is lost or torn, tids are unique and strictly increasing in commit order,
     * and every committed tid is visible as soon as finish returns (rule S4).
     */
    @Test
    void concurrentCommitsLoseNothing() throws Exception {
        int threads = concurrentThreads();
        int perThread = concurrentTransactionsPerThread();
        Oid shared = storage.newOid();
        List<Oid> own = storage.newOids(threads);
        Tid setup = commit(storage, "setup", t -> {
            t.store(shared, Tid.ZERO, b("0"));
            own.forEach(o -> t.store(o, Tid.ZERO, b("0")));
        });

        List<Committed> committed = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger conflicts = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            CountDownLatch start = new CountDownLatch(1);
            for (int k = 0; k < threads; k++) {
                int thread = k;
                futures.add(pool.submit(() -> {
                    start.await();
                    Oid mine = own.get(thread);
                    Tid ownSerial = setup;
                    for (int i = 1; i <= perThread; i++) {
                        while (true) {
                            LoadResult cur = storage.load(shared);
                            long next = value(cur.data()) + 1;
                            StorageTransaction t = storage.tpcBegin(TransactionMetaData.of("t" + thread, "#" + i));
                            t.store(mine, ownSerial, b(Long.toString(i)));
                            t.store(shared, cur.start(), b(Long.toString(next)));
                            try {
                                t.vote();
                            } catch (ConflictError e) {
                                t.abort();
                                assertEquals(shared, e.oid());
                                conflicts.incrementAndGet();
                                continue;
                            }
                            if (i % 8 == 0) {
                                Thread.sleep(1); // widen the vote-finish window: others must wait (S2)
                            }
                            Tid tid = t.finish();
                            // S4: visible to this thread as soon as finish returned
                            LoadResult mineNow = storage.loadBefore(mine, tid.next());
                            assertEquals(tid, mineNow.start());
                            LoadResult sharedAt = storage.loadBefore(shared, tid.next());
                            assertEquals(tid, sharedAt.start());
                            assertEquals(next, value(sharedAt.data()));
                            committed.add(new Committed(tid, thread, next, i));
                            ownSerial = tid;
                            break;
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(25, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        int total = threads * perThread;
        assertEquals(total, committed.size());
        List<Committed> byTid = new ArrayList<>(committed);
        byTid.sort(Comparator.comparing(Committed::tid));
        for (int i = 0; i < byTid.size(); i++) {
            assertEquals(i + 1, byTid.get(i).sharedValue(), "the shared counter follows tid order without gaps");
            if (i > 0) {
                assertTrue(byTid.get(i).tid().compareTo(byTid.get(i - 1).tid()) > 0, "tids are unique");
            }
        }
        assertEquals(total, value(storage.load(shared).data()));
        for (int k = 0; k < threads; k++) {
            assertEquals(perThread, value(storage.load(own.get(k)).data()));
        }
        assertEquals(byTid.get(total - 1).tid(), storage.lastTransaction());

        // the storage's history is exactly the committed one
        List<TransactionRecord> txns = transactions(storage, setup.next(), null);
        assertEquals(byTid.stream().map(Committed::tid).toList(), tids(txns));
        for (int i = 0; i < txns.size(); i++) {
            Committed c = byTid.get(i);
            TransactionRecord t = txns.get(i);
            assertEquals("t" + c.thread(), t.metadata().userText());
            assertEquals(2, t.records().size(), "no torn transaction");
            Map<Oid, String> recs = new java.util.HashMap<>();
            t.records().forEach(r -> recs.put(r.oid(), s(r.data())));
            assertEquals(Long.toString(c.sharedValue()), recs.get(shared));
            assertEquals(Long.toString(c.ownValue()), recs.get(own.get(c.thread())));
        }
        assertEquals(total + 1, storage.history(shared, total + 10).size());
    }

    /**
     * Readers loading while writers commit never see part of a transaction: each transaction
     * writes the same value into two objects, and any snapshot shows equal values.
     */
    @Test
    void concurrentReadersNeverSeeHalfATransaction() throws Exception {
        Oid x = storage.newOid();
        Oid y = storage.newOid();
        Tid setup = store(x, "0", y, "0");
        int writers = 2;
        int readers = Math.max(2, concurrentThreads() - 1);
        int perWriter = Math.max(20, concurrentTransactionsPerThread() * 3 / 4);
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger checks = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(writers + readers);
        try {
            List<Future<?>> writerFutures = new ArrayList<>();
            List<Future<?>> readerFutures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                writerFutures.add(pool.submit(() -> {
                    for (int i = 0; i < perWriter; i++) {
                        while (true) {
                            LoadResult rx = storage.load(x);
                            LoadResult ry = storage.loadBefore(y, rx.start().next());
                            String next = Long.toString(value(rx.data()) + 1);
                            StorageTransaction t = storage.tpcBegin(TransactionMetaData.EMPTY);
                            t.store(x, rx.start(), b(next));
                            t.store(y, ry.start(), b(next));
                            try {
                                t.vote();
                                t.finish();
                                break;
                            } catch (ConflictError e) {
                                t.abort();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (int r = 0; r < readers; r++) {
                readerFutures.add(pool.submit(() -> {
                    int n = 0;
                    while (!done.get() || n < 50) {
                        // a snapshot at the last committed tid
                        Tid last = storage.lastTransaction();
                        LoadResult a = storage.loadBefore(x, last.next());
                        LoadResult b = storage.loadBefore(y, last.next());
                        assertNotNull(a);
                        assertNotNull(b);
                        assertEquals(a.start(), b.start(), "x and y come from the same transaction");
                        assertEquals(s(a.data()), s(b.data()));
                        assertTrue(a.start().compareTo(last) <= 0, "nothing newer than the snapshot");
                        // whatever load returns, its transaction is wholly visible
                        LoadResult cx = storage.load(x);
                        LoadResult cy = storage.loadBefore(y, cx.start().next());
                        assertEquals(cx.start(), cy.start());
                        assertEquals(s(cx.data()), s(cy.data()));
                        n++;
                        checks.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : writerFutures) {
                f.get(25, TimeUnit.SECONDS);
            }
            done.set(true);
            for (Future<?> f : readerFutures) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            done.set(true);
            pool.shutdownNow();
        }
        assertEquals(Long.toString(writers * perWriter), s(storage.load(x).data()));
        assertEquals(Long.toString(writers * perWriter), s(storage.load(y).data()));
        assertEquals(writers * perWriter, transactions(storage, setup.next(), null).size());
        assertTrue(checks.get() >= readers * 50L);
    }

    // ================================================================== reopen and crash

    @Test
    void dataSurvivesCloseAndReopen() {
        Oid a = storage.newOid();
        Oid b = storage.newOid();
        Tid t1 = store(a, "a1", b, "b1");
        Tid t2 = store(a, "a2");
        Tid t3 = commit(storage, "delete", t -> t.deleteObject(b, t1));
        List<TransactionRecord> before = transactions(storage, null, null);
        storage.close();
        Storage again = track(reopen(storage, storageDir));
        assumeTrue(again != null, "this storage cannot be reopened");

        assertEquals(t3, again.lastTransaction());
        assertLoad(again.load(a), "a2", t2, null);
        assertLoad(again.loadBefore(a, t2), "a1", t1, t2);
        assertThrows(POSKeyError.class, () -> again.load(b));
        assertEquals(2, again.objectCount());
        assertEquals(tids(before), tids(transactions(again, null, null)));
        assertTrue(again.newOid().compareTo(b) > 0, "new oids stay above stored ones");
        Tid t4 = store(again, a, "a3");
        assertTrue(t4.compareTo(t3) > 0);
    }

    @Test
    void crashBetweenVoteAndFinishLosesOnlyThatTransaction() {
        assumeTrue(supportsCrashSimulation(), "no crash simulation for this storage");
        Oid a = storage.newOid();
        Tid t1 = store(a, "a1");
        Oid b = storage.newOid();
        StorageTransaction t = storage.tpcBegin(TransactionMetaData.EMPTY);
        t.store(a, t1, b("a2"));
        t.store(b, Tid.ZERO, b("b"));
        t.vote();
        Storage again = track(simulateCrashAfterVote(storage, t, storageDir));
        assertNotNull(again);

        assertEquals(t1, again.lastTransaction());
        assertLoad(again.load(a), "a1", t1, null);
        assertThrows(POSKeyError.class, () -> again.load(b));
        assertEquals(List.of(t1), tids(transactions(again, null, null)));
        Tid t2 = store(again, a, "a2 again");
        assertTrue(t2.compareTo(t1) > 0);
        assertLoad(again.load(a), "a2 again", t2, null);
    }
}
