package org.jzeo.jca.internal;

import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

/** One XA transaction branch: its buffered writes, then the voted transaction between prepare and commit. */
final class Branch {
    enum State { ACTIVE, ENDED, PREPARED }

    final XidKey xid;
    final TxBuffer buffer;
    /** The managed connections that worked in this branch (they learn the committed tid). */
    final Set<ZeoManagedConnection> participants = new CopyOnWriteArraySet<>();
    State state = State.ACTIVE;
    boolean rollbackOnly;
    ZeoBackend.Prepared prepared;

    Branch(XidKey xid, TxBuffer buffer) {
        this.xid = xid;
        this.buffer = buffer;
    }
}
