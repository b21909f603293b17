package org.jzeo.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jzeo.api.StorageException;

/** One process (and one cache) at a time per file: Java lock and flock(2). */
class LockTest {
    @TempDir
    Path dir;

    private static int run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "process finished");
        return p.exitValue();
    }

    @Test
    void aSecondOpenFailsClearly() throws IOException {
        ClientCacheConfig cfg = ClientCacheConfig.persistent(1 << 20, dir, "l");
        try (ClientCache c = ClientCache.open(cfg)) {
            StorageException e = assertThrows(StorageException.class, () -> ClientCache.open(cfg));
            assertTrue(e.getMessage().contains("Couldn't lock " + dir.resolve("l.jzc.lock")), e.getMessage());
            assertEquals(" " + ProcessHandle.current().pid() + "\n",
                    Files.readString(dir.resolve("l.jzc.lock"), StandardCharsets.US_ASCII));
            c.store(Data.oid(1), Data.tid(1), null, new byte[] {1}); // the failed open did not disturb it
        }
        try (ClientCache c = ClientCache.open(cfg)) {
            assertNotNull(c.loadCurrent(Data.oid(1)));
        }
    }

    @Test
    void otherProcessesCannotFlockWhileOpen() throws Exception {
        ClientCacheConfig cfg = ClientCacheConfig.persistent(1 << 20, dir, "l");
        String lock = dir.resolve("l.jzc.lock").toString();
        try (ClientCache c = ClientCache.open(cfg)) {
            assertNotEquals(0, run("flock", "-n", lock, "true"), "flock -n must fail while the cache is open");
        }
        assertEquals(0, run("flock", "-n", lock, "true"), "free after close");
    }

    @Test
    void openFailsWhileAnotherProcessHoldsTheFlock() throws Exception {
        Path lock = dir.resolve("l.jzc.lock");
        Process holder = new ProcessBuilder("flock", "-n", lock.toString(), "sh", "-c", "echo locked; cat")
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.US_ASCII));
            assertEquals("locked", out.readLine());
            StorageException e = assertThrows(StorageException.class,
                    () -> ClientCache.open(ClientCacheConfig.persistent(1 << 20, dir, "l")));
            assertTrue(e.getMessage().contains("another process"), e.getMessage());
        } finally {
            holder.getOutputStream().close();
            assertTrue(holder.waitFor(10, TimeUnit.SECONDS));
        }
        try (ClientCache c = ClientCache.open(ClientCacheConfig.persistent(1 << 20, dir, "l"))) {
            assertEquals(0, c.size());
        }
    }

    @Test
    void closeStopsTheCacheThreads() {
        try (ClientCache c = ClientCache.open(ClientCacheConfig.persistent(16 * 1024, dir, "th"))) {
            for (int i = 0; i < 1000; i++) { // several segments: the flusher has work
                c.store(Data.oid(i), Data.tid(1), null, new byte[100]);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("zeo-cache-flush-th"))) {
            assertTrue(System.nanoTime() < deadline, "the flush thread ends with close");
            Thread.onSpinWait();
        }
    }
}
