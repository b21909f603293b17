package org.jzeo.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Rule S2: one holder, waiters granted first come first served, withdrawn waiters skipped. */
class CommitLockTest {
    private final List<String> granted = new ArrayList<>();
    private final CommitLock lock = new CommitLock(Runnable::run);

    private void acquire(String owner) {
        lock.acquire(owner, () -> granted.add(owner));
    }

    @Test
    void grantsInArrivalOrder() {
        acquire("a");
        acquire("b");
        acquire("c");
        acquire("d");
        assertEquals(List.of("a"), granted);
        assertEquals(3, lock.waiting());
        lock.release("a");
        lock.release("b");
        lock.release("c");
        assertEquals(List.of("a", "b", "c", "d"), granted);
        assertTrue(lock.isHeldBy("d"));
        lock.release("d");
        assertFalse(lock.isHeldBy("d"));
        assertEquals(0, lock.lockTimeMillis());
    }

    @Test
    void withdrawnWaiterIsSkippedAndReleaseIsIdempotent() {
        acquire("a");
        acquire("b");
        acquire("c");
        lock.release("b"); // b disconnects while waiting
        lock.release("a");
        lock.release("a");
        assertEquals(List.of("a", "c"), granted);
    }

    @Test
    void secondVoteOfSameOwnerIsRefused() {
        acquire("a");
        acquire("b");
        assertThrows(IllegalStateException.class, () -> acquire("a"));
        assertThrows(IllegalStateException.class, () -> acquire("b"));
    }

    @Test
    void aWaiterGrantedByAReleaseGetsItsActionThroughItsHome() {
        List<Runnable> homeQueue = new ArrayList<>();
        acquire("a");
        lock.acquire("b", homeQueue::add, () -> granted.add("b"));
        lock.release("a");
        // b holds the lock at once, but its action waits for its home (its event loop) to run it
        assertTrue(lock.isHeldBy("b"));
        assertEquals(List.of("a"), granted);
        assertEquals(1, homeQueue.size());
        homeQueue.get(0).run();
        assertEquals(List.of("a", "b"), granted);
    }

    @Test
    void aWaiterWhoseHomeRefusesStillGetsItsGrant() {
        acquire("a");
        lock.acquire("b", task -> {
            throw new java.util.concurrent.RejectedExecutionException("event loop shutting down");
        }, () -> granted.add("b"));
        lock.release("a");
        assertEquals(List.of("a", "b"), granted);
        assertTrue(lock.isHeldBy("b"));
    }
}
