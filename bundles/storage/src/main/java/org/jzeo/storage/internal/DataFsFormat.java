package org.jzeo.storage.internal;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.jzeo.api.Tid;

/**
 * Constants of the Data.fs layout (filestorage-format spec §2–§4) and big-endian helpers.
 * All integers on disk are big-endian unsigned.
 */
public final class DataFsFormat {
    /** Magic of files written by ZODB on Python 3 (and by jzeo). */
    public static final byte[] MAGIC_FS30 = {'F', 'S', '3', '0'};
    /** Magic of files written by ZODB on Python 2. */
    public static final byte[] MAGIC_FS21 = {'F', 'S', '2', '1'};
    /** Length of the magic; the first transaction starts here. */
    public static final int MAGIC_LENGTH = 4;
    /** Transaction header: tid, tlen, status, ulen, dlen, elen. */
    public static final int TXN_HEADER_LENGTH = 23;
    /** Data record header: oid, tid, prev, tloc, vlen, plen. */
    public static final int DATA_HEADER_LENGTH = 42;
    /** Largest user, description or extension. */
    public static final int MAX_META_LENGTH = 0xffff;

    /** Committed. */
    public static final byte STATUS_COMMITTED = ' ';
    /** Rewritten by pack. */
    public static final byte STATUS_PACKED = 'p';
    /** Written by vote, not yet finished. */
    public static final byte STATUS_CHECKPOINT = 'c';
    /** Legacy undone transaction, skipped by readers. */
    public static final byte STATUS_UNDONE = 'u';

    private DataFsFormat() {
    }

    /** Reads a big-endian u64 (as a Java long). */
    public static long u64(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }

    /** Reads a big-endian u16. */
    public static int u16(byte[] b, int off) {
        return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
    }

    /** Writes a big-endian u64. */
    public static void putU64(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    /** Writes a big-endian u16. */
    public static void putU16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    /** Whether {@code magic} is one of the two known magics. */
    public static boolean knownMagic(byte[] magic) {
        return java.util.Arrays.equals(magic, MAGIC_FS30) || java.util.Arrays.equals(magic, MAGIC_FS21);
    }

    /** The undo id of a transaction: base64 of the 8 tid bytes, as ASCII, without a newline. */
    public static byte[] undoId(Tid tid) {
        return Base64.getEncoder().encode(tid.toBytes());
    }

    /** The tid named by an undo id, or {@code null} when it is not base64 of 8 bytes. */
    public static Tid tidOfUndoId(byte[] id) {
        if (id == null) {
            return null;
        }
        try {
            String s = new String(id, StandardCharsets.US_ASCII).trim();
            byte[] raw = Base64.getMimeDecoder().decode(s);
            return raw.length == 8 ? Tid.of(raw) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** A status byte as text for messages. */
    public static String statusText(byte status) {
        return "'" + (char) (status & 0xff) + "'";
    }
}
