package org.jzeo.api;

/** Conversions between longs and 8-byte big-endian arrays, shared by {@link Oid} and {@link Tid}. */
final class Bytes8 {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Bytes8() {
    }

    static long toLong(byte[] b, String what) {
        if (b == null || b.length != 8) {
            throw new IllegalArgumentException(what + " must be exactly 8 bytes, got "
                    + (b == null ? "null" : b.length + " bytes"));
        }
        return toLong(b, 0);
    }

    static long toLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }

    static byte[] toBytes(long v) {
        byte[] b = new byte[8];
        for (int i = 7; i >= 0; i--) {
            b[i] = (byte) v;
            v >>>= 8;
        }
        return b;
    }

    static String hex(long v) {
        char[] c = new char[16];
        for (int i = 15; i >= 0; i--) {
            c[i] = HEX[(int) (v & 0xf)];
            v >>>= 4;
        }
        return new String(c);
    }

    static long parseHex(String hex) {
        String h = hex.startsWith("0x") || hex.startsWith("0X") ? hex.substring(2) : hex;
        if (h.isEmpty() || h.length() > 16) {
            throw new IllegalArgumentException("not an 8-byte hex value: " + hex);
        }
        return Long.parseUnsignedLong(h, 16);
    }
}
