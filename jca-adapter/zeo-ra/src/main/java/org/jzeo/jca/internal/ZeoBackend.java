package org.jzeo.jca.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jzeo.api.Oid;
import org.jzeo.api.Storage;
import org.jzeo.api.StorageListener;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.client.ClientConfig;
import org.jzeo.client.ClientDisconnected;
import org.jzeo.client.ClientStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the managed connections of one configuration share: one {@link ClientStorage} (the
 * <em>shared storage</em>) whose cache answers every load, and a bounded pool of <em>commit
 * sessions</em>, further ClientStorages used only to commit.
 *
 * <h2>Why commit sessions</h2>
 * A ZEO connection carries one transaction at a time (ClientStorage serialises transactions at
 * vote on a single commit slot). With every commit on the shared storage, N concurrent JTA
 * transactions would vote one after another in the client, each waiting for the previous one's
 * round trips. Commit sessions are separate server connections: N transactions vote concurrently
 * and queue on the server's commit lock, so they commit as fast as the server's lock allows. With
 * {@code commitSessions = 0} every commit goes through the shared storage (correct, serialised).
 *
 * <h2>Cache coherence</h2>
 * A session's commit reaches the shared cache as the server's invalidation (the server sends every
 * commit to every other connection of the storage, rule S3), so the shared cache never serves a
 * revision a session replaced. For read-your-writes, a commit returns only once the shared storage's
 * last transaction has reached the new tid ({@link #awaitVisible}). The committed data itself is not
 * put into the shared cache (the next load fetches it once): ClientStorage offers no way to feed
 * another connection's commit into its cache.
 */
final class ZeoBackend implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ZeoBackend.class);
    /** Commit sessions keep a small transient cache: nothing is loaded through them. */
    private static final long SESSION_CACHE_SIZE = 1L << 20;

    /** What identifies a backend: the client configuration and the commit-session bound. */
    record Key(ClientConfig config, int commitSessions) {
        Key {
            Objects.requireNonNull(config, "config");
            if (commitSessions < 0) {
                throw new IllegalArgumentException("commitSessions must not be negative");
            }
        }
    }

    /** No commit session became free in time (the server connection itself may be fine). */
    static final class NoFreeSession extends ClientDisconnected {
        private static final long serialVersionUID = 1L;

        NoFreeSession(String message) {
            super(message);
        }
    }

    /** A server session a transaction commits through (the shared storage when sessions are off). */
    static final class Session {
        final Storage storage;
        final boolean shared;

        Session(Storage storage, boolean shared) {
            this.storage = storage;
            this.shared = shared;
        }
    }

    /** A voted transaction: it holds the server's commit lock until {@link #finish} or {@link #abort}. */
    static final class Prepared {
        final Session session;
        final StorageTransaction txn;

        Prepared(Session session, StorageTransaction txn) {
            this.session = session;
            this.txn = txn;
        }
    }

    private final Key key;
    private final ClientStorage shared;
    private final Function<ClientConfig, ClientStorage> opener;
    private final ClientConfig sessionConfig;
    private final Object poolLock = new Object();
    private final Deque<ClientStorage> idle = new ArrayDeque<>();
    private final List<ClientStorage> all = new ArrayList<>();
    private int opened;
    private int inUse;
    private int peakInUse;
    private boolean closed;
    private final Object visibility = new Object();
    private final StorageListener visibilityListener;
    /** XA branches of this resource manager, by Xid (a branch may be joined by several connections). */
    final ConcurrentHashMap<XidKey, Branch> branches = new ConcurrentHashMap<>();

    ZeoBackend(Key key, Function<ClientConfig, ClientStorage> opener) {
        this.key = key;
        this.opener = opener;
        this.shared = opener.apply(key.config());
        this.sessionConfig = key.config().toBuilder().client(null).cachePath(null).var(null)
                .cacheSize(SESSION_CACHE_SIZE).build();
        this.visibilityListener = new StorageListener() {
            @Override
            public void committed(Storage storage, StorageTransaction transaction, Tid tid, Set<Oid> oids) {
                synchronized (visibility) {
                    visibility.notifyAll();
                }
            }
        };
        shared.addListener(visibilityListener);
    }

    Key key() {
        return key;
    }

    /** The shared storage: every load goes here. */
    ClientStorage storage() {
        return shared;
    }

    boolean isReadOnlyConfig() {
        return key.config().readOnly();
    }

    Duration waitTimeout() {
        return key.config().waitTimeout();
    }

    /** Commit sessions open now. */
    int openSessions() {
        synchronized (poolLock) {
            return opened;
        }
    }

    /** The most commit sessions in use at once since the backend opened (for tests and monitoring). */
    int peakSessionsInUse() {
        synchronized (poolLock) {
            return peakInUse;
        }
    }

    // ------------------------------------------------------------------ sessions

    /**
     * A session to commit through, waiting up to {@code timeout} for one to be free.
     *
     * @throws ClientDisconnected when none is free in time or a new one cannot connect
     */
    Session acquire(Duration timeout) {
        if (key.commitSessions() == 0) {
            return new Session(shared, true);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        ClientStorage s = null;
        boolean create = false;
        synchronized (poolLock) {
            while (true) {
                if (closed) {
                    throw new ClientDisconnected("the resource adapter is stopped");
                }
                if (!idle.isEmpty()) {
                    s = idle.pop();
                    break;
                }
                if (opened < key.commitSessions()) {
                    opened++;
                    create = true;
                    break;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new NoFreeSession("no free commit session within " + timeout + " (commitSessions="
                            + key.commitSessions() + ")");
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(poolLock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ClientDisconnected("interrupted while waiting for a commit session", e);
                }
            }
            inUse++;
            peakInUse = Math.max(peakInUse, inUse);
        }
        try {
            if (!create && !s.isConnected()) {
                // its connection dropped: rather a fresh session than failing at vote
                LOG.debug("replacing a disconnected commit session");
                forget(s);
                s.close();
                s = null;
                create = true;
            }
            if (create) {
                s = opener.apply(sessionConfig);
                synchronized (poolLock) {
                    all.add(s);
                }
            }
            return new Session(s, false);
        } catch (RuntimeException e) {
            synchronized (poolLock) {
                opened--;
                inUse--;
                poolLock.notifyAll();
            }
            throw e;
        }
    }

    private void forget(ClientStorage s) {
        synchronized (poolLock) {
            all.remove(s);
        }
    }

    /** Returns a session to the pool. */
    void release(Session session) {
        if (session.shared) {
            return;
        }
        ClientStorage s = (ClientStorage) session.storage;
        synchronized (poolLock) {
            inUse--;
            if (closed) {
                opened--;
                all.remove(s);
            } else {
                idle.push(s);
            }
            poolLock.notifyAll();
        }
        if (closed) {
            s.close();
        }
    }

    // ------------------------------------------------------------------ two-phase commit

    /**
     * Begins the transaction on a session, sends the writes and votes (ZEO's {@code tpc_vote}, which
     * takes the server's commit lock).
     *
     * @throws org.jzeo.api.ConflictError and other storage errors; the session is then released
     */
    Prepared prepare(TxBuffer buffer, Duration acquireTimeout) {
        Session s = acquire(acquireTimeout);
        StorageTransaction t = null;
        try {
            t = s.storage.tpcBegin(buffer.metadata());
            buffer.replay(t);
            t.vote();
            return new Prepared(s, t);
        } catch (RuntimeException e) {
            if (t != null) {
                t.abort();
            }
            release(s);
            throw e;
        }
    }

    /** Finishes a voted transaction ({@code tpc_finish}); returns once the shared cache has seen it. */
    Tid finish(Prepared p) {
        Tid tid;
        try {
            tid = p.txn.finish();
        } finally {
            release(p.session);
        }
        awaitVisible(tid, waitTimeout());
        return tid;
    }

    /** Aborts a voted transaction ({@code tpc_abort}); releases the server's lock. */
    void abort(Prepared p) {
        try {
            p.txn.abort();
        } finally {
            release(p.session);
        }
    }

    /** One-phase commit: vote and finish in one go. */
    Tid commit(TxBuffer buffer, Duration acquireTimeout) {
        return finish(prepare(buffer, acquireTimeout));
    }

    /**
     * Waits until the shared storage's view includes {@code tid} (its invalidation arrived), at most
     * {@code timeout}. Returns whether it did.
     */
    boolean awaitVisible(Tid tid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (visibility) {
            while (shared.lastTransaction().compareTo(tid) < 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed) {
                    LOG.warn("the shared cache did not reach the committed tid {} within {} (it is at {})", tid,
                            timeout, shared.lastTransaction());
                    return false;
                }
                try {
                    // bounded slices: a reconnect catches up without calling listeners
                    TimeUnit.NANOSECONDS.timedWait(visibility, Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }

    /** Closes every session and the shared storage. */
    @Override
    public void close() {
        List<ClientStorage> toClose;
        synchronized (poolLock) {
            if (closed) {
                return;
            }
            closed = true;
            toClose = new ArrayList<>(idle);
            idle.clear();
            opened -= toClose.size();
            all.removeAll(toClose);
            poolLock.notifyAll();
        }
        synchronized (visibility) {
            visibility.notifyAll();
        }
        for (ClientStorage s : toClose) {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.debug("closing a commit session: {}", e.toString());
            }
        }
        shared.removeListener(visibilityListener);
        shared.close();
    }

    boolean isClosed() {
        synchronized (poolLock) {
            return closed;
        }
    }

    @Override
    public String toString() {
        return "ZeoBackend[" + shared + ", commitSessions=" + key.commitSessions() + "]";
    }
}
