package org.jzeo.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.junit.jupiter.api.Test;
import org.jzeo.api.Oid;
import org.jzeo.api.Storage;
import org.jzeo.api.StorageException;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.storage.internal.FileChecker;

/** The conformance suite against {@link FileStorage}, each test on a real file in a temporary directory. */
class FileStorageConformanceTest extends StorageConformanceTest {

    @Override
    protected Storage createStorage(Path dir) {
        return FileStorage.open(FileStorageConfig.of("test", dir.resolve("Data.fs")));
    }

    @Override
    protected Storage reopen(Storage closed, Path dir) {
        return FileStorage.open(FileStorageConfig.of("test", dir.resolve("Data.fs")));
    }

    @Override
    protected boolean supportsCrashSimulation() {
        return true;
    }

    /**
     * Keeps a copy of the file as it is after vote (the transaction on disk with status 'c'), lets
     * the storage go, puts the copy back as the crashed process would have left it, and reopens.
     */
    @Override
    protected Storage simulateCrashAfterVote(Storage storage, StorageTransaction voted, Path dir) {
        Path data = dir.resolve("Data.fs");
        Path saved = dir.resolveSibling("crash-image.fs");
        try {
            Files.copy(data, saved, StandardCopyOption.REPLACE_EXISTING);
            voted.abort();
            storage.close();
            Files.copy(saved, data, StandardCopyOption.REPLACE_EXISTING);
            Files.deleteIfExists(dir.resolve("Data.fs.jzindex"));
            assertEquals("checkpoint flag was not cleared at " + checkpointPos(data),
                    FileChecker.check(data, 0).error(), "the image holds the voted transaction");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return FileStorage.open(FileStorageConfig.of("test", data));
    }

    private static long checkpointPos(Path data) throws IOException {
        // the last transaction starts right after the previous one: find it by walking the file
        byte[] all = Files.readAllBytes(data);
        long pos = 4;
        while (true) {
            long tlen = java.nio.ByteBuffer.wrap(all, (int) pos + 8, 8).getLong();
            if (all[(int) pos + 16] == 'c') {
                return pos;
            }
            pos += tlen + 8;
        }
    }

    @Test
    void everyFileWrittenPassesTheChecker() throws IOException {
        Oid a = storage.newOid();
        Tid t1 = store(a, "a1");
        store(a, "a2");
        commit(storage, "delete", t -> t.deleteObject(a, storage.lastSerial(a)));
        assertTrue(t1.compareTo(Tid.ZERO) > 0);
        Path data = storageDir.resolve("Data.fs");
        FileChecker.Report r = FileChecker.check(data, 2);
        assertTrue(r.ok(), r.error());
        assertEquals(java.util.List.of(), FileChecker.checkLinks(data));
    }

    @Test
    void closeAbortsAVotedTransaction() {
        Oid a = storage.newOid();
        Tid t1 = store(a, "a1");
        StorageTransaction voted = storage.tpcBegin(TransactionMetaData.EMPTY);
        voted.store(a, t1, b("a2"));
        voted.vote();
        storage.close();
        assertThrows(StorageException.class, voted::finish);
        Storage again = track(reopen(storage, storageDir));
        assertEquals(t1, again.lastTransaction());
        assertEquals("a1", s(again.load(a).data()));
    }
}
