package org.jzeo.jca.internal;

import java.util.ArrayList;
import java.util.List;
import org.jzeo.api.Oid;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;

/**
 * The writes of one transaction, kept in the client until commit: ZEO takes the server's commit
 * lock at vote, so nothing is sent (and nothing locked) while the application works.
 */
final class TxBuffer {
    private sealed interface Op permits Store, Delete, Check, Undo {
    }

    private record Store(Oid oid, Tid serial, byte[] data) implements Op {
    }

    private record Delete(Oid oid, Tid serial) implements Op {
    }

    private record Check(Oid oid, Tid serial) implements Op {
    }

    private record Undo(byte[] id) implements Op {
    }

    private final List<Op> ops = new ArrayList<>();
    private TransactionMetaData metadata;

    TxBuffer(TransactionMetaData metadata) {
        this.metadata = metadata == null ? TransactionMetaData.EMPTY : metadata;
    }

    synchronized void store(Oid oid, Tid serial, byte[] data) {
        ops.add(new Store(oid, serial, data.clone()));
    }

    synchronized void delete(Oid oid, Tid serial) {
        ops.add(new Delete(oid, serial));
    }

    synchronized void check(Oid oid, Tid serial) {
        ops.add(new Check(oid, serial));
    }

    synchronized void undo(byte[] id) {
        ops.add(new Undo(id.clone()));
    }

    synchronized void metadata(TransactionMetaData md) {
        metadata = md;
    }

    synchronized TransactionMetaData metadata() {
        return metadata;
    }

    /** Whether the transaction wrote nothing (it then commits without a server round trip). */
    synchronized boolean isEmpty() {
        return ops.isEmpty();
    }

    synchronized int size() {
        return ops.size();
    }

    /** Sends the writes into a storage transaction begun on a commit session. */
    synchronized void replay(StorageTransaction t) {
        for (Op op : ops) {
            if (op instanceof Store s) {
                t.store(s.oid, s.serial, s.data);
            } else if (op instanceof Delete d) {
                t.deleteObject(d.oid, d.serial);
            } else if (op instanceof Check c) {
                t.checkCurrentSerialInTransaction(c.oid, c.serial);
            } else if (op instanceof Undo u) {
                t.undo(u.id);
            }
        }
    }
}
