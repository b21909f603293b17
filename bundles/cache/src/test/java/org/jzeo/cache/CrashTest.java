package org.jzeo.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;

/** kill -9 of a client process: a restart reuses what was written, and never serves anything wrong. */
@Timeout(120)
class CrashTest {
    @TempDir
    Path dir;

    private Process start(String mode, int n) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), CrashChild.class.getName(),
                dir.toString(), mode, Integer.toString(n))
                .redirectError(dir.resolve(mode + ".stderr").toFile())
                .start();
    }

    private void awaitReadyThenKill(Process p, long churnMillis) throws Exception {
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
            String line = out.readLine();
            assertEquals("ready", line, () -> "child said " + line + "; stderr: " + stderr());
            if (churnMillis > 0) {
                Thread.sleep(churnMillis);
                assertTrue(p.isAlive(), this::stderr);
            }
        } finally {
            p.destroyForcibly(); // SIGKILL on Unix
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        assertEquals(137, p.exitValue(), "killed by SIGKILL");
    }

    private String stderr() {
        try {
            return Files.readString(dir.resolve("idle.stderr")) + Files.readString(dir.resolve("churn.stderr"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void everyEntryWrittenBeforeTheKillIsReused() throws Exception {
        int n = 10_000;
        awaitReadyThenKill(start("idle", n), 0);
        try (ClientCache c = ClientCache.open(ClientCacheConfig.persistent(CrashChild.SIZE, dir, "crash"))) {
            assertEquals(Data.tid(1), c.lastTid());
            int hits = 0;
            for (int i = 0; i < n; i++) {
                CacheEntry e = c.loadCurrent(Data.oid(i));
                if (e != null) {
                    hits++;
                    assertEquals(Data.tid(1), e.start());
                    assertArrayEquals(Data.of(Data.oid(i), Data.tid(1)), e.data());
                }
            }
            double rate = 100.0 * hits / n;
            System.out.printf("kill -9 test: %d of %d entries reused after restart (hit rate %.1f%%)%n", hits, n, rate);
            assertEquals(n, hits, "every entry written before the kill is reused");
        }
    }

    /**
     * Killed in the middle of commits: the reopened cache may have lost the tail, but every entry is
     * a stored revision with its true range, and no current revision is older than an invalidation
     * the recovered last tid covers.
     */
    @Test
    void killedWhileCommittingRecoversAConsistentPrefix() throws Exception {
        int n = 1_000;
        awaitReadyThenKill(start("churn", n), 300);
        try (ClientCache c = ClientCache.open(ClientCacheConfig.persistent(CrashChild.SIZE, dir, "crash"))) {
            Tid last = c.lastTid();
            long lastRound = last.value() - Data.BASE;
            assertTrue(lastRound > 2, "the child committed before being killed: " + last);
            int current = 0;
            int noncurrent = 0;
            for (int i = 0; i < CrashChild.CHURN_OIDS; i++) {
                Oid o = Data.oid(n + i);
                // rounds that wrote o, up to one round past the recovered last tid (possibly half-done)
                java.util.List<Long> writes = new java.util.ArrayList<>();
                for (long k = 2; k <= lastRound + 1; k++) {
                    for (int j = 0; j < CrashChild.PER_ROUND; j++) {
                        if (CrashChild.churnOid(n, k, j).equals(o)) {
                            writes.add(k);
                        }
                    }
                }
                CacheEntry cur = c.loadCurrent(o);
                if (cur != null) {
                    current++;
                    long k = cur.start().value() - Data.BASE;
                    assertTrue(writes.contains(k), "current revision was written");
                    assertArrayEquals(Data.of(o, cur.start()), cur.data());
                    int idx = writes.indexOf(k);
                    if (idx + 1 < writes.size()) {
                        assertTrue(writes.get(idx + 1) > lastRound,
                                "stale current revision " + k + " of " + o + " although last tid is round " + lastRound);
                    }
                }
                for (int w = 0; w < writes.size(); w++) {
                    Tid s = Data.tid(writes.get(w));
                    CacheEntry e = c.loadBefore(o, s.next());
                    if (e != null && e.end() != null) {
                        noncurrent++;
                        assertEquals(s, e.start());
                        assertArrayEquals(Data.of(o, s), e.data());
                        assertEquals(Data.tid(writes.get(w + 1)), e.end());
                    }
                }
            }
            System.out.printf("kill -9 while committing: recovered last tid = round %d, %d current and %d non-current"
                    + " churn revisions, %d revisions in all%n", lastRound, current, noncurrent, c.size());
            assertTrue(current > CrashChild.CHURN_OIDS / 2, "most current revisions survive: " + current);
            // and the cache keeps working from there
            Oid o = Data.oid(n);
            c.invalidate(o, null);
            c.store(o, last.next(), null, Data.of(o, last.next()));
            c.setLastTid(last.next());
        }
        try (ClientCache c = ClientCache.open(ClientCacheConfig.persistent(CrashChild.SIZE, dir, "crash"))) {
            Tid t = c.lastTid();
            assertArrayEquals(Data.of(Data.oid(n), t), c.loadCurrent(Data.oid(n)).data());
            assertNull(c.loadBefore(Data.oid(n), t));
        }
    }
}
