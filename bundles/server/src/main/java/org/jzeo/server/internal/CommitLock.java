package org.jzeo.server.internal;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The per-storage commit lock of the server (rule S2): one transaction at a time holds it, from
 * the moment its vote is granted until its finish or abort; waiters are granted strictly in
 * arrival order, so no writer starves (unlike ZEO #194, where every waiter was woken and the
 * fastest won).
 *
 * <p>Acquisition never blocks a thread: a waiter registers a grant action that runs on the
 * storage's commit executor when its turn comes. A waiter granted by a release gets its action
 * through its own executor first (its event loop): the release happens inside the previous
 * holder's commit task, and by the time the waiter's loop runs, that task is usually done, so
 * the action runs inline there instead of waking the commit thread and then the loop. Owners are
 * compared by identity.
 */
final class CommitLock {
    private final Executor commitExecutor;
    private final Deque<Waiter> waiters = new ArrayDeque<>();
    private Object holder;
    private long acquiredAtMillis;

    private record Waiter(Object owner, Executor home, Runnable onGranted) {
    }

    /** @param commitExecutor where grant actions (votes) run: the storage's commit strand */
    CommitLock(Executor commitExecutor) {
        this.commitExecutor = commitExecutor;
    }

    /**
     * Queues {@code owner}; {@code onGranted} runs on the commit executor once it holds the lock.
     *
     * @throws IllegalStateException if the owner already holds or waits for the lock
     */
    void acquire(Object owner, Runnable onGranted) {
        acquire(owner, Runnable::run, onGranted);
    }

    /**
     * Queues {@code owner}; once it holds the lock, {@code onGranted} is handed to the commit
     * executor: at once if the lock is free, else from {@code home} when a release grants it.
     *
     * @throws IllegalStateException if the owner already holds or waits for the lock
     */
    void acquire(Object owner, Executor home, Runnable onGranted) {
        synchronized (this) {
            if (holder == owner || waiters.stream().anyMatch(w -> w.owner == owner)) {
                throw new IllegalStateException("Already voting (" + (holder == owner ? "locked" : "waiting") + ")");
            }
            if (holder != null) {
                waiters.addLast(new Waiter(owner, home, onGranted));
                return;
            }
            grantTo(owner);
        }
        commitExecutor.execute(onGranted);
    }

    private void grantTo(Object owner) {
        holder = owner;
        acquiredAtMillis = System.currentTimeMillis();
    }

    /**
     * Releases the lock if {@code owner} holds it, or withdraws it from the queue if it waits; the
     * next waiter (first come, first served) is granted. Idempotent.
     */
    void release(Object owner) {
        Waiter next;
        synchronized (this) {
            if (holder != owner) {
                waiters.removeIf(w -> w.owner == owner);
                return;
            }
            holder = null;
            next = waiters.pollFirst();
            if (next == null) {
                return;
            }
            grantTo(next.owner);
        }
        Runnable grant = next.onGranted;
        try {
            next.home.execute(() -> commitExecutor.execute(grant));
        } catch (RejectedExecutionException e) {
            commitExecutor.execute(grant); // its loop is shutting down: the grant still runs (and sees the abort)
        }
    }

    /** Whether {@code owner} holds the lock now. */
    synchronized boolean isHeldBy(Object owner) {
        return holder == owner;
    }

    /** Number of queued waiters (the {@code waiting} statistic). */
    synchronized int waiting() {
        return waiters.size();
    }

    /** Unix time (ms) the lock was taken, or 0 when free (the {@code lock_time} statistic). */
    synchronized long lockTimeMillis() {
        return holder == null ? 0 : acquiredAtMillis;
    }
}
