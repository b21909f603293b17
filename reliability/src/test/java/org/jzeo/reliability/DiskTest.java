package org.jzeo.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.jzeo.api.Oid;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.client.ClientStorage;
import org.jzeo.reliability.Clients.Ack;
import org.jzeo.reliability.Clients.Committer;
import org.jzeo.server.ServerConfig;
import org.jzeo.server.StorageServer;
import org.jzeo.storage.FileStorage;
import org.jzeo.storage.FileStorageConfig;

/**
 * The disk fills up during commits. Two ways without root or a hook in the storage:
 * <ul>
 *   <li>a quota on the FileStorage (the storage's own check, FileStorageQuotaError), served
 *       in-process;</li>
 *   <li>a real failing write: the standalone server runs under {@code ulimit -f} (RLIMIT_FSIZE), so
 *       the kernel refuses the write that would grow Data.fs past the limit with EFBIG ("File too
 *       large"; the JVM ignores SIGXFSZ) exactly as a full disk refuses it with ENOSPC.</li>
 * </ul>
 * Either way the transaction that hits the limit fails with a clear error, nothing acknowledged is
 * lost, the server stays up and serves loads, the file passes fstest, and once space is back the
 * file takes commits again.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DiskTest {
    @TempDir
    Path dir;

    @Test
    void quotaExceededAbortsTheTransactionAndLeavesTheFileUsable() throws Exception {
        Path dataFs = dir.resolve("Data.fs");
        List<Ack> acked = new ArrayList<>();
        String error;
        try (FileStorage fs = FileStorage.open(FileStorageConfig.builder(dataFs).create(true).quota(64L * 1024).build());
                StorageServer server = new StorageServer(ServerConfig.builder().address("127.0.0.1:0").build(),
                        Map.of("1", fs)).start();
                ClientStorage c = Clients.open("127.0.0.1:" + server.port())) {
            error = fillUntilFailure(c, acked, 2_000);
            assertTrue(error.contains("quota") || error.contains("Quota"), "a clear quota error: " + error);
            // the server is up, the aborted transaction left no trace and the client is usable
            for (Ack a : acked) {
                Clients.assertPresent(c, a);
            }
            c.ping();
            assertTrue(c.isConnected());
        }
        CrashTest.assertFsTest(dataFs, "after the quota error");
        try (FileStorage fs = FileStorage.open(FileStorageConfig.of("1", dataFs))) {
            for (Ack a : acked) {
                Clients.assertPresent(fs, a);
            }
            commitDirect(fs);
        }
        CrashTest.assertFsTest(dataFs, "after a commit without quota");
        System.out.println("disk (quota): " + acked.size() + " writes acknowledged, then: " + error);
    }

    @Test
    void aFailingWriteFromTheKernelAbortsTheTransaction() throws Exception {
        Path dataFs = dir.resolve("Data.fs");
        int port = ServerProcess.freePort();
        List<Ack> acked = new ArrayList<>();
        // a first run creates the file and some history
        ServerProcess server = ServerProcess.start(dataFs, port);
        try (ClientStorage c = Clients.open(server.address())) {
            ConcurrentLinkedQueue<Ack> q = new ConcurrentLinkedQueue<>();
            Committer w = new Committer(c, "before", 10, 1, q);
            for (int i = 0; i < 20; i++) {
                w.commitOnce();
            }
            acked.addAll(q);
        } finally {
            assertEquals(0, server.stop());
        }
        long limitKb = Files.size(dataFs) / 1024 + 256;
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", "ulimit -f " + limitKb + " && exec \"$@\"", "bash"));
        cmd.addAll(ServerProcess.command(dataFs, port));
        server = ServerProcess.start(cmd, dataFs, port);
        String error;
        try (ClientStorage c = Clients.open(server.address())) {
            error = fillUntilFailure(c, acked, 400);
            assertTrue(server.process.isAlive(), "the server survives the failing write: " + server.logTail());
            assertTrue(error.toLowerCase(java.util.Locale.ROOT).contains("file too large")
                    || error.contains("IOException") || error.toLowerCase(java.util.Locale.ROOT).contains("space"),
                    "a clear I/O error: " + error);
            for (Ack a : acked) {
                Clients.assertPresent(c, a);
            }
            c.ping();
        } finally {
            server.stop(); // its index file may not be writable under the limit: the status is not asserted
        }
        CrashTest.assertFsTest(dataFs, "after the failing write");
        server = ServerProcess.start(dataFs, port); // space is back
        try (ClientStorage c = Clients.open(server.address())) {
            for (Ack a : acked) {
                Clients.assertPresent(c, a);
            }
            ConcurrentLinkedQueue<Ack> q = new ConcurrentLinkedQueue<>();
            new Committer(c, "after", 3, 2, q).commitOnce();
            Clients.assertPresent(c, q.peek());
        } finally {
            assertEquals(0, server.stop(), server.logTail());
        }
        CrashTest.assertFsTest(dataFs, "after recovery");
        System.out.println("disk (RLIMIT_FSIZE " + limitKb + " KiB): " + acked.size()
                + " writes acknowledged, then: " + error);
    }

    /** Commits transactions of ten 4 KiB objects until one fails; returns that failure's message. */
    private static String fillUntilFailure(ClientStorage c, List<Ack> acked, int maxTransactions) {
        List<Oid> oids = c.newOids(10);
        Tid[] serials = new Tid[10];
        java.util.Arrays.fill(serials, Tid.ZERO);
        for (int n = 0; n < maxTransactions; n++) {
            StorageTransaction t = c.tpcBegin(TransactionMetaData.of("reliability", "fill " + n));
            List<byte[]> data = new ArrayList<>();
            try {
                for (int i = 0; i < 10; i++) {
                    byte[] d = Clients.payload("fill " + n + "/" + i, 4096);
                    data.add(d);
                    t.store(oids.get(i), serials[i], d);
                }
                t.vote();
                Tid tid = t.finish();
                for (int i = 0; i < 10; i++) {
                    serials[i] = tid;
                    acked.add(new Ack(oids.get(i), tid, data.get(i)));
                }
            } catch (RuntimeException e) {
                try {
                    t.abort();
                } catch (RuntimeException ignored) {
                    // already ended by the failure
                }
                assertNotNull(e.getMessage(), "the error says what happened: " + e);
                return e.getClass().getName() + ": " + e.getMessage();
            }
        }
        throw new AssertionError("no commit failed within " + maxTransactions + " transactions of 40 KiB");
    }

    private static void commitDirect(FileStorage fs) {
        Oid oid = fs.newOid();
        StorageTransaction t = fs.tpcBegin(TransactionMetaData.of("reliability", "after quota"));
        t.store(oid, Tid.ZERO, Clients.payload("after", 100));
        t.vote();
        t.finish();
    }
}
