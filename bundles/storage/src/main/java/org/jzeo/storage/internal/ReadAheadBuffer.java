package org.jzeo.storage.internal;

import java.io.IOException;

/**
 * A read-ahead window over a {@link DataFile} for sequential scans (index build, iteration, pack,
 * checks), so reading thousands of small headers does not mean thousands of system calls.
 */
final class ReadAheadBuffer {
    private static final int WINDOW = 1 << 16;

    private final DataFile file;
    private byte[] buf = new byte[WINDOW];
    private long start;
    private int length;

    ReadAheadBuffer(DataFile file) {
        this.file = file;
    }

    /**
     * Makes {@code [pos, pos + len)} available in {@link #buffer()}.
     *
     * @return the offset of {@code pos} in the buffer, or -1 when the file ends first
     */
    int fill(long pos, int len) throws IOException {
        if (pos >= start && pos + len <= start + length) {
            return (int) (pos - start);
        }
        if (buf.length < len) {
            buf = new byte[Math.max(len, WINDOW)];
        }
        start = pos;
        length = file.readUpTo(pos, buf, 0, buf.length);
        return length >= len ? 0 : -1;
    }

    /** How many bytes are available from {@code pos} (after a {@link #fill}). */
    int availableFrom(long pos) {
        return pos >= start && pos <= start + length ? (int) (start + length - pos) : 0;
    }

    byte[] buffer() {
        return buf;
    }

    /** Reads a data header at {@code pos} through the window, or {@code null} when the file ends first. */
    DataHeader dataHeader(long pos) throws IOException {
        int full = DataFsFormat.DATA_HEADER_LENGTH + 8;
        int off = fill(pos, full);
        int n = full;
        if (off < 0) {
            off = fill(pos, DataFsFormat.DATA_HEADER_LENGTH);
            if (off < 0) {
                return null;
            }
            n = Math.min(full, availableFrom(pos));
        }
        return DataFile.decodeDataHeader(pos, buf, off, n, file);
    }

    /** Reads a transaction header at {@code pos}, or {@code null} when fewer than 23 bytes remain. */
    TransactionHeader transactionHeader(long pos) throws IOException {
        int off = fill(pos, DataFsFormat.TXN_HEADER_LENGTH);
        return off < 0 ? null : TransactionHeader.decode(pos, buf, off);
    }
}
