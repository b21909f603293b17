package org.jzeo.storage.internal;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;

import org.jzeo.api.Tid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * jzeo's own index cache, {@code <Data.fs>.jzindex} (Python's {@code <Data.fs>.index} is a
 * different, pickle-based file that jzeo never writes). It saves the start-up scan: it is written
 * on a clean close of a writable storage and deleted when a writable storage opens (so a crash
 * never leaves one behind that describes an older file).
 *
 * <p>Layout, all integers big-endian u64:
 * <pre>
 *  offset  size  field
 *   0       8    magic "JZINDEX1"
 *   8       8    data size: the Data.fs length the index describes (end of its last transaction)
 *  16       8    last tid (as the start-up scan defines it, see {@link IndexScanner.Result#lastTid()})
 *  24       8    position of the last transaction (0 when the file has none)
 *  32       8    tid of the last transaction (0 when none)
 *  40       8    n, the number of entries
 *  48     16·n   n × (oid, position of its newest data record), sorted by oid (unsigned)
 *  48+16n   8    CRC-32 of every byte before it (in the low 32 bits)
 * </pre>
 *
 * <p>On open the file is used only if it reads whole with a matching checksum <em>and</em> still
 * describes the data file: the data file's size equals the recorded size, the transaction at the
 * recorded position has the recorded tid, a committed or packed status and redundant lengths that
 * end exactly at the recorded size, every position lies inside the file, and the index entries of
 * the last transaction's first records point at those records. Anything else (missing, corrupt,
 * or stale, for instance because another writer appended to the file or packed it) means a full
 * scan instead.
 */
public final class IndexFile {
    private static final Logger LOG = LoggerFactory.getLogger(IndexFile.class);
    private static final byte[] MAGIC = "JZINDEX1".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = 48;

    private IndexFile() {
    }

    /** The index file beside {@code dataFile}. */
    public static Path pathFor(Path dataFile) {
        return dataFile.resolveSibling(dataFile.getFileName() + ".jzindex");
    }

    /** Writes the index atomically (temporary file, force, rename). */
    public static void write(Path indexPath, long dataSize, Tid lastTid, long lastTxnPos, Tid lastTxnTid,
            OidIndex index) throws IOException {
        Path tmp = indexPath.resolveSibling(indexPath.getFileName() + ".tmp");
        List<long[]> entries = index.sortedEntries();
        CRC32 crc = new CRC32();
        try (OutputStream fos = Files.newOutputStream(tmp);
                CheckedOutputStream cos = new CheckedOutputStream(new BufferedOutputStream(fos, 1 << 16), crc);
                DataOutputStream out = new DataOutputStream(cos)) {
            out.write(MAGIC);
            out.writeLong(dataSize);
            out.writeLong(lastTid.value());
            out.writeLong(lastTxnPos);
            out.writeLong(lastTxnTid.value());
            out.writeLong(entries.size());
            for (long[] e : entries) {
                out.writeLong(e[0]);
                out.writeLong(e[1]);
            }
            out.flush();
            long sum = crc.getValue();
            out.writeLong(sum);
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, indexPath, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads and validates the index for {@code file}.
     *
     * @return the index as a scan would have produced it, or {@code null} when it is missing,
     *         unreadable or does not describe {@code file}
     */
    public static IndexScanner.Result read(Path indexPath, DataFile file) {
        byte[] all;
        try {
            all = Files.readAllBytes(indexPath);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            LOG.warn("cannot read the index {}, scanning instead: {}", indexPath, e.toString());
            return null;
        }
        try {
            return validate(indexPath, all, file);
        } catch (IOException | RuntimeException e) {
            LOG.warn("ignoring the index {}: {}", indexPath, e.toString());
            return null;
        }
    }

    private static IndexScanner.Result validate(Path indexPath, byte[] all, DataFile file) throws IOException {
        if (all.length < HEADER + 8 || !Arrays.equals(Arrays.copyOf(all, 8), MAGIC)) {
            return reject(indexPath, "not a jzeo index");
        }
        ByteBuffer b = ByteBuffer.wrap(all);
        long dataSize = b.getLong(8);
        Tid lastTid = Tid.of(b.getLong(16));
        long lastTxnPos = b.getLong(24);
        Tid lastTxnTid = Tid.of(b.getLong(32));
        long n = b.getLong(40);
        if (n < 0 || n > (all.length - HEADER - 8) / 16 || HEADER + 16 * n + 8 != all.length) {
            return reject(indexPath, "wrong length");
        }
        CRC32 crc = new CRC32();
        crc.update(all, 0, all.length - 8);
        if (crc.getValue() != b.getLong(all.length - 8)) {
            return reject(indexPath, "checksum mismatch");
        }
        long size = file.size();
        if (size != dataSize) {
            return reject(indexPath, "stale: it covers " + dataSize + " bytes, the file has " + size);
        }
        Map<Long, Long> entries = new HashMap<>((int) Math.min(n * 2, Integer.MAX_VALUE - 8));
        for (int i = 0; i < n; i++) {
            long oid = b.getLong(HEADER + 16 * i);
            long pos = b.getLong(HEADER + 16 * i + 8);
            if (pos < DataFsFormat.MAGIC_LENGTH || pos >= dataSize) {
                return reject(indexPath, "position " + pos + " outside the file");
            }
            entries.put(oid, pos);
        }
        if (lastTxnPos == 0) {
            if (dataSize != DataFsFormat.MAGIC_LENGTH || n != 0) {
                return reject(indexPath, "inconsistent empty index");
            }
        } else {
            TransactionHeader th = file.readTransactionHeader(lastTxnPos);
            if (!th.tid().equals(lastTxnTid) || th.next() != dataSize || th.tlen() < th.headerLength()
                    || file.readU64(th.end()) != th.tlen()
                    || (th.status() != DataFsFormat.STATUS_COMMITTED && th.status() != DataFsFormat.STATUS_PACKED
                            && th.status() != DataFsFormat.STATUS_UNDONE)) {
                return reject(indexPath, "stale: the last transaction does not match");
            }
            if (th.status() != DataFsFormat.STATUS_UNDONE) {
                long rec = th.dataStart();
                for (int i = 0; i < 5 && rec < th.end(); i++) {
                    DataHeader dh = file.readDataHeader(rec);
                    Long at = entries.get(dh.oid().value());
                    if (dh.tloc() != lastTxnPos || at == null || at < rec) {
                        return reject(indexPath, "stale: the last transaction's records are not indexed");
                    }
                    rec += dh.recordLength();
                }
            }
        }
        return new IndexScanner.Result(new OidIndex(entries), dataSize, lastTid, lastTxnPos, lastTxnTid, -1, null);
    }

    private static IndexScanner.Result reject(Path indexPath, String why) {
        LOG.info("ignoring the index {} ({}); scanning the data file", indexPath, why);
        return null;
    }
}
