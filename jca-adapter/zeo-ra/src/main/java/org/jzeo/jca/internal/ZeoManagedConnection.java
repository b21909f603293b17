package org.jzeo.jca.internal;

import jakarta.resource.ResourceException;
import jakarta.resource.spi.ConnectionEvent;
import jakarta.resource.spi.ConnectionEventListener;
import jakarta.resource.spi.ConnectionRequestInfo;
import jakarta.resource.spi.LocalTransaction;
import jakarta.resource.spi.LocalTransactionException;
import jakarta.resource.spi.ManagedConnection;
import jakarta.resource.spi.ManagedConnectionMetaData;
import java.io.PrintWriter;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CopyOnWriteArraySet;
import javax.security.auth.Subject;
import javax.transaction.xa.XAResource;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pooled connection: a view on its configuration's {@link ZeoBackend} plus the transaction state
 * of whoever holds it. It owns no socket; loads go through the shared storage, commits through a
 * commit session taken for the duration of the two-phase commit.
 *
 * <p>Transactions: the container's {@link LocalTransaction} (from {@link #getLocalTransaction()}),
 * an XA branch ({@link #getXAResource()}), or the application's
 * {@link org.jzeo.jca.ZeoLocalTransaction}; writes go into the active one's buffer.
 *
 * <p>Events: {@code CONNECTION_CLOSED} when a handle closes, {@code LOCAL_TRANSACTION_*} for the
 * application's local transactions, {@code CONNECTION_ERROR_OCCURRED} when an operation finds the
 * server connection lost (the pool then destroys this connection; the backend reconnects by itself
 * and new connections use it).
 */
final class ZeoManagedConnection implements ManagedConnection {
    private static final Logger LOG = LoggerFactory.getLogger(ZeoManagedConnection.class);

    private final ZeoManagedConnectionFactory factory;
    private final ZeoBackend backend;
    private final List<ConnectionEventListener> listeners = new CopyOnWriteArrayList<>();
    private final Set<ZeoConnectionHandle> handles = new CopyOnWriteArraySet<>();
    private final ZeoXAResource xaResource;
    private PrintWriter logWriter;

    /** The local transaction (container-driven or application-driven), or null. */
    private TxBuffer local;
    /** Whether {@link #local} was begun by the application (events are then fired). */
    private boolean localByApplication;
    /** The XA branch this connection is associated with (between start and end), or null. */
    private volatile Branch branch;
    /** Metadata for the next transaction begun on this connection. */
    private TransactionMetaData nextMetadata = TransactionMetaData.EMPTY;
    private volatile Tid lastCommitted;
    private volatile boolean broken;
    private volatile boolean destroyed;

    ZeoManagedConnection(ZeoManagedConnectionFactory factory, ZeoBackend backend) {
        this.factory = factory;
        this.backend = backend;
        this.xaResource = new ZeoXAResource(this);
    }

    ZeoManagedConnectionFactory factory() {
        return factory;
    }

    ZeoBackend backend() {
        return backend;
    }

    /** Not destroyed, not marked broken, backend open. */
    boolean isUsable() {
        return !destroyed && !broken && !backend.isClosed();
    }

    // ------------------------------------------------------------------ handles

    @Override
    public Object getConnection(Subject subject, ConnectionRequestInfo info) throws ResourceException {
        if (destroyed) {
            throw new jakarta.resource.spi.IllegalStateException("the managed connection is destroyed");
        }
        ZeoConnectionHandle h = new ZeoConnectionHandle(this);
        handles.add(h);
        return h;
    }

    @Override
    public void associateConnection(Object connection) throws ResourceException {
        if (!(connection instanceof ZeoConnectionHandle h)) {
            throw new jakarta.resource.spi.IllegalStateException("not a jzeo connection handle: " + connection);
        }
        ZeoManagedConnection old = h.managedConnection();
        if (old != null && old != this) {
            old.handles.remove(h);
        }
        h.associate(this);
        handles.add(h);
    }

    void handleClosed(ZeoConnectionHandle h) {
        handles.remove(h);
        ConnectionEvent e = new ConnectionEvent(this, ConnectionEvent.CONNECTION_CLOSED);
        e.setConnectionHandle(h);
        for (ConnectionEventListener l : listeners) {
            l.connectionClosed(e);
        }
    }

    /** Reports a lost server connection: the pool drops this managed connection. */
    void connectionError(Exception cause, ZeoConnectionHandle h) {
        if (broken) {
            return;
        }
        broken = true;
        LOG.warn("jzeo connection error, the pool will drop this connection: {}", cause.toString());
        ConnectionEvent e = new ConnectionEvent(this, ConnectionEvent.CONNECTION_ERROR_OCCURRED, cause);
        if (h != null) {
            e.setConnectionHandle(h);
        }
        for (ConnectionEventListener l : listeners) {
            l.connectionErrorOccurred(e);
        }
    }

    @Override
    public void cleanup() {
        for (ZeoConnectionHandle h : handles) {
            h.invalidate();
        }
        handles.clear();
        synchronized (this) {
            local = null;
            localByApplication = false;
            nextMetadata = TransactionMetaData.EMPTY;
        }
        branch = null; // the transaction manager completes the branch itself
    }

    @Override
    public void destroy() {
        cleanup();
        destroyed = true;
    }

    @Override
    public void addConnectionEventListener(ConnectionEventListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeConnectionEventListener(ConnectionEventListener listener) {
        listeners.remove(listener);
    }

    // ------------------------------------------------------------------ transactions

    /** The buffer writes go to; null outside any transaction. */
    synchronized TxBuffer currentBuffer() {
        Branch b = branch;
        return b != null ? b.buffer : local;
    }

    synchronized void setNote(TransactionMetaData md) {
        nextMetadata = md;
        TxBuffer buf = currentBuffer();
        if (buf != null) {
            buf.metadata(md);
        }
    }

    synchronized TransactionMetaData takeMetadata() {
        TransactionMetaData md = nextMetadata;
        nextMetadata = TransactionMetaData.EMPTY;
        return md;
    }

    boolean inXaBranch() {
        return branch != null;
    }

    void associate(Branch b) {
        branch = b;
        if (b != null) {
            b.participants.add(this);
        }
    }

    Branch associatedBranch() {
        return branch;
    }

    void committed(Tid tid) {
        lastCommitted = tid;
    }

    Tid lastCommitted() {
        return lastCommitted;
    }

    synchronized boolean localActive() {
        return local != null;
    }

    synchronized boolean localByApplication() {
        return local != null && localByApplication;
    }

    /** Begins a local transaction. */
    void beginLocal(boolean byApplication, ZeoConnectionHandle h) throws ResourceException {
        synchronized (this) {
            if (branch != null) {
                throw new LocalTransactionException("the connection is in an XA transaction");
            }
            if (local != null) {
                throw new LocalTransactionException("a local transaction is already active on this connection");
            }
            local = new TxBuffer(takeMetadata());
            localByApplication = byApplication;
        }
        if (byApplication) {
            fire(ConnectionEvent.LOCAL_TRANSACTION_STARTED, h);
        }
    }

    /** Commits the local transaction in one go (vote then finish on a commit session). */
    void commitLocal(boolean byApplication, ZeoConnectionHandle h) throws ResourceException {
        TxBuffer buf;
        synchronized (this) {
            if (local == null) {
                throw new LocalTransactionException("no local transaction is active");
            }
            buf = local;
            local = null;
        }
        try {
            if (!buf.isEmpty()) {
                Tid tid = backend.commit(buf, backend.waitTimeout());
                committed(tid);
            }
        } catch (RuntimeException e) {
            ResourceException re = Errors.map("commit", e);
            if (!(re instanceof LocalTransactionException)) {
                LocalTransactionException lte = new LocalTransactionException(
                        "commit failed, the transaction is rolled back: " + re.getMessage(), e);
                if (Errors.isConnectionLoss(e)) {
                    connectionError(re, h);
                }
                re = lte;
            }
            throw re;
        } finally {
            if (byApplication) {
                fire(ConnectionEvent.LOCAL_TRANSACTION_COMMITTED, h);
            }
        }
    }

    /** Discards the local transaction's buffer. */
    void rollbackLocal(boolean byApplication, ZeoConnectionHandle h) throws ResourceException {
        synchronized (this) {
            if (local == null) {
                throw new LocalTransactionException("no local transaction is active");
            }
            local = null;
        }
        if (byApplication) {
            fire(ConnectionEvent.LOCAL_TRANSACTION_ROLLEDBACK, h);
        }
    }

    private void fire(int type, ZeoConnectionHandle h) {
        ConnectionEvent e = new ConnectionEvent(this, type);
        if (h != null) {
            e.setConnectionHandle(h);
        }
        for (ConnectionEventListener l : listeners) {
            switch (type) {
                case ConnectionEvent.LOCAL_TRANSACTION_STARTED -> l.localTransactionStarted(e);
                case ConnectionEvent.LOCAL_TRANSACTION_COMMITTED -> l.localTransactionCommitted(e);
                case ConnectionEvent.LOCAL_TRANSACTION_ROLLEDBACK -> l.localTransactionRolledback(e);
                default -> {
                }
            }
        }
    }

    @Override
    public LocalTransaction getLocalTransaction() {
        return new LocalTransaction() {
            @Override
            public void begin() throws ResourceException {
                beginLocal(false, null);
            }

            @Override
            public void commit() throws ResourceException {
                commitLocal(false, null);
            }

            @Override
            public void rollback() throws ResourceException {
                rollbackLocal(false, null);
            }
        };
    }

    @Override
    public XAResource getXAResource() throws ResourceException {
        return xaResource;
    }

    @Override
    public ManagedConnectionMetaData getMetaData() throws ResourceException {
        return new ManagedConnectionMetaData() {
            @Override
            public String getEISProductName() {
                return "ZEO";
            }

            @Override
            public String getEISProductVersion() {
                return "5";
            }

            @Override
            public int getMaxConnections() {
                return 0;
            }

            @Override
            public String getUserName() {
                return factory.getUsername();
            }
        };
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        logWriter = out;
    }

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }
}
