package org.jzeo.storage.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jzeo.api.Oid;
import org.jzeo.api.StorageException;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.storage.DataFsTools;
import org.jzeo.storage.FileStorage;
import org.jzeo.storage.FileStorageConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that fails under the storage, injected through the data file's channel: a failing fsync
 * (EIO) after finish, and a failing write at vote and at finish. Nothing acknowledged is lost, the
 * failing transaction gets a clear error, the file stays usable, and after a failed force the
 * storage refuses writes until reopened (a retried fsync may report success for pages the kernel
 * already dropped) and does not save an index that could vouch for what was not forced.
 */
class FailingDiskTest {
    @TempDir
    Path dir;

    private final List<FailingChannel> channels = new ArrayList<>();

    private DataFsStorage open(Path file) {
        return DataFsStorage.open(FileStorageConfig.of("1", file), ch -> {
            FailingChannel f = new FailingChannel(ch);
            channels.add(f);
            return f;
        });
    }

    private FailingChannel current() {
        return channels.get(channels.size() - 1);
    }

    private static Tid commit(FileStorage s, Oid oid, Tid serial, String data) {
        StorageTransaction t = s.tpcBegin(TransactionMetaData.of("u", data));
        t.store(oid, serial, data.getBytes());
        t.vote();
        return t.finish();
    }

    private static void assertFsTest(Path file) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, DataFsTools.check(file, new PrintStream(out), 0), out.toString());
    }

    @Test
    void aFailedForceFailsTheFinishAndTheStorageRefusesWritesUntilReopened() throws Exception {
        Path file = dir.resolve("Data.fs");
        Oid a = Oid.of(1);
        Tid t1;
        try (DataFsStorage s = open(file)) {
            t1 = commit(s, a, Tid.ZERO, "acknowledged");
            current().failForce.set(true);
            StorageTransaction t = s.tpcBegin(TransactionMetaData.of("u", "in doubt"));
            t.store(a, t1, "in doubt".getBytes());
            t.vote(); // vote writes without forcing
            StorageException e = assertThrows(StorageException.class, t::finish);
            assertTrue(e.getMessage().contains("forcing") && e.getMessage().contains("injected fsync failure"),
                    e.getMessage());
            // not acknowledged, so not visible: loads and lastTransaction stay at t1
            assertEquals(t1, s.lastTransaction());
            assertArrayEquals("acknowledged".getBytes(), s.load(a).data());
            current().failForce.set(false); // a "successful" retry proves nothing: still refused
            StorageException refused = assertThrows(StorageException.class, () -> commit(s, Oid.of(2), Tid.ZERO, "later"));
            assertTrue(refused.getMessage().contains("forcing"), refused.getMessage());
        }
        assertFalse(Files.exists(file.resolveSibling("Data.fs.jzindex")), "no index saved after a failed force");
        assertFsTest(file);
        try (DataFsStorage s = open(file)) {
            // The in-doubt transaction reached the page cache here, so it is back; what matters is
            // that the file is whole and the acknowledged commit is there.
            assertTrue(s.lastTransaction().compareTo(t1) >= 0);
            Tid serial = s.load(a).start();
            byte[] now = s.load(a).data();
            assertTrue(serial.equals(t1) ? new String(now).equals("acknowledged") : new String(now).equals("in doubt"));
            assertArrayEquals("acknowledged".getBytes(), s.loadSerial(a, t1));
            commit(s, Oid.of(2), Tid.ZERO, "after reopen");
        }
        assertFsTest(file);
    }

    @Test
    void aFailedWriteAtVoteOrFinishAbortsOnlyThatTransaction() throws Exception {
        Path file = dir.resolve("Data.fs");
        Oid a = Oid.of(1);
        try (DataFsStorage s = open(file)) {
            Tid t1 = commit(s, a, Tid.ZERO, "one");
            long size = Files.size(file);

            current().failWrite.set(true);
            StorageTransaction atVote = s.tpcBegin(TransactionMetaData.of("u", "fails at vote"));
            atVote.store(a, t1, "lost".getBytes());
            StorageException e = assertThrows(StorageException.class, atVote::vote);
            assertTrue(e.getMessage().contains("injected write failure"), e.getMessage());
            current().failWrite.set(false);
            assertEquals(size, Files.size(file), "the failed vote left nothing behind");

            StorageTransaction atFinish = s.tpcBegin(TransactionMetaData.of("u", "fails at finish"));
            atFinish.store(a, t1, "lost too".getBytes());
            atFinish.vote();
            current().failWrite.set(true); // the status byte cannot be written
            StorageException f = assertThrows(StorageException.class, atFinish::finish);
            assertTrue(f.getMessage().contains("injected write failure"), f.getMessage());
            current().failWrite.set(false);
            assertEquals(t1, s.lastTransaction());
            assertEquals(size, Files.size(file), "the failed finish was cut off");

            Tid t2 = commit(s, a, t1, "two"); // the disk is back: the storage goes on
            assertArrayEquals("two".getBytes(), s.load(a).data());
            assertEquals(t2, s.lastTransaction());
        }
        assertFsTest(file);
        try (FileStorage s = FileStorage.open(FileStorageConfig.of("1", file))) {
            assertArrayEquals("two".getBytes(), s.load(a).data());
        }
    }
}
