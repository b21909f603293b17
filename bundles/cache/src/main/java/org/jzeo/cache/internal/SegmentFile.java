package org.jzeo.cache.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import org.jzeo.api.Oid;
import org.jzeo.api.StorageException;
import org.jzeo.api.Tid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persistent cache file, {@code <name>.jzc}: jzeo's own format (not ZEO's {@code .zec}; the
 * magic differs, so neither program takes the other's file), a log of checksummed records in a
 * ring of fixed-size segments. The file is memory-mapped: writing a record is a memory copy (no
 * system call), and what was copied survives a kill of the process because it is in the kernel's
 * page cache. All numbers are big-endian.
 *
 * <h2>File header (64 bytes at offset 0)</h2>
 * <pre>
 * +0   8  magic "JZEOCACH" (4a 5a 45 4f 43 41 43 48)
 * +8   4  format version, 1
 * +12  4  segment count N
 * +16  4  segment size S (bytes, header included)
 * +20  4  file header size, 64
 * +24  8  configured maxBytes (informational)
 * +32  8  file id: random, changed by clear(); salts every checksum below
 * +40  20 zero
 * +60  4  CRC32C of bytes 0..59
 * </pre>
 * Segment {@code i} occupies {@code [64 + i*S, 64 + (i+1)*S)}; the file is exactly {@code 64 + N*S}
 * bytes, at most maxBytes. A file whose magic, version or header checksum is wrong, or that is
 * shorter than its header says, is foreign or damaged: it is renamed to {@code <name>.jzc.bad} and
 * a fresh cache is created. A file made for another size (N or S differ) is started afresh.
 *
 * <h2>Segment header (48 bytes at the start of each segment)</h2>
 * <pre>
 * +0   4  "JSEG" (4a 53 45 47)
 * +4   4  version, 1
 * +8   8  file id (a segment of another file id is unused)
 * +16  8  generation: segments are filled one after the other with increasing generations
 * +24  8  the cache's last tid when the segment was started
 * +32  8  epoch: random, new each time the segment is (re)started; salts its records' checksums
 *          together with the file id, so a record left from an earlier use of the segment under
 *          the same generation (possible after a power loss lost a header page) never validates
 *          (0 in files written before the epoch existed: the salt is then the file id alone)
 * +40  4  zero
 * +44  4  CRC32C of bytes 0..43
 * </pre>
 *
 * <h2>Records (after the segment header, back to back)</h2>
 * <pre>
 * common   +0 u32 total length L (including these 4 bytes and the checksum)   +4 u8 type
 * STORE  1 +5 oid[8]  +13 start tid[8]  +21 end tid[8] (zero: current)  +29 data  (L = 33 + dlen)
 * INVAL  2 +5 oid[8]  +13 tid[8] (zero: drop every revision of the oid)           (L = 25)
 * LASTTID 3 +5 tid[8]                                                            (L = 17)
 * END    4 the segment is complete                                               (L = 9)
 * last 4 bytes: CRC32C of (file id[8], generation[8], bytes 0..L-5 of the record)
 * </pre>
 * The checksum is salted with the file id and the segment's generation, so a record left over from
 * an earlier use of the segment (or from before a clear) never validates in the new one.
 *
 * <h2>Recovery (on every open)</h2>
 * Valid segments are replayed in generation order, each up to its first record that does not
 * validate (a torn write: it and everything after it in that segment are ignored). Because records
 * are written in the order the operations happened, what survives is a prefix of the history, which
 * is a state the cache really had; the last tid is the newest one seen (a segment header or a
 * LASTTID record). Where a segment other than the newest is incomplete (no END), or a generation is
 * missing, the state replayed so far is dropped, because a lost invalidation could otherwise leave a
 * stale revision current. The unwritten tail of the newest segment is zeroed (and synced) before
 * writing continues after its last valid record, so a stray old record can never follow a new one.
 *
 * <h2>Durability</h2>
 * A kill of the process loses nothing already written. For power loss, a completed segment is
 * synced ({@code msync}) by the {@code zeo-cache-flush-*} thread when the next one starts, and the
 * whole file on close; a torn tail is then detected by the checksums, never served.
 */
