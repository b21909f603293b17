package org.jzeo.protocol.internal;

/** Decoding limits that keep a malicious frame from exhausting stack or memory. */
public final class Limits {
    /** Maximum nesting of containers (tuples, lists, dicts) in one decoded value. */
    public static final int MAX_DEPTH = 128;
    /** Maximum number of elements of one container (an invalidation of 16 M oids still fits). */
    public static final int MAX_COLLECTION = 1 << 24;
    /** Maximum byte length of one pickled integer (LONG1/LONG4 and the text forms). */
    public static final int MAX_INT_BYTES = 1 << 16;

    private Limits() {
    }
}
