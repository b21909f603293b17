package org.jzeo.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.jzeo.api.Oid;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.storage.FileStorage;
import org.jzeo.storage.FileStorageConfig;

/**
 * How long a large Data.fs takes to open: by scanning the file, and with jzeo's index file.
 *
 * <pre>java -cp benchmarks/target/jzeo-benchmarks.jar org.jzeo.benchmarks.OpenTime [DIR] [SIZE_MB]</pre>
 *
 * Builds (once, reused if present) a file of about SIZE_MB (default 1024) in DIR (default
 * ./var/bench) of 1000-object transactions with 900-byte records, then prints one
 * {@code metric value unit} line per figure: open by scan (the index file removed first), open
 * with the index file, and the file size.
 */
public final class OpenTime {
    private OpenTime() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "var/bench");
        long sizeMb = args.length > 1 ? Long.parseLong(args[1]) : 1024;
        Files.createDirectories(dir);
        Path file = dir.resolve("Data.fs");
        Path index = dir.resolve("Data.fs.jzindex");
        if (!Files.exists(file) || Files.size(file) < sizeMb * 1024 * 1024 * 9 / 10) {
            build(file, sizeMb * 1024 * 1024);
        }
        Files.deleteIfExists(index);
        long t0 = System.nanoTime();
        long objects;
        try (FileStorage s = FileStorage.open(FileStorageConfig.of("1", file))) {
            objects = s.objectCount();
        }
        long scan = System.nanoTime() - t0;
        if (!Files.exists(index)) {
            System.err.println("note: no index file was written on close");
        }
        t0 = System.nanoTime();
        try (FileStorage s = FileStorage.open(FileStorageConfig.of("1", file))) {
            if (s.objectCount() != objects) {
                throw new IllegalStateException("index gave " + s.objectCount() + " objects, scan " + objects);
            }
        }
        long withIndex = System.nanoTime() - t0;
        System.out.printf("open_scan_seconds %.3f s%n", scan / 1e9);
        System.out.printf("open_index_seconds %.3f s%n", withIndex / 1e9);
        System.out.printf("file_size_mb %d MB%n", Files.size(file) / (1024 * 1024));
        System.out.printf("objects %d count%n", objects);
    }

    private static void build(Path file, long bytes) {
        byte[] payload = new byte[900];
        new Random(1).nextBytes(payload);
        int perTxn = 1000;
        int distinct = 1_000_000;
        Tid[] serials = new Tid[distinct];
        java.util.Arrays.fill(serials, Tid.ZERO);
        try (FileStorage s = FileStorage.open(FileStorageConfig.builder(file).create(true).build())) {
            int next = 0;
            while (s.getSize() < bytes) {
                StorageTransaction t = s.tpcBegin(TransactionMetaData.of("bench", "build"));
                for (int k = 0; k < perTxn; k++) {
                    int i = (next + k) % distinct;
                    t.store(Oid.of(i + 1), serials[i], payload);
                }
                t.vote();
                Tid tid = t.finish();
                for (int k = 0; k < perTxn; k++) {
                    serials[(next + k) % distinct] = tid;
                }
                next = (next + perTxn) % distinct;
            }
        }
    }
}
