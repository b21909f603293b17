package org.jzeo.storage.internal;

import org.jzeo.api.Tid;

/**
 * The 23-byte header of a transaction record (spec §3), with its position.
 *
 * @param pos    the record's position
 * @param tid    the transaction id
 * @param tlen   the record length excluding the trailing redundant length
 * @param status the status byte
 * @param ulen   user length
 * @param dlen   description length
 * @param elen   extension length
 */
public record TransactionHeader(long pos, Tid tid, long tlen, byte status, int ulen, int dlen, int elen) {
    /** Decodes 23 bytes at {@code off}. */
    public static TransactionHeader decode(long pos, byte[] b, int off) {
        return new TransactionHeader(pos, Tid.of(b, off), DataFsFormat.u64(b, off + 8), b[off + 16],
                DataFsFormat.u16(b, off + 17), DataFsFormat.u16(b, off + 19), DataFsFormat.u16(b, off + 21));
    }

    /** 23 + ulen + dlen + elen: where the data records start, relative to {@link #pos()}. */
    public long headerLength() {
        return DataFsFormat.TXN_HEADER_LENGTH + (long) ulen + dlen + elen;
    }

    /** Position of the first data record. */
    public long dataStart() {
        return pos + headerLength();
    }

    /** Position of the redundant length (the end of the data records). */
    public long end() {
        return pos + tlen;
    }

    /** Position of the next transaction. */
    public long next() {
        return pos + tlen + 8;
    }

    /** The status as a char. */
    public char statusChar() {
        return (char) (status & 0xff);
    }
}
