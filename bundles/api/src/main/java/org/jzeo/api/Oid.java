package org.jzeo.api;

/**
 * A ZODB object id: 8 bytes, the big-endian unsigned 64-bit object number. Ordered as unsigned
 * numbers, which is the byte-wise order of the 8-byte form. The root object is {@link #ROOT}.
 */
public final class Oid implements Comparable<Oid> {
    /** The root object, oid 0. */
    public static final Oid ROOT = new Oid(0);

    private final long value;

    private Oid(long value) {
        this.value = value;
    }

    /** The oid whose unsigned number is {@code value}. */
    public static Oid of(long value) {
        return value == 0 ? ROOT : new Oid(value);
    }

    /** Decodes exactly 8 big-endian bytes. */
    public static Oid of(byte[] bytes) {
        return of(Bytes8.toLong(bytes, "oid"));
    }

    /** Decodes 8 big-endian bytes at {@code offset}. */
    public static Oid of(byte[] bytes, int offset) {
        return of(Bytes8.toLong(bytes, offset));
    }

    /** Parses 16 hex digits (an optional {@code 0x} prefix is accepted). */
    public static Oid fromHex(String hex) {
        return of(Bytes8.parseHex(hex));
    }

    /** The unsigned 64-bit number, as a Java long (compare with {@link Long#compareUnsigned}). */
    public long value() {
        return value;
    }

    /** The 8-byte big-endian form. */
    public byte[] toBytes() {
        return Bytes8.toBytes(value);
    }

    /** The next oid (value + 1), as a storage allocates them. */
    public Oid next() {
        return of(value + 1);
    }

    /** 16 lowercase hex digits. */
    public String toHex() {
        return Bytes8.hex(value);
    }

    @Override
    public int compareTo(Oid o) {
        return Long.compareUnsigned(value, o.value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Oid other && other.value == value;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(value);
    }

    @Override
    public String toString() {
        return "0x" + toHex();
    }
}
