package org.jzeo.jca.internal;

import java.util.Arrays;
import javax.transaction.xa.Xid;

/** A value copy of an {@link Xid} (containers pass their own Xid objects, not always with equals). */
record XidKey(int format, byte[] gtrid, byte[] bqual) {
    static XidKey of(Xid xid) {
        return new XidKey(xid.getFormatId(), xid.getGlobalTransactionId().clone(), xid.getBranchQualifier().clone());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof XidKey k && k.format == format && Arrays.equals(k.gtrid, gtrid)
                && Arrays.equals(k.bqual, bqual);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * format + Arrays.hashCode(gtrid)) + Arrays.hashCode(bqual);
    }

    @Override
    public String toString() {
        return "Xid[" + format + ":" + hex(gtrid) + ":" + hex(bqual) + "]";
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }
}
