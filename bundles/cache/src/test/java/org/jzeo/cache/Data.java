package org.jzeo.cache;

import org.jzeo.api.Oid;
import org.jzeo.api.Tid;

/** Deterministic record contents, so any returned entry can be checked against what was stored for it. */
final class Data {
    private Data() {
    }

    static final long BASE = 0x03f58e0000000000L;

    static Oid oid(long n) {
        return Oid.of(n);
    }

    static Tid tid(long n) {
        return Tid.of(BASE + n);
    }

    /** The record of {@code oid} written at {@code tid}, of a length depending on both. */
    static byte[] of(Oid oid, Tid tid) {
        return of(oid, tid, 20 + (int) Long.remainderUnsigned(oid.value() * 31 + tid.value(), 80));
    }

    static byte[] of(Oid oid, Tid tid, int len) {
        byte[] b = new byte[len];
        long x = oid.value() * 0x9E3779B97F4A7C15L ^ tid.value();
        for (int i = 0; i < len; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b[i] = (byte) x;
        }
        return b;
    }
}
