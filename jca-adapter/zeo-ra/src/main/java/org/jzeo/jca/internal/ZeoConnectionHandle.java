package org.jzeo.jca.internal;

import jakarta.resource.NotSupportedException;
import jakarta.resource.ResourceException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jzeo.api.HistoryEntry;
import org.jzeo.api.LoadResult;
import org.jzeo.api.Oid;
import org.jzeo.api.ReadOnlyError;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionDescription;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.jca.ZeoConnection;
import org.jzeo.jca.ZeoLocalTransaction;
import org.jzeo.jca.ZeoStorageException;

/** The application's handle: reads through the shared storage, writes into the current transaction. */
final class ZeoConnectionHandle implements ZeoConnection {
    private volatile ZeoManagedConnection mc;
    private volatile boolean closed;

    ZeoConnectionHandle(ZeoManagedConnection mc) {
        this.mc = mc;
    }

    ZeoManagedConnection managedConnection() {
        return mc;
    }

    void associate(ZeoManagedConnection m) {
        mc = m;
        closed = false;
    }

    /** The managed connection was cleaned up: this handle is dead. */
    void invalidate() {
        closed = true;
    }

    private ZeoManagedConnection open() throws ResourceException {
        ZeoManagedConnection m = mc;
        if (closed || m == null) {
            throw new jakarta.resource.spi.IllegalStateException("the jzeo connection is closed");
        }
        return m;
    }

    private ResourceException fail(ZeoManagedConnection m, String what, RuntimeException e) {
        ResourceException re = Errors.map(what, e);
        if (Errors.isConnectionLoss(re)) {
            m.connectionError(re, this);
        }
        return re;
    }

    private TxBuffer buffer(ZeoManagedConnection m, String what) throws ResourceException {
        TxBuffer b = m.currentBuffer();
        if (b == null) {
            throw new jakarta.resource.spi.IllegalStateException(what + " outside a transaction: use a JTA"
                    + " transaction or getLocalTransaction()");
        }
        if (m.backend().isReadOnlyConfig()) {
            throw new ZeoStorageException(what + " on a read-only connection factory", new ReadOnlyError(
                    "the connection factory is configured readOnly"));
        }
        return b;
    }

    @Override
    public String storageName() throws ResourceException {
        return open().backend().key().config().storage();
    }

    @Override
    public Oid newOid() throws ResourceException {
        ZeoManagedConnection m = open();
        try {
            return m.backend().storage().newOid();
        } catch (RuntimeException e) {
            throw fail(m, "newOid", e);
        }
    }

    @Override
    public LoadResult load(Oid oid) throws ResourceException {
        ZeoManagedConnection m = open();
        try {
            return m.backend().storage().load(oid);
        } catch (RuntimeException e) {
            throw fail(m, "load of " + oid, e);
        }
    }

    @Override
    public LoadResult loadBefore(Oid oid, Tid before) throws ResourceException {
        ZeoManagedConnection m = open();
        try {
            return m.backend().storage().loadBefore(oid, before);
        } catch (RuntimeException e) {
            throw fail(m, "loadBefore of " + oid, e);
        }
    }

    @Override
    public byte[] loadSerial(Oid oid, Tid serial) throws ResourceException {
        ZeoManagedConnection m = open();
        try {
            return m.backend().storage().loadSerial(oid, serial);
        } catch (RuntimeException e) {
            throw fail(m, "loadSerial of " + oid, e);
        }
    }

    @Override
    public void store(Oid oid, Tid serial, byte[] data) throws ResourceException {
        ZeoManagedConnection m = open();
        buffer(m, "store").store(oid, serial, data);
    }

    @Override
    public void deleteObject(Oid oid, Tid serial) throws ResourceException {
        ZeoManagedConnection m = open();
        buffer(m, "deleteObject").delete(oid, serial);
    }

    @Override
    public void checkCurrentSerial(Oid oid, Tid serial) throws ResourceException {
        ZeoManagedConnection m = open();
        buffer(m, "checkCurrentSerial").check(oid, serial);
    }

    @Override
    public void undo(byte[] transactionId) throws ResourceException {
        ZeoManagedConnection m = open();
        buffer(m, "undo").undo(transactionId);
    }

    @Override
    public void setTransactionNote(String user, String description) throws ResourceException {
        open().setNote(new TransactionMetaData(user == null ? null : user.getBytes(StandardCharsets.UTF_8),
                description == null ? null : description.getBytes(StandardCharsets.UTF_8), null));
    }

    @Override
    public List<HistoryEntry> history(Oid oid, int size) throws ResourceException {
        ZeoManagedConnection m = open();
        try {
            return m.backend().storage().history(oid, size);
        } catch (RuntimeException e) {
            throw fail(m, "history of " + oid, e);
        }
    }

    @Override
    public List<TransactionDescription> undoLog(int first, int last) throws ResourceException {
        ZeoManagedConnection m = open();
        try {
            return m.backend().storage().undoLog(first, last, d -> true);
        } catch (RuntimeException e) {
            throw fail(m, "undoLog", e);
        }
    }

    @Override
    public Tid lastTransaction() throws ResourceException {
        return open().backend().storage().lastTransaction();
    }

    @Override
    public Tid lastCommittedTid() {
        ZeoManagedConnection m = mc;
        return m == null ? null : m.lastCommitted();
    }

    @Override
    public ZeoLocalTransaction getLocalTransaction() throws ResourceException {
        ZeoManagedConnection m = open();
        if (m.inXaBranch()) {
            throw new NotSupportedException("the connection takes part in a JTA transaction: no local transaction");
        }
        return new ZeoLocalTransaction() {
            @Override
            public void begin() throws ResourceException {
                open().beginLocal(true, ZeoConnectionHandle.this);
            }

            @Override
            public void commit() throws ResourceException {
                open().commitLocal(true, ZeoConnectionHandle.this);
            }

            @Override
            public void rollback() throws ResourceException {
                open().rollbackLocal(true, ZeoConnectionHandle.this);
            }
        };
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ZeoManagedConnection m = mc;
        if (m != null) {
            m.handleClosed(this);
        }
    }

    @Override
    public String toString() {
        return "ZeoConnection[" + mc + (closed ? ", closed" : "") + "]";
    }
}
