package org.jzeo.server.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.jzeo.api.Oid;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;

/**
 * A client transaction as the server holds it: the calls collected between {@code tpc_begin}
 * and {@code vote} (replayed into the storage once the commit lock is granted), and, after the
 * grant, the storage transaction. It is the commit lock's owner.
 */
final class PendingTransaction {
    enum State { COLLECTING, VOTING, VOTED }

    /** One collected call. */
    sealed interface Op permits Store, Delete, CheckCurrent, Restore, Undo {
    }

    record Store(Oid oid, Tid serial, byte[] data) implements Op {
    }

    record Delete(Oid oid, Tid serial) implements Op {
    }

    record CheckCurrent(Oid oid, Tid serial) implements Op {
    }

    record Restore(Oid oid, Tid serial, byte[] data, Tid prevTxn) implements Op {
    }

    record Undo(byte[] transactionId) implements Op {
    }

    /** The client's transaction handle, compared by equality. */
    final Object clientId;
    final TransactionMetaData metadata;
    /** Non-null only for restores (copyTransactionsFrom through ZEO). */
    final Tid tid;
    final char status;
    final List<Op> ops = new ArrayList<>();

    /** Touched on the session's event loop only. */
    State state = State.COLLECTING;
    Future<?> timeout;

    /** Whether it still counts in the storage's active transactions (see ZeoSession#endActive). */
    final java.util.concurrent.atomic.AtomicBoolean counted = new java.util.concurrent.atomic.AtomicBoolean(true);

    /** Set on the event loop when the client aborts or disconnects; read by the commit thread. */
    volatile boolean aborted;
    /** Created and used on the commit thread only (while the lock is held). */
    StorageTransaction storageTransaction;

    PendingTransaction(Object clientId, TransactionMetaData metadata, Tid tid, char status) {
        this.clientId = clientId;
        this.metadata = metadata;
        this.tid = tid;
        this.status = status;
    }
}
