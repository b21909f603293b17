package org.jzeo.jca.internal;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import javax.transaction.xa.Xid;

/** A fresh Xid per call; a new object each time (the resource must compare by value). */
record TestXid(int format, byte[] gtrid, byte[] bqual) implements Xid {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    static TestXid next() {
        int n = COUNTER.incrementAndGet();
        return new TestXid(4711, ("gtrid-" + n).getBytes(StandardCharsets.US_ASCII),
                ("bq-" + n).getBytes(StandardCharsets.US_ASCII));
    }

    /** The same Xid as another object. */
    TestXid copy() {
        return new TestXid(format, gtrid.clone(), bqual.clone());
    }

    @Override
    public int getFormatId() {
        return format;
    }

    @Override
    public byte[] getGlobalTransactionId() {
        return gtrid.clone();
    }

    @Override
    public byte[] getBranchQualifier() {
        return bqual.clone();
    }
}
