package org.jzeo.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.jzeo.client.ClientStorage;
import org.jzeo.reliability.Clients.Ack;
import org.jzeo.reliability.Clients.Committer;
import org.jzeo.storage.DataFsTools;
import org.jzeo.storage.FileStorage;
import org.jzeo.storage.FileStorageConfig;

/**
 * kill -9 of the standalone server in the middle of a commit storm, {@link Poll#crashRounds()}
 * times (20; 120 with -Psoak). Each round: the server (re)starts on the file the last kill left,
 * every commit acknowledged before that kill is found, the file passes fstest, a lone probe commit
 * is bracketed by a force (the server's {@code forces} counter moved between a status taken before
 * it and one taken after its acknowledgement), then three clients commit flat out and the server is
 * killed 100–400 ms into the storm.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class CrashTest {
    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedCommitSurvivesKillMinus9() throws Exception {
        Path dataFs = dir.resolve("Data.fs");
        int port = ServerProcess.freePort();
        Random random = new Random(9);
        List<Ack> all = new ArrayList<>();
        List<Ack> lastRound = List.of();
        int rounds = Poll.crashRounds();
        long stormCommits = 0;
        for (int round = 0; round < rounds; round++) {
            ServerProcess server = ServerProcess.start(dataFs, port);
            ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
            List<ClientStorage> clients = new ArrayList<>();
            List<Committer> committers = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            try {
                ClientStorage probe = Clients.open(server.address());
                clients.add(probe);
                for (Ack a : lastRound) {
                    Clients.assertPresent(probe, a); // through the restarted server
                }
                assertFsTest(dataFs, "after restart " + round);

                // a lone commit: a force must fall between the status before it and its acknowledgement
                Committer probeCommitter = new Committer(probe, "probe" + round, 4, round, acks);
                long forcesBefore = Clients.status(probe, "forces");
                probeCommitter.commitOnce();
                long forcesAfter = Clients.status(probe, "forces");
                assertTrue(forcesAfter > forcesBefore, "round " + round + ": commit acknowledged without a force ("
                        + forcesBefore + " -> " + forcesAfter + ")");

                for (int i = 0; i < 3; i++) {
                    ClientStorage c = Clients.open(server.address());
                    clients.add(c);
                    Committer committer = new Committer(c, "r" + round + "c" + i, 20, round * 10L + i, acks);
                    committers.add(committer);
                    Thread t = new Thread(committer, "storm-" + i);
                    t.setDaemon(true);
                    threads.add(t);
                }
                threads.forEach(Thread::start);
                Poll.await("the storm commits", 20, () -> committers.stream().allMatch(c -> c.commits > 0));
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100 + random.nextInt(300));
                while (System.nanoTime() < until) {
                    Poll.pause();
                }
                for (Committer c : committers) {
                    if (c.failure != null) {
                        throw new AssertionError("a committer failed before the kill", c.failure);
                    }
                }
                server.kill(); // kill -9 mid-storm
                for (Thread t : threads) {
                    t.join(TimeUnit.SECONDS.toMillis(30));
                    assertTrue(!t.isAlive(), "a committer hangs after the kill");
                }
            } finally {
                committers.forEach(c -> c.stop = true);
                server.close();
                for (ClientStorage c : clients) {
                    c.close();
                }
            }
            stormCommits += committers.stream().mapToLong(c -> c.commits).sum();
            lastRound = new ArrayList<>(acks);
            all.addAll(lastRound);
        }
        // the last kill's file: recovered by a final start, then everything ever acknowledged is there
        ServerProcess server = ServerProcess.start(dataFs, port);
        try (ClientStorage c = Clients.open(server.address())) {
            for (Ack a : lastRound) {
                Clients.assertPresent(c, a);
            }
        } finally {
            assertEquals(0, server.stop(), "clean stop: " + server.logTail());
        }
        assertFsTest(dataFs, "at the end");
        try (FileStorage fs = FileStorage.open(FileStorageConfig.of("1", dataFs))) {
            for (Ack a : all) {
                Clients.assertPresent(fs, a);
            }
        }
        System.out.printf("crash: %d rounds, %d storm commits, %d acknowledged writes checked%n", rounds,
                stormCommits, all.size());
        assertTrue(stormCommits >= rounds, "the storms committed");
    }

    static void assertFsTest(Path dataFs, String when) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = DataFsTools.check(dataFs, new PrintStream(out, true, StandardCharsets.UTF_8), 0);
        assertEquals(0, rc, "fstest " + when + ": " + out.toString(StandardCharsets.UTF_8));
    }
}
