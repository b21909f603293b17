package org.jzeo.storage.internal;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.UnaryOperator;

import org.jzeo.api.CorruptedDataError;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;

/**
 * An open {@code Data.fs}: positional reads and writes on one {@link FileChannel}. Positional
 * reads do not move a shared file pointer, so any number of threads may read at once while the
 * committing thread appends; only the commit path (under the storage's commit lock) writes,
 * truncates or forces.
 */
public final class DataFile implements Closeable {
    /** Back-pointer chains longer than this are taken as a cycle (a damaged file). */
    private static final int MAX_CHAIN = 100_000;

    private final Path path;
    private final FileChannel channel;
    private final boolean writable;
    private final ForceTimes forceTimes;

    private DataFile(Path path, FileChannel channel, boolean writable, ForceTimes forceTimes) {
        this.path = path;
        this.channel = channel;
        this.writable = writable;
        this.forceTimes = forceTimes;
    }

    /**
     * Opens {@code path}; a writable open creates a missing file.
     *
     * @param forceTimes counts and times every {@link #force()}, shared by all files of one storage
     */
    public static DataFile open(Path path, boolean writable, ForceTimes forceTimes) throws IOException {
        return open(path, writable, forceTimes, UnaryOperator.identity());
    }

    /**
     * Opens {@code path} with its channel passed through {@code channels} (tests wrap it to make
     * writes or forces fail like a failing disk).
     */
    static DataFile open(Path path, boolean writable, ForceTimes forceTimes, UnaryOperator<FileChannel> channels)
            throws IOException {
        FileChannel ch = writable
                ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE)
                : FileChannel.open(path, StandardOpenOption.READ);
        return new DataFile(path, channels.apply(ch), writable, forceTimes);
    }

    /** The file. */
    public Path path() {
        return path;
    }

    /** Whether writes are allowed. */
    public boolean writable() {
        return writable;
    }

    /** The current size on disk. */
    public long size() throws IOException {
        return channel.size();
    }

    /** Reads as many bytes as exist, up to {@code len}; returns how many were read. */
    public int readUpTo(long pos, byte[] dst, int off, int len) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(dst, off, len);
        long p = pos;
        while (bb.hasRemaining()) {
            int n = channel.read(bb, p);
            if (n < 0) {
                break;
            }
            p += n;
        }
        return len - bb.remaining();
    }

    /** Reads exactly {@code len} bytes or fails with an {@link EOFException}. */
    public void readFully(long pos, byte[] dst, int off, int len) throws IOException {
        int n = readUpTo(pos, dst, off, len);
        if (n != len) {
            throw new EOFException(path + ": wanted " + len + " bytes at " + pos + ", the file ends after " + n);
        }
    }

    /** Reads exactly {@code len} bytes. */
    public byte[] read(long pos, int len) throws IOException {
        byte[] b = new byte[len];
        readFully(pos, b, 0, len);
        return b;
    }

    /** Reads a u64. */
    public long readU64(long pos) throws IOException {
        return DataFsFormat.u64(read(pos, 8), 0);
    }

    /** Reads the transaction header at {@code pos}. */
    public TransactionHeader readTransactionHeader(long pos) throws IOException {
        return TransactionHeader.decode(pos, read(pos, DataFsFormat.TXN_HEADER_LENGTH), 0);
    }

    /** Reads the data record header at {@code pos}, including the back-pointer when plen is 0. */
    public DataHeader readDataHeader(long pos) throws IOException {
        byte[] b = new byte[DataFsFormat.DATA_HEADER_LENGTH + 8];
        int n = readUpTo(pos, b, 0, b.length);
        if (n < DataFsFormat.DATA_HEADER_LENGTH) {
            throw new CorruptedDataError(path + ": data record header cut short", pos);
        }
        return decodeDataHeader(pos, b, 0, n, this);
    }

    /**
     * Decodes a data header from {@code b[off..off+n)}; the back-pointer is read from {@code file}
     * when it is not in the buffer (legacy version records).
     */
    static DataHeader decodeDataHeader(long pos, byte[] b, int off, int n, DataFile file) throws IOException {
        Oid oid = Oid.of(b, off);
        Tid tid = Tid.of(b, off + 8);
        long prev = DataFsFormat.u64(b, off + 16);
        long tloc = DataFsFormat.u64(b, off + 24);
        int vlen = DataFsFormat.u16(b, off + 32);
        long plen = DataFsFormat.u64(b, off + 34);
        long back = 0;
        if (plen == 0) {
            if (vlen == 0 && n >= DataFsFormat.DATA_HEADER_LENGTH + 8) {
                back = DataFsFormat.u64(b, off + DataFsFormat.DATA_HEADER_LENGTH);
            } else if (file != null) {
                long at = pos + DataFsFormat.DATA_HEADER_LENGTH + (vlen != 0 ? 16 + vlen : 0);
                back = file.readU64(at);
            } else {
                throw new EOFException("back-pointer of the record at " + pos + " not available");
            }
        }
        return new DataHeader(pos, oid, tid, prev, tloc, vlen, plen, back);
    }

    /** The record's own data (plen bytes); empty for plen 0. */
    public byte[] readOwnData(DataHeader h) throws IOException {
        if (h.plen() == 0) {
            return new byte[0];
        }
        if (h.plen() > Integer.MAX_VALUE - 16) {
            throw new CorruptedDataError(path + ": data record too large (" + h.plen() + " bytes)", h.pos());
        }
        return read(h.dataPos(), (int) h.plen());
    }

    /**
     * Follows back-pointers from {@code h} to the record that holds the data.
     *
     * @return that record, or {@code null} when the chain ends in "does not exist"
     */
    public DataHeader resolve(DataHeader h) throws IOException {
        DataHeader cur = h;
        for (int i = 0; i < MAX_CHAIN; i++) {
            if (cur.plen() > 0) {
                return cur;
            }
            if (cur.back() == 0) {
                return null;
            }
            long back = cur.back();
            if (back < DataFsFormat.MAGIC_LENGTH || back >= cur.pos()) {
                throw new CorruptedDataError(path + ": back-pointer " + back + " of the record", cur.pos());
            }
            cur = readDataHeader(back);
            if (!cur.oid().equals(h.oid())) {
                throw new CorruptedDataError(path + ": back-pointer of oid " + h.oid() + " leads to oid "
                        + cur.oid(), cur.pos());
            }
        }
        throw new CorruptedDataError(path + ": back-pointer chain too long (a cycle?)", h.pos());
    }

    /** The data of the revision at {@code h}, following back-pointers; {@code null} for a deletion. */
    public byte[] loadData(DataHeader h) throws IOException {
        DataHeader d = resolve(h);
        return d == null ? null : readOwnData(d);
    }

    /** Writes {@code len} bytes of {@code b} at {@code pos}. */
    public void write(long pos, byte[] b, int off, int len) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(b, off, len);
        long p = pos;
        while (bb.hasRemaining()) {
            p += channel.write(bb, p);
        }
    }

    /** Cuts the file to {@code size} bytes. */
    public void truncate(long size) throws IOException {
        channel.truncate(size);
    }

    /** Forces content (and the size) to disk, and counts and times it. */
    public void force() throws IOException {
        long start = System.nanoTime();
        channel.force(false);
        forceTimes.record(System.nanoTime() - start);
    }

    /** For files that are only read: their force statistics go nowhere. */
    static DataFile openForReading(Path path) throws IOException {
        return open(path, false, new ForceTimes());
    }

    /** Whether the channel is open. */
    public boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
