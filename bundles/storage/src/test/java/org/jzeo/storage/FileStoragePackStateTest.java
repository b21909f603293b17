package org.jzeo.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.jzeo.api.CloseableIterator;
import org.jzeo.api.Oid;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.api.TransactionRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** After a pack, size, iteration and history come from the packed file. */
class FileStoragePackStateTest {
    @TempDir
    Path dir;

    @Test
    void sizeAndIteratorReflectThePackedFile() throws Exception {
        try (FileStorage s = FileStorage.open(FileStorageConfig.of("1", dir.resolve("Data.fs")))) {
            byte[] root = StorageConformanceTest.Records.mapping();
            Tid serial = Tid.ZERO;
            for (int i = 0; i < 3; i++) {
                StorageTransaction t = s.tpcBegin(TransactionMetaData.of("u", "rev " + i));
                t.store(Oid.ROOT, serial, root);
                t.vote();
                serial = t.finish();
            }
            long before = s.getSize();
            Thread.sleep(2); // the pack time must lie after the last commit's tid
            s.pack(System.currentTimeMillis() / 1000.0, true);
            assertTrue(s.getSize() < before, "size after pack " + s.getSize() + " vs " + before);
            assertEquals(Files.size(s.path()), s.getSize());
            try (CloseableIterator<TransactionRecord> it = s.iterator(null, null)) {
                int n = 0;
                while (it.hasNext()) {
                    TransactionRecord t = it.next();
                    assertEquals('p', t.status());
                    n++;
                }
                assertEquals(1, n, "only the transaction holding the current revision remains");
            }
        }
    }
}