final class SegmentFile implements CacheLog {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentFile.class);

    static final byte[] MAGIC = "JZEOCACH".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int FILE_HEADER = 64;
    static final int SEG_HEADER = 48;
    static final int SEG_MAGIC = 0x4a534547;

    static final byte T_STORE = 1;
    static final byte T_INVAL = 2;
    static final byte T_LASTTID = 3;
    static final byte T_END = 4;
    static final int STORE_OVERHEAD = 33;
    static final int INVAL_SIZE = 25;
    static final int LASTTID_SIZE = 17;
    static final int END_SIZE = 9;

    /** What recovery reports to the engine, in log order. */
    interface Replay {
        void segment(int seg, long gen, Tid lastTid);

        void store(int seg, long gen, int size, Oid oid, Tid start, Tid end, byte[] data);

        void invalidate(Oid oid, Tid tid, boolean replayed);

        void lastTid(Tid tid);

        /** The state replayed so far cannot be trusted (an earlier part of the log is lost). */
        void dropAll(String why);
    }

    /**
     * Where writing continues after recovery.
     *
     * @param seg    the newest segment, or -1 when the file holds no valid segment
     * @param gen    its generation
     * @param offset the end of its last valid record
     */
    record Tail(int seg, long gen, int offset) {
    }

    private final Path path;
    private final FileChannel channel;
    private final Geometry geo;
    private final long maxBytes;
    private final MappedByteBuffer[] maps;
    private final long[] gens;
    private final long[] epochs;
    private final ExecutorService flusher;
    // The engine calls every write method under its write lock; these are used only there.
    private final CRC32C crc = new CRC32C();
    private final byte[] head = new byte[64];
    private final byte[] salt = new byte[16];
    private long fileId;

    private SegmentFile(Path path, FileChannel channel, Geometry geo, long maxBytes, long fileId, String threadName)
            throws IOException {
        this.path = path;
        this.channel = channel;
        this.geo = geo;
        this.maxBytes = maxBytes;
        this.fileId = fileId;
        this.maps = new MappedByteBuffer[geo.segments()];
        this.gens = new long[geo.segments()];
        this.epochs = new long[geo.segments()];
        for (int i = 0; i < maps.length; i++) {
            maps[i] = channel.map(FileChannel.MapMode.READ_WRITE, FILE_HEADER + (long) i * geo.segmentSize(),
                    geo.segmentSize());
        }
        this.flusher = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** The file's path for a cache named {@code name}. */
    static Path pathFor(Path directory, String name) {
        return directory.resolve(name + ".jzc");
    }

    /**
     * Opens (or creates) the file; a foreign or damaged one is moved to {@code .bad} and replaced.
     */
    static SegmentFile open(Path path, Geometry geo, long maxBytes, String threadName) throws IOException {
        if (Files.exists(path)) {
            String problem = null;
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                problem = check(ch, geo);
                if (problem == null) {
                    long id = readFileId(ch);
                    FileChannel usable = reopen(path);
                    try {
                        return new SegmentFile(path, usable, geo, maxBytes, id, threadName);
                    } catch (IOException | RuntimeException e) {
                        usable.close(); // e.g. mapping failed: no channel left open behind us
                        throw e;
                    }
                }
            }
            if (problem.startsWith("size:")) {
                LOG.info("cache file {} was made for another size ({}); starting it afresh", path, problem.substring(5));
            } else {
                Path bad = path.resolveSibling(path.getFileName() + ".bad");
                LOG.warn("cache file {} is unusable ({}); moved to {} and starting afresh", path, problem, bad);
                Files.move(path, bad, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE);
        try {
            ch.truncate(0);
            long id = newFileId(0);
            ch.write(ByteBuffer.wrap(fileHeader(geo, maxBytes, id)), 0);
            // extend to full size (sparse): all segment headers read as zeros, i.e. unused
            ch.write(ByteBuffer.wrap(new byte[1]), geo.totalBytes() - 1);
            ch.force(true);
            return new SegmentFile(path, ch, geo, maxBytes, id, threadName);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static FileChannel reopen(Path path) throws IOException {
        return FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /** Null when the file is usable as is; "size:..." when made for another size; else what is wrong. */
    private static String check(FileChannel ch, Geometry geo) throws IOException {
        long size = ch.size();
        if (size < FILE_HEADER) {
            return "truncated: " + size + " bytes, shorter than the header";
        }
        ByteBuffer b = ByteBuffer.allocate(FILE_HEADER);
        readFully(ch, b, 0);
        byte[] h = b.array();
        if (!Arrays.equals(h, 0, 8, MAGIC, 0, 8)) {
            return "not a jzeo cache file (magic " + hex(h, 0, 8) + ")";
        }
        CRC32C c = new CRC32C();
        c.update(h, 0, 60);
        if ((int) c.getValue() != b.getInt(60)) {
            return "header checksum mismatch";
        }
        if (b.getInt(8) != VERSION || b.getInt(20) != FILE_HEADER) {
            return "unsupported format version " + b.getInt(8);
        }
        int n = b.getInt(12);
        int s = b.getInt(16);
        if (n <= 0 || s <= 0) {
            return "bad geometry " + n + " x " + s;
        }
        long expected = FILE_HEADER + (long) n * s;
        if (size < expected) {
            return "truncated: " + size + " bytes, expected " + expected;
        }
        if (n != geo.segments() || s != geo.segmentSize()) {
            return "size:" + n + " x " + s + " bytes, now " + geo.segments() + " x " + geo.segmentSize();
        }
        if (size > expected) {
            ch.truncate(expected);
        }
        return null;
    }

    private static long readFileId(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8);
        readFully(ch, b, 32);
        return b.getLong(0);
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, pos + b.position());
            if (n < 0) {
                throw new IOException("unexpected end of " + ch);
            }
        }
    }

    private static String hex(byte[] b, int off, int len) {
        StringBuilder sb = new StringBuilder();
        for (int i = off; i < off + len; i++) {
            sb.append(String.format("%02x", b[i]));
        }
        return sb.toString();
    }

    private static long newFileId(long old) {
        long id;
        do {
            id = ThreadLocalRandom.current().nextLong();
        } while (id == 0 || id == old);
        return id;
    }

    private static byte[] fileHeader(Geometry geo, long maxBytes, long fileId) {
        ByteBuffer b = ByteBuffer.allocate(FILE_HEADER);
        b.put(MAGIC).putInt(VERSION).putInt(geo.segments()).putInt(geo.segmentSize()).putInt(FILE_HEADER)
                .putLong(maxBytes).putLong(fileId);
        CRC32C c = new CRC32C();
        c.update(b.array(), 0, 60);
        b.putInt(60, (int) c.getValue());
        return b.array();
    }

    Path path() {
        return path;
    }

    // ---- recovery ----

    /** Replays the valid log into {@code replay} and prepares the tail for writing. */
    Tail recover(Replay replay) {
        record Seg(int index, long gen, Tid lastTid, long epoch) {
        }
        List<Seg> valid = new ArrayList<>();
        for (int i = 0; i < maps.length; i++) {
            MappedByteBuffer m = maps[i];
            if (m.getInt(0) != SEG_MAGIC || m.getInt(4) != VERSION || m.getLong(8) != fileId) {
                continue;
            }
            crc.reset();
            crc.update(m.slice(0, 44));
            if ((int) crc.getValue() != m.getInt(44)) {
                LOG.warn("cache file {}: segment {} has a damaged header; ignoring it", path, i);
                continue;
            }
            valid.add(new Seg(i, m.getLong(16), Tid.of(m.getLong(24)), m.getLong(32)));
        }
        valid.sort(Comparator.comparingLong(Seg::gen));
        Tail tail = new Tail(-1, 0, 0);
        for (int k = 0; k < valid.size(); k++) {
            Seg s = valid.get(k);
            if (k > 0 && s.gen != valid.get(k - 1).gen + 1) {
                LOG.warn("cache file {}: generation {} is missing; dropping the older entries", path,
                        valid.get(k - 1).gen + 1);
                replay.dropAll("missing generation");
            }
            gens[s.index] = s.gen;
            epochs[s.index] = s.epoch;
            replay.segment(s.index, s.gen, s.lastTid);
            int end = replaySegment(s.index, s.gen, replay);
            boolean newest = k == valid.size() - 1;
            if (end < 0 && !newest) {
                LOG.warn("cache file {}: segment {} (generation {}) ends with a torn record; dropping the older"
                        + " entries", path, s.index, s.gen);
                replay.dropAll("torn segment");
            } else if (newest) {
                int off = end < 0 ? -end : end;
                if (end >= 0) {
                    // the newest segment was sealed but its successor never started: continue in the
                    // next one rather than after the END record
                    off = geo.segmentSize();
                }
                tail = new Tail(s.index, s.gen, off);
            }
        }
        if (tail.seg() >= 0 && tail.offset() < geo.segmentSize()) {
            // zero the unwritten rest, durably, so no stray record of this generation can follow ours
            MappedByteBuffer m = maps[tail.seg()];
            byte[] zeros = new byte[Math.min(65536, geo.segmentSize())];
            for (int off = tail.offset(); off < geo.segmentSize(); off += zeros.length) {
                m.put(off, zeros, 0, Math.min(zeros.length, geo.segmentSize() - off));
            }
            m.force();
        }
        return tail;
    }

    /** Replays one segment; returns the END offset when sealed, or minus the end of the valid records. */
    private int replaySegment(int seg, long gen, Replay replay) {
        MappedByteBuffer m = maps[seg];
        int size = geo.segmentSize();
        setSalt(gen, epochs[seg]);
        int off = SEG_HEADER;
        while (off + END_SIZE <= size) {
            int len = m.getInt(off);
            if (len < END_SIZE || len > size - off) {
                break;
            }
            byte type = m.get(off + 4);
            boolean okLen = switch (type) {
                case T_STORE -> len >= STORE_OVERHEAD;
                case T_INVAL -> len == INVAL_SIZE;
                case T_LASTTID -> len == LASTTID_SIZE;
                case T_END -> len == END_SIZE;
                default -> false;
            };
            if (!okLen) {
                break;
            }
            crc.reset();
            crc.update(salt, 0, 16);
            crc.update(m.slice(off, len - 4));
            if ((int) crc.getValue() != m.getInt(off + len - 4)) {
                break;
            }
            switch (type) {
                case T_STORE -> {
                    Oid oid = Oid.of(m.getLong(off + 5));
                    Tid start = Tid.of(m.getLong(off + 13));
                    long e = m.getLong(off + 21);
                    Tid end = e == 0 ? null : Tid.of(e);
                    if (end != null && end.compareTo(start) <= 0) {
                        return -off; // cannot have been written by us: treat as torn
                    }
                    byte[] data = new byte[len - STORE_OVERHEAD];
                    m.get(off + 29, data);
                    replay.store(seg, gen, len, oid, start, end, data);
                }
                case T_INVAL -> {
                    long t = m.getLong(off + 13);
                    replay.invalidate(Oid.of(m.getLong(off + 5)), t == 0 ? null : Tid.of(t), true);
                }
                case T_LASTTID -> replay.lastTid(Tid.of(m.getLong(off + 5)));
                default -> {
                    return off;
                }
            }
            off += len;
        }
        return -off;
    }

    private void setSalt(long gen, long epoch) {
        putLong(salt, 0, fileId ^ epoch);
        putLong(salt, 8, gen);
    }

    private static void putLong(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    private static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    // ---- writing (called under the engine's write lock) ----

    @Override
    public void beginSegment(int seg, long gen, Tid lastTid) {
        gens[seg] = gen;
        long epoch;
        do {
            epoch = java.util.concurrent.ThreadLocalRandom.current().nextLong();
        } while (epoch == 0);
        epochs[seg] = epoch;
        Arrays.fill(head, 0, SEG_HEADER, (byte) 0);
        putInt(head, 0, SEG_MAGIC);
        putInt(head, 4, VERSION);
        putLong(head, 8, fileId);
        putLong(head, 16, gen);
        putLong(head, 24, lastTid.value());
        putLong(head, 32, epoch);
        crc.reset();
        crc.update(head, 0, 44);
        putInt(head, 44, (int) crc.getValue());
        // The first record slot is zeroed with the header, so the new generation starts empty even
        // if a stale length there would otherwise be read first.
        Arrays.fill(head, SEG_HEADER, 64, (byte) 0);
        maps[seg].put(0, head, 0, Math.min(64, geo.segmentSize()));
    }

    private void writeRecord(int seg, int off, int len, byte type, int headLen, byte[] body) {
        MappedByteBuffer m = maps[seg];
        putInt(head, 0, len);
        head[4] = type;
        setSalt(gens[seg], epochs[seg]);
        crc.reset();
        crc.update(salt, 0, 16);
        crc.update(head, 0, headLen);
        if (body != null) {
            crc.update(body, 0, body.length);
        }
        int sum = (int) crc.getValue();
        // no write order makes a torn record safe by itself: the salted checksum is what decides
        m.put(off, head, 0, headLen);
        if (body != null) {
            m.put(off + headLen, body);
        }
        m.putInt(off + len - 4, sum);
    }

    @Override
    public void writeStore(int seg, int off, Oid oid, Tid start, Tid end, byte[] data) {
        putLong(head, 5, oid.value());
        putLong(head, 13, start.value());
        putLong(head, 21, end == null ? 0 : end.value());
        writeRecord(seg, off, STORE_OVERHEAD + data.length, T_STORE, 29, data);
    }

    @Override
    public void writeInvalidate(int seg, int off, Oid oid, Tid tid) {
        putLong(head, 5, oid.value());
        putLong(head, 13, tid == null ? 0 : tid.value());
        writeRecord(seg, off, INVAL_SIZE, T_INVAL, 21, null);
    }

    @Override
    public void writeLastTid(int seg, int off, Tid tid) {
        putLong(head, 5, tid.value());
        writeRecord(seg, off, LASTTID_SIZE, T_LASTTID, 13, null);
    }

    @Override
    public void seal(int seg, int off) {
        writeRecord(seg, off, END_SIZE, T_END, 5, null);
        MappedByteBuffer m = maps[seg];
        flusher.execute(() -> {
            try {
                m.force();
            } catch (RuntimeException e) {
                LOG.warn("cache file {}: syncing a segment failed", path, e);
            }
        });
    }

    @Override
    public void clear() {
        fileId = newFileId(fileId);
        try {
            channel.write(ByteBuffer.wrap(fileHeader(geo, maxBytes, fileId)), 0);
            byte[] zeros = new byte[Math.min(64, geo.segmentSize())];
            for (int i = 0; i < maps.length; i++) {
                maps[i].put(0, zeros);
                gens[i] = 0;
                epochs[i] = 0;
            }
            for (MappedByteBuffer m : maps) {
                m.force();
            }
            channel.force(true);
        } catch (IOException e) {
            throw new StorageException("cannot clear cache file " + path + ": " + e, e);
        }
    }

    @Override
    public void close() {
        flusher.shutdown();
        try {
            if (!flusher.awaitTermination(60, TimeUnit.SECONDS)) {
                LOG.warn("cache file {}: segment sync still running at close", path);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            for (MappedByteBuffer m : maps) {
                m.force();
            }
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cache file {}: final sync failed", path, e);
        } finally {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.warn("closing cache file {}", path, e);
            }
        }
    }
}
