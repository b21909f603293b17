package org.jzeo.jca.internal;

import java.time.Duration;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.jzeo.api.ConflictError;
import org.jzeo.api.Tid;
import org.jzeo.client.ClientDisconnected;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ZEO two-phase commit as an XA resource. Writes made in a branch are buffered; nothing reaches the
 * server before prepare.
 * <ul>
 *   <li>{@link #prepare}: takes a commit session, sends {@code tpc_begin}, the writes and
 *       {@code tpc_vote} (the server's commit lock is taken here and held until commit or rollback).
 *       A branch that wrote nothing answers {@link #XA_RDONLY} without contacting the server. A
 *       {@link ConflictError} aborts and throws {@code XA_RBROLLBACK} naming the oid, a lost
 *       connection {@code XA_RBCOMMFAIL}, no free commit session in time {@code XA_RBTIMEOUT}, any other
 *       storage error {@code XA_RBOTHER}; the cause is the storage's error.</li>
 *   <li>{@link #commit} two-phase: {@code tpc_finish}. If the session's connection dropped after the
 *       vote, the server has rolled the transaction back (ZEO aborts a voted transaction whose
 *       connection closes): reported as {@code XA_HEURRB}. If it dropped while {@code tpc_finish}
 *       was in flight the outcome is unknown: {@code XA_HEURHAZ}.</li>
 *   <li>{@link #commit} one-phase: vote and finish in one go; a failure before the finish is
 *       {@code XA_RB*} (nothing committed).</li>
 *   <li>{@link #rollback}: {@code tpc_abort} if prepared, else the buffer is dropped.</li>
 *   <li>{@link #recover}: always an empty array; see there.</li>
 * </ul>
 *
 * <h2>Timeouts</h2>
 * The server's commit lock is held only between prepare and commit, which a transaction manager
 * runs back to back, so the JTA transaction timeout (which elapses while the application works,
 * before prepare) never covers a held lock. If the manager stalls between the phases, the server's
 * {@code transaction-timeout} aborts the voted transaction and closes the session: commit then
 * reports {@code XA_HEURRB}. {@link #setTransactionTimeout} bounds the wait for a free commit
 * session at prepare (otherwise the factory's {@code waitTimeout}).
 */
final class ZeoXAResource implements XAResource {
    private static final Logger LOG = LoggerFactory.getLogger(ZeoXAResource.class);

    private final ZeoManagedConnection mc;
    private volatile int timeoutSeconds;

    ZeoXAResource(ZeoManagedConnection mc) {
        this.mc = mc;
    }

    private ZeoBackend backend() {
        return mc.backend();
    }

    private Branch branch(Xid xid) throws XAException {
        Branch b = backend().branches.get(XidKey.of(xid));
        if (b == null) {
            throw Errors.xa(XAException.XAER_NOTA, "unknown XA branch " + XidKey.of(xid), null);
        }
        return b;
    }

    @Override
    public void start(Xid xid, int flags) throws XAException {
        XidKey key = XidKey.of(xid);
        if (mc.localActive()) {
            throw Errors.xa(XAException.XAER_PROTO, "a local transaction is active on this connection", null);
        }
        if ((flags & (TMJOIN | TMRESUME)) != 0) {
            Branch b = branch(xid);
            synchronized (b) {
                if (b.state == Branch.State.PREPARED) {
                    throw Errors.xa(XAException.XAER_PROTO, "branch " + key + " is already prepared", null);
                }
                b.state = Branch.State.ACTIVE;
            }
            mc.associate(b);
            return;
        }
        Branch b = new Branch(key, new TxBuffer(mc.takeMetadata()));
        if (backend().branches.putIfAbsent(key, b) != null) {
            throw Errors.xa(XAException.XAER_DUPID, "branch " + key + " exists already", null);
        }
        mc.associate(b);
    }

    @Override
    public void end(Xid xid, int flags) throws XAException {
        Branch b = branch(xid);
        synchronized (b) {
            if ((flags & TMFAIL) != 0) {
                b.rollbackOnly = true;
            }
            if (b.state == Branch.State.ACTIVE) {
                b.state = Branch.State.ENDED;
            }
        }
        if (mc.associatedBranch() == b) {
            mc.associate(null);
        }
    }

    private Duration acquireTimeout() {
        Duration wait = backend().waitTimeout();
        int t = timeoutSeconds;
        return t > 0 && Duration.ofSeconds(t).compareTo(wait) < 0 ? Duration.ofSeconds(t) : wait;
    }

    /** Votes the branch; returns false for a branch that wrote nothing (nothing sent). */
    private boolean vote(Branch b) throws XAException {
        synchronized (b) {
            if (b.state == Branch.State.PREPARED) {
                throw Errors.xa(XAException.XAER_PROTO, "branch " + b.xid + " is already prepared", null);
            }
            if (b.rollbackOnly) {
                backend().branches.remove(b.xid);
                throw Errors.xa(XAException.XA_RBROLLBACK, "branch " + b.xid + " was marked rollback-only", null);
            }
            if (b.buffer.isEmpty()) {
                backend().branches.remove(b.xid);
                return false;
            }
            try {
                b.prepared = backend().prepare(b.buffer, acquireTimeout());
                b.state = Branch.State.PREPARED;
                return true;
            } catch (ConflictError e) {
                backend().branches.remove(b.xid);
                throw Errors.xa(XAException.XA_RBROLLBACK, Errors.conflictMessage(e), e);
            } catch (ClientDisconnected e) {
                backend().branches.remove(b.xid);
                boolean timeout = e instanceof ZeoBackend.NoFreeSession;
                if (!timeout) {
                    notifyLoss(e);
                }
                throw Errors.xa(timeout ? XAException.XA_RBTIMEOUT : XAException.XA_RBCOMMFAIL,
                        "ZEO vote failed, transaction rolled back: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                backend().branches.remove(b.xid);
                throw Errors.xa(XAException.XA_RBOTHER, "ZEO vote failed, transaction rolled back: " + e, e);
            }
        }
    }

    @Override
    public int prepare(Xid xid) throws XAException {
        return vote(branch(xid)) ? XA_OK : XA_RDONLY;
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
        Branch b = branch(xid);
        synchronized (b) {
            if (onePhase) {
                if (b.state != Branch.State.PREPARED && !vote(b)) {
                    return; // nothing written
                }
            } else if (b.state != Branch.State.PREPARED) {
                throw Errors.xa(XAException.XAER_PROTO, "commit of branch " + b.xid + " that was not prepared", null);
            }
            backend().branches.remove(b.xid);
            ZeoBackend.Prepared p = b.prepared;
            b.prepared = null;
            try {
                Tid tid = backend().finish(p);
                b.participants.forEach(m -> m.committed(tid));
            } catch (ClientDisconnected e) {
                notifyLoss(e);
                boolean beforeFinish = e.getMessage() != null && e.getMessage().contains("lost before finish");
                String m = beforeFinish
                        ? "the ZEO server connection dropped after prepare: the server rolled the transaction back"
                        : "the ZEO server connection dropped during tpc_finish: the outcome is unknown";
                LOG.warn("{} ({})", m, b.xid);
                throw Errors.xa(beforeFinish ? XAException.XA_HEURRB : XAException.XA_HEURHAZ, m, e);
            } catch (RuntimeException e) {
                throw Errors.xa(XAException.XA_HEURHAZ, "ZEO tpc_finish failed, outcome unknown: " + e, e);
            }
        }
    }

    private void notifyLoss(Exception e) {
        mc.connectionError(Errors.map("commit", (RuntimeException) e), null);
    }

    @Override
    public void rollback(Xid xid) throws XAException {
        Branch b = branch(xid);
        synchronized (b) {
            backend().branches.remove(b.xid);
            ZeoBackend.Prepared p = b.prepared;
            b.prepared = null;
            if (p != null) {
                try {
                    backend().abort(p);
                } catch (RuntimeException e) {
                    // the server aborts it anyway when the session's connection is gone
                    LOG.debug("tpc_abort of {} failed: {}", b.xid, e.toString());
                }
            }
        }
        if (mc.associatedBranch() == b) {
            mc.associate(null);
        }
    }

    /**
     * Always an empty array. Prepared branches are not written anywhere durable (that is later
     * work), and ZEO needs no recovery of them: a ZEO server keeps a voted transaction only while
     * the connection that voted it is open, and rolls it back when that connection closes (client
     * crash, restart, network loss). So after a restart of this JVM there is nothing in doubt on the
     * server; while the JVM runs, the transaction manager that prepared a branch completes it, and a
     * branch whose connection dropped is reported as a heuristic rollback by {@link #commit}.
     */
    @Override
    public Xid[] recover(int flag) {
        return new Xid[0];
    }

    /** Heuristic outcomes are not remembered beyond the commit call that reported them. */
    @Override
    public void forget(Xid xid) {
        backend().branches.remove(XidKey.of(xid));
    }

    @Override
    public boolean isSameRM(XAResource other) {
        return other instanceof ZeoXAResource x && x.backend() == backend();
    }

    @Override
    public int getTransactionTimeout() {
        return timeoutSeconds;
    }

    @Override
    public boolean setTransactionTimeout(int seconds) {
        timeoutSeconds = Math.max(0, seconds);
        return true;
    }
}
