package org.jzeo.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.jzeo.api.LockFile;
import org.jzeo.api.StorageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Data.fs.lock file: fcntl and flock, as zc.lockfile does. */
class FileStorageLockTest {
    @TempDir
    Path dir;

    private static int run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "process finished");
        return p.exitValue();
    }

    @Test
    void secondOpenFailsNamingTheLockFile() throws IOException {
        Path data = dir.resolve("Data.fs");
        try (FileStorage fs = FileStorage.open(FileStorageConfig.of(data))) {
            StorageException e = assertThrows(StorageException.class, () -> FileStorage.open(FileStorageConfig.of(data)));
            assertTrue(e.getMessage().contains("Couldn't lock " + dir.resolve("Data.fs.lock")), e.getMessage());
            // a read-only open takes no lock and works alongside
            try (FileStorage ro = FileStorage.open(FileStorageConfig.builder(data).readOnly(true).build())) {
                assertEquals(0, ro.objectCount());
            }
            assertEquals(" " + ProcessHandle.current().pid() + "\n",
                    Files.readString(dir.resolve("Data.fs.lock"), StandardCharsets.US_ASCII));
        }
        try (FileStorage again = FileStorage.open(FileStorageConfig.of(data))) {
            assertEquals(0, again.objectCount());
        }
    }

    /** Python's zc.lockfile uses flock(2): another process's flock must fail while jzeo holds the lock. */
    @Test
    void otherProcessesCannotFlockWhileOpen() throws Exception {
        assertTrue(LockFile.flockAvailable(), "JNA loads libc on this machine");
        Path data = dir.resolve("Data.fs");
        String lock = dir.resolve("Data.fs.lock").toString();
        try (FileStorage fs = FileStorage.open(FileStorageConfig.of(data))) {
            assertNotEquals(0, run("flock", "-n", lock, "true"), "flock -n must fail while jzeo holds the lock");
        }
        assertEquals(0, run("flock", "-n", lock, "true"), "free after close");
    }

    /** And jzeo refuses to open while another process holds a flock (as a Python ZEO would). */
    @Test
    void openFailsWhileAnotherProcessHoldsTheFlock() throws Exception {
        Path data = dir.resolve("Data.fs");
        Path lock = dir.resolve("Data.fs.lock");
        Process holder = new ProcessBuilder("flock", "-n", lock.toString(), "sh", "-c", "echo locked; cat")
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.US_ASCII));
            assertEquals("locked", out.readLine());
            StorageException e = assertThrows(StorageException.class, () -> FileStorage.open(FileStorageConfig.of(data)));
            assertTrue(e.getMessage().contains("Couldn't lock " + lock), e.getMessage());
        } finally {
            holder.getOutputStream().close(); // cat ends, flock releases
            assertTrue(holder.waitFor(10, TimeUnit.SECONDS));
        }
        try (FileStorage fs = FileStorage.open(FileStorageConfig.of(data))) {
            assertEquals(0, fs.objectCount());
        }
    }
}
