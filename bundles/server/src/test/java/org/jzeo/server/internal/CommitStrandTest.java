package org.jzeo.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The commit strand: one task at a time in submission order, inline when idle. */
@Timeout(30)
class CommitStrandTest {
    private final CommitStrand strand = new CommitStrand("test");

    @AfterEach
    void stop() {
        strand.shutdown(5_000);
    }

    @Test
    void anIdleStrandRunsTheTaskOnTheCallersThread() {
        Thread[] ranOn = new Thread[1];
        strand.execute(() -> ranOn[0] = Thread.currentThread());
        assertSame(Thread.currentThread(), ranOn[0]);
    }

    @Test
    void aTaskSubmittedFromInsideATaskRunsAfterItOnTheStrandThread() throws Exception {
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(1);
        Thread[] inner = new Thread[1];
        strand.execute(() -> {
            strand.execute(() -> {
                inner[0] = Thread.currentThread();
                order.add("inner");
                done.countDown();
            });
            order.add("outer");
        });
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(List.of("outer", "inner"), order);
        assertTrue(inner[0].getName().startsWith("zeo-server-commit-"), inner[0].getName());
    }

    /** Many threads submitting at once: never two tasks at the same time, none lost, FIFO per submitter. */
    @Test
    void tasksNeverOverlapAndNoneIsLost() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger ran = new AtomicInteger();
        int threads = 4;
        int perThread = 2_000;
        List<List<Integer>> seen = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            seen.add(Collections.synchronizedList(new ArrayList<>()));
        }
        List<Thread> submitters = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int me = t;
            Thread th = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    int n = i;
                    strand.execute(() -> {
                        if (running.incrementAndGet() != 1) {
                            overlaps.incrementAndGet();
                        }
                        seen.get(me).add(n);
                        ran.incrementAndGet();
                        running.decrementAndGet();
                    });
                }
            });
            submitters.add(th);
            th.start();
        }
        for (Thread th : submitters) {
            th.join();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ran.get() < threads * perThread && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(threads * perThread, ran.get());
        assertEquals(0, overlaps.get());
        for (List<Integer> s : seen) {
            for (int i = 0; i < perThread; i++) {
                assertEquals(i, s.get(i));
            }
        }
    }

    @Test
    void aFailingTaskLeavesTheStrandWorking() {
        strand.execute(() -> {
            throw new IllegalStateException("boom");
        });
        boolean[] ran = new boolean[1];
        strand.execute(() -> ran[0] = true);
        assertTrue(ran[0]);
    }

    @Test
    void shutdownRunsWhatIsQueuedThenRefuses() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = holdInline(release);
        strand.execute(ran::incrementAndGet); // queued behind the holder
        release.countDown();
        holder.join();
        assertTrue(strand.shutdown(5_000));
        assertEquals(1, ran.get());
        assertFalse(strand.threadAlive());
        assertThrows(RejectedExecutionException.class, () -> strand.execute(ran::incrementAndGet));
    }

    @Test
    void aVoteRunsInlineOnlyWhileTheStoragesLockIsFreeOtherTasksAlways() throws Exception {
        boolean[] lockFree = {false};
        CommitStrand guarded = new CommitStrand("guarded", () -> lockFree[0]);
        try {
            Thread[] ranOn = new Thread[1];
            CountDownLatch ran = new CountDownLatch(1);
            guarded.votes().execute(() -> {
                ranOn[0] = Thread.currentThread();
                ran.countDown();
            });
            assertTrue(ran.await(10, TimeUnit.SECONDS));
            assertTrue(ranOn[0] != Thread.currentThread(), "a vote that may wait for the storage went to the strand's thread");
            // finishes and aborts never wait for that lock: inline even now (once the strand is idle again)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            Thread[] finishOn = new Thread[1];
            do {
                guarded.execute(() -> finishOn[0] = Thread.currentThread());
            } while (finishOn[0] != Thread.currentThread() && System.nanoTime() < deadline);
            assertSame(Thread.currentThread(), finishOn[0]);
            lockFree[0] = true;
            guarded.votes().execute(() -> ranOn[0] = Thread.currentThread());
            assertSame(Thread.currentThread(), ranOn[0]);
        } finally {
            guarded.shutdown(5_000);
        }
    }

    @Test
    void shutdownDuringAnInlineTaskStopsTheThreadWhenItEnds() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        holdInline(release);
        Thread closer = new Thread(() -> strand.shutdown(20_000));
        closer.start();
        Thread.sleep(100);
        release.countDown();
        long t0 = System.nanoTime();
        closer.join(20_000);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertFalse(strand.threadAlive());
        assertTrue(ms < 5_000, "the strand's thread stopped " + ms + " ms after the inline task ended");
    }

    /** Starts a caller whose task runs inline and holds the strand until {@code release}; returns once it does. */
    private Thread holdInline(CountDownLatch release) throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        Thread caller = new Thread(() -> strand.execute(() -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        caller.start();
        assertTrue(started.await(10, TimeUnit.SECONDS));
        return caller;
    }
}
