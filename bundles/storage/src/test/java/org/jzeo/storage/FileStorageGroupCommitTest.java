package org.jzeo.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jzeo.api.Oid;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit: transactions that finish while a force is under way share the next one, and
 * still every commit is forced before it is acknowledged or visible.
 */
@Timeout(60)
class FileStorageGroupCommitTest {
    private static final int THREADS = 4;
    private static final int PER_THREAD = 25;

    @TempDir
    Path dir;

    @Test
    void concurrentFinishesShareForcesAndStayDurable() throws Exception {
        Path file = dir.resolve("Data.fs");
        AtomicLong heard = new AtomicLong();
        try (FileStorage s = FileStorage.open(FileStorageConfig.of("1", file))) {
            // A slow listener keeps the sync thread busy, so finishes queue up behind it (the
            // situation group commit is for) deterministically rather than by luck of timing.
            s.addListener((st, tx, tid, oids) -> {
                heard.incrementAndGet();
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            long forcesBefore = s.forceCount();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            List<Future<List<Tid>>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Oid oid = Oid.of(t + 1);
                results.add(pool.submit(() -> {
                    List<Tid> tids = new ArrayList<>();
                    Tid serial = Tid.ZERO;
                    for (int i = 0; i < PER_THREAD; i++) {
                        StorageTransaction txn = s.tpcBegin(TransactionMetaData.of("u", "c" + i));
                        txn.store(oid, serial, ("v" + i).getBytes());
                        txn.vote();
                        serial = txn.finish();
                        // Acknowledged: it must be visible and current now (rule S4).
                        assertEquals(serial, s.load(oid).start());
                        tids.add(serial);
                    }
                    return tids;
                }));
            }
            List<Tid> all = new ArrayList<>();
            for (Future<List<Tid>> f : results) {
                all.addAll(f.get(30, TimeUnit.SECONDS));
            }
            pool.shutdown();
            long commits = THREADS * PER_THREAD;
            long forces = s.forceCount() - forcesBefore;
            assertEquals(commits, all.stream().distinct().count());
            assertEquals(commits, heard.get());
            // Only the pipeline forces (after finish), and finishes queued behind a force share
            // the next one: fewer forces than commits, and never none.
            assertTrue(forces > 0, "commits were forced");
            assertTrue(forces < commits, "finishes shared no force: " + forces + " forces for " + commits);
            assertEquals(all.stream().max(Tid::compareTo).orElseThrow(), s.lastTransaction());
        }
        PrintStream out = new PrintStream(new ByteArrayOutputStream());
        assertEquals(0, DataFsTools.check(file, out, 0), "the file passes fstest's checks");
        try (FileStorage reopened = FileStorage.open(FileStorageConfig.of("1", file))) {
            for (int t = 0; t < THREADS; t++) {
                assertEquals("v" + (PER_THREAD - 1), new String(reopened.load(Oid.of(t + 1)).data()));
            }
        }
    }
}
