package org.jzeo.storage.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

import org.jzeo.api.CloseableIterator;
import org.jzeo.api.CorruptedDataError;
import org.jzeo.api.ForceLatency;
import org.jzeo.api.HistoryEntry;
import org.jzeo.api.LoadResult;
import org.jzeo.api.LockFile;
import org.jzeo.api.Oid;
import org.jzeo.api.POSKeyError;
import org.jzeo.api.ReadOnlyError;
import org.jzeo.api.StorageException;
import org.jzeo.api.StorageListener;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionDescription;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.api.TransactionRecord;
import org.jzeo.storage.FileStorage;
import org.jzeo.storage.FileStorageConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link FileStorage} implementation: one {@code Data.fs} read and written in ZODB's format.
 *
 * <h2>Concurrency</h2>
 * <ul>
 * <li><b>Commit lock (rule S2).</b> {@link #commitLock} is a fair semaphore with one permit: vote
 * takes it (first come, first served) and finish or abort gives it back. A semaphore rather than a
 * {@code ReentrantLock} because a server may run a transaction's vote and finish on different
 * threads. Everything that writes the data file holds it: vote, finish, abort, the swap step of
 * pack, and close.</li>
 * <li><b>Durable before visible (rule S4), with group commit.</b> Vote writes the transaction with
 * status 'c' after every finished one (without forcing it); finish writes the final status byte,
 * puts the index entries, releases the commit lock and hands the transaction to the
 * {@link CommitPipeline}, whose thread forces once for all finished meanwhile (one force per commit
 * at most, fewer under concurrency), then publishes them in tid order. Loads ignore records with tids above {@link #lastTid}, which publication
 * raises last, so they never see a transaction that is not durable.</li>
 * <li><b>Invalidations before visibility (rule S3).</b> The pipeline calls every
 * {@link StorageListener#committed} after the force and before publishing, and
 * {@link StorageListener#visible} right after; a vote that fails waits until every finished
 * transaction was heard, so its error never names a tid nobody was told of.</li>
 * <li><b>Loads</b> use positional reads on the shared channel and the concurrent index; they take
 * no lock. Bytes below the committed end never change while a file is current.</li>
 * <li><b>Pack</b> copies the file without the commit lock up to the committed end it saw, then
 * takes the commit lock, waits for finished transactions to be published (or abandons), copies
 * what was committed meanwhile, renames the new file into place and
 * installs a new {@link FileGeneration}. Readers that started on the old file finish on it (its
 * channel closes after the last one); new reads use the new file.</li>
 * </ul>
 */
public final class DataFsStorage implements FileStorage {
    private static final Logger LOG = LoggerFactory.getLogger(FileStorage.class);
    /** How long close waits for a transaction between vote and finish. */
    private static final long CLOSE_WAIT_SECONDS = 10;

    private final FileStorageConfig config;
    private final Path path;
    private final boolean readOnly;
    private final LockFile lock;
    /** Counts forces of every data file this storage opens (pack opens a new one). */
    private final ForceTimes forceTimes;
    /** Wraps the data file's channels: the identity, except in failing-disk tests. */
    private final UnaryOperator<FileChannel> channels;
    private final byte[] magic;

    /** Rule S2: one commit-lock holder at a time, granted in arrival order. */
    final Semaphore commitLock = new Semaphore(1, true);
    private final ReentrantLock packLock = new ReentrantLock();
    private final CopyOnWriteArrayList<StorageListener> listeners = new CopyOnWriteArrayList<>();

    private volatile FileGeneration generation;
    /**
     * The tid of the last whole committed transaction: what {@link #lastTransaction()} says AND the
     * largest tid loads may see. One field for both, written once per publication, so no reader can
     * see a transaction that lastTransaction() does not include yet, nor the reverse (a server bounds
     * invalidation delivery by the one and answers loads by the other: rule S3).
     */
    private volatile Tid lastTid;
    /**
     * The floor for new tids found at open: the largest tid in any transaction header read, a
     * discarded torn tail included, so its tid is never reused. (Loads are bounded by
     * {@link #lastTid}, and later tids by it and the pipeline: see {@link #tidFloor()}.)
     */
    private final Tid openFloor;
    /** Position and tid of the last published transaction (set by the sync thread, read under the commit lock after a drain). */
    private volatile long lastTxnPos;
    private volatile Tid lastTxnTid;
    /**
     * Where the next transaction is written: the end of the last finished transaction, published
     * or still waiting for its force in the {@link CommitPipeline}. Commit path only (under the
     * commit lock). Loads and iterators use the generation's end, which moves only on publish.
     */
    private long writeEnd;
    /** Group commit: forces, listeners and publication of finished transactions (null when read-only). */
    private final CommitPipeline pipeline;
    /** The largest oid stored or handed out. */
    private final AtomicLong maxOid;
    private volatile boolean closed;
    private boolean openedFromIndex;
    /** The transaction between vote and finish, if any (under the commit lock). */
    volatile FileStorageTransaction voted;

    private DataFsStorage(FileStorageConfig config, LockFile lock, DataFile file, byte[] magic,
            IndexScanner.Result scan, ForceTimes counter, UnaryOperator<FileChannel> channels) {
        this.config = config;
        this.forceTimes = counter;
        this.channels = channels;
        this.path = config.path();
        this.readOnly = config.readOnly();
        this.lock = lock;
        this.magic = magic;
        this.generation = new FileGeneration(file, scan.index(), scan.end());
        this.lastTid = scan.lastTxnTid();
        this.openFloor = scan.lastTid().compareTo(scan.lastTxnTid()) > 0 ? scan.lastTid() : scan.lastTxnTid();
        this.lastTxnPos = scan.lastTxnPos();
        this.lastTxnTid = scan.lastTxnTid();
        this.maxOid = new AtomicLong(scan.index().maxOid());
        this.writeEnd = scan.end();
        this.pipeline = config.readOnly() ? null : new CommitPipeline(this, lastTid, path.getFileName().toString());
    }

    /** Opens a storage as {@link FileStorage#open} describes. */
    public static DataFsStorage open(FileStorageConfig config) {
        return open(config, UnaryOperator.identity());
    }

    /** Opens with the data file's channels passed through {@code channels} (failing-disk tests). */
    static DataFsStorage open(FileStorageConfig config, UnaryOperator<FileChannel> channels) {
        Path path = config.path();
        boolean writable = !config.readOnly();
        LockFile lock = null;
        DataFile file = null;
        ForceTimes counter = new ForceTimes();
        try {
            if (writable) {
                Path parent = path.toAbsolutePath().getParent();
                if (parent != null && !Files.isDirectory(parent)) {
                    throw new StorageException("cannot create " + path + ": no such directory " + parent);
                }
                lock = LockFile.acquire(LockFile.pathFor(path));
            } else if (!Files.exists(path)) {
                throw new StorageException("no such file (and a read-only storage does not create one): " + path);
            }
            if (config.create()) {
                Files.deleteIfExists(IndexFile.pathFor(path));
                Files.deleteIfExists(pythonIndexPath(path));
                try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    ch.force(true);
                }
            }
            file = DataFile.open(path, writable, counter, channels);
            long size = file.size();
            if (size == 0 && writable) {
                file.write(0, DataFsFormat.MAGIC_FS30, 0, DataFsFormat.MAGIC_LENGTH);
                file.force();
                size = DataFsFormat.MAGIC_LENGTH;
            }
            byte[] magic;
            IndexScanner.Result scan;
            boolean fromIndex = false;
            if (size == 0) {
                // An empty file opened read-only: an empty storage.
                magic = DataFsFormat.MAGIC_FS30;
                scan = new IndexScanner.Result(new OidIndex(), DataFsFormat.MAGIC_LENGTH, Tid.ZERO, 0, Tid.ZERO, -1, null);
            } else {
                magic = new byte[DataFsFormat.MAGIC_LENGTH];
                int n = file.readUpTo(0, magic, 0, magic.length);
                if (n < magic.length || !DataFsFormat.knownMagic(magic)) {
                    throw new CorruptedDataError(path + " is not a FileStorage file: invalid file header "
                            + hex(Arrays.copyOf(magic, n)), 0);
                }
                Path indexPath = IndexFile.pathFor(path);
                scan = IndexFile.read(indexPath, file);
                if (scan == null) {
                    scan = IndexScanner.scan(file);
                } else {
                    fromIndex = true;
                    LOG.debug("{}: using the index {}", path, indexPath);
                }
                if (writable) {
                    // From now on the file changes; a crash must not leave a plausible index behind.
                    Files.deleteIfExists(indexPath);
                }
                if (scan.truncateAt() >= 0) {
                    LOG.warn("{} {}", path, scan.reason());
                    if (writable) {
                        cutTail(file, path, scan.truncateAt());
                    }
                }
            }
            DataFsStorage s = new DataFsStorage(config, lock, file, magic, scan, counter, channels);
            s.openedFromIndex = fromIndex;
            s.warnIfFuture();
            return s;
        } catch (IOException | RuntimeException e) {
            if (file != null) {
                try {
                    file.close();
                } catch (IOException ce) {
                    e.addSuppressed(ce);
                }
            }
            if (lock != null) {
                lock.close();
            }
            if (e instanceof StorageException se) {
                throw se;
            }
            if (e instanceof IOException io) {
                throw new StorageException("cannot open " + path + ": " + io, io);
            }
            throw (RuntimeException) e;
        }
    }

    private void warnIfFuture() {
        Tid now = Tid.now();
        Tid newest = openFloor;
        if (newest.compareTo(now) > 0) {
            double ahead = newest.timeTime() - now.timeTime();
            if (ahead > 30 * 60) {
                LOG.error("{}: the last transaction {} is {} s in the future", path, newest, (long) ahead);
            } else {
                LOG.warn("{}: the last transaction {} is {} s in the future", path, newest, (long) ahead);
            }
        }
    }

    /**
     * Saves {@code [at, size)} to the first unused {@code <path>.trN}, truncates the file at
     * {@code at} and forces it; deletes a Python index, which would be stale.
     */
    private static void cutTail(DataFile file, Path path, long at) throws IOException {
        long size = file.size();
        Path tr = null;
        for (int i = 0; ; i++) {
            Path candidate = path.resolveSibling(path.getFileName() + ".tr" + i);
            if (!Files.exists(candidate)) {
                tr = candidate;
                break;
            }
        }
        LOG.warn("Writing truncated data from {} to {}", path, tr);
        try (FileChannel out = FileChannel.open(tr, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
            long copied = 0;
            byte[] buf = new byte[1 << 16];
            while (at + copied < size) {
                int n = file.readUpTo(at + copied, buf, 0, (int) Math.min(buf.length, size - at - copied));
                if (n <= 0) {
                    break;
                }
                out.write(java.nio.ByteBuffer.wrap(buf, 0, n));
                copied += n;
            }
            out.force(true);
        }
        file.truncate(at);
        file.force();
        Files.deleteIfExists(pythonIndexPath(path));
    }

    /** Python ZODB's index file, which jzeo never writes but must not leave stale. */
    static Path pythonIndexPath(Path path) {
        return path.resolveSibling(path.getFileName() + ".index");
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }

    // ---------------------------------------------------------------- accessors

    @Override
    public Path path() {
        return path;
    }

    /** Whether open used the {@code .jzindex} file instead of scanning. */
    public boolean openedFromIndex() {
        return openedFromIndex;
    }

    @Override
    public FileStorageConfig config() {
        return config;
    }

    @Override
    public long forceCount() {
        return forceTimes.count();
    }

    @Override
    public ForceLatency forceLatency() {
        return forceTimes.latency();
    }

    @Override
    public boolean commitLockFree() {
        return commitLock.availablePermits() > 0;
    }

    ForceTimes forceTimes() {
        return forceTimes;
    }

    @Override
    public String getName() {
        return config.name();
    }

    @Override
    public long getSize() {
        return generation.end();
    }

    @Override
    public long objectCount() {
        return generation.index().size();
    }

    @Override
    public Tid lastTransaction() {
        return lastTid;
    }

    @Override
    public Oid newOid() {
        ensureOpen();
        if (readOnly) {
            throw new ReadOnlyError("new_oid on a read-only FileStorage " + path);
        }
        return Oid.of(maxOid.incrementAndGet());
    }

    /** Raises the largest oid to at least {@code oid}. */
    void noteOid(Oid oid) {
        maxOid.accumulateAndGet(oid.value(), (a, b) -> Long.compareUnsigned(a, b) >= 0 ? a : b);
    }

    @Override
    public boolean supportsRecordIteration() {
        return true;
    }

    @Override
    public Oid nextOid(Oid start) {
        ensureOpen();
        return generation.index().ceiling(start);
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public void addListener(StorageListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(StorageListener listener) {
        listeners.remove(listener);
    }

    List<StorageListener> listeners() {
        return listeners;
    }

    byte[] magic() {
        return magic;
    }

    boolean isClosed() {
        return closed;
    }

    void ensureOpen() {
        if (closed) {
            throw new StorageException("the FileStorage " + path + " is closed");
        }
    }

    /** The current generation (commit path: under the commit lock it cannot change). */
    FileGeneration generation() {
        return generation;
    }

    Tid lastTid() {
        return lastTid;
    }

    /** New tids must be later than this (commit path). */
    Tid tidFloor() {
        Tid floor = openFloor.compareTo(lastTid) > 0 ? openFloor : lastTid;
        if (pipeline != null) {
            Tid written = pipeline.enqueuedTid(); // finished but maybe not yet published
            floor = written.compareTo(floor) > 0 ? written : floor;
        }
        return floor;
    }

    /** Commit path (under the commit lock): where the next transaction goes. */
    long writeEnd() {
        return writeEnd;
    }

    /** Commit path (under the commit lock): a transaction was finished up to {@code end}. */
    void written(long end) {
        writeEnd = end;
    }

    /**
     * Waits (bounded) until every finished transaction is forced, heard and published.
     *
     * @return false when that did not happen (a timeout or a failed force)
     */
    boolean awaitFinishedCommits() {
        if (pipeline != null && !pipeline.drain(TimeUnit.SECONDS.toMillis(30))) {
            LOG.warn("{}: finished transactions are still waiting for their force", path);
            return false;
        }
        return true;
    }

    CommitPipeline pipeline() {
        if (pipeline == null) {
            throw new ReadOnlyError("read-only storage " + path);
        }
        return pipeline;
    }

    /**
     * Sync thread, after the force that made {@code p} durable: the listeners hear of it (rule S3),
     * then it is published (rule S4). Called in tid order, one at a time.
     */
    void completeCommit(CommitPipeline.Pending p) {
        for (StorageListener l : listeners) {
            try {
                l.committed(this, p.transaction(), p.tid(), p.changed());
            } catch (RuntimeException e) {
                LOG.error("storage listener {} failed on committed {}", l, p.tid(), e);
            }
        }
        published(p.generation(), p.tid(), p.tpos(), p.end());
        for (StorageListener l : listeners) {
            try {
                l.visible(this, p.tid());
            } catch (RuntimeException e) {
                LOG.error("storage listener {} failed on visible {}", l, p.tid(), e);
            }
        }
    }

    /**
     * Publishes a forced and heard transaction (sync thread, in tid order; its index entries were
     * written at finish): the committed end, then the last tid, which makes it loadable.
     */
    private void published(FileGeneration g, Tid tid, long txnPos, long end) {
        g.setEnd(end);
        lastTxnPos = txnPos;
        lastTxnTid = tid;
        lastTid = tid; // last: the one write that makes tid loadable and lastTransaction() at once
    }

    static StorageException io(Path path, IOException e) {
        if (e instanceof ClosedChannelException) {
            return new StorageException("the FileStorage " + path + " is closed", e);
        }
        return new StorageException("I/O error on " + path + ": " + e, e);
    }

    // ---------------------------------------------------------------- reads

    /** An operation on one generation. */
    interface GenerationRead<T> {
        T apply(FileGeneration g) throws IOException;
    }

    /** Acquires the current generation, retrying when a pack retired it meanwhile. */
    FileGeneration acquire() {
        while (true) {
            ensureOpen();
            FileGeneration g = generation;
            if (g.tryAcquire()) {
                return g;
            }
            Thread.onSpinWait();
        }
    }

    <T> T read(GenerationRead<T> op) {
        FileGeneration g = acquire();
        try {
            return op.apply(g);
        } catch (IOException e) {
            throw io(path, e);
        } finally {
            g.release();
        }
    }

    /**
     * The newest record of {@code oid} a reader may see: the index entry, or the newest older
     * revision when the index already holds a transaction still being published.
     *
     * @return the record, or {@code null} when every record of the oid is still being published
     * @throws POSKeyError when the oid is unknown
     */
    private static DataHeader visibleHead(FileGeneration g, Oid oid, Tid visible) throws IOException {
        long pos = g.index().get(oid);
        if (pos == 0) {
            throw new POSKeyError(oid);
        }
        DataHeader h = g.file().readDataHeader(pos);
        while (h.tid().compareTo(visible) > 0) {
            if (h.prev() == 0) {
                return null;
            }
            h = g.file().readDataHeader(h.prev());
        }
        return h;
    }

    @Override
    public LoadResult load(Oid oid) {
        Tid visible = lastTid; // read before the index (see lastTid)
        return read(g -> {
            DataHeader h = visibleHead(g, oid, visible);
            byte[] data = h == null ? null : g.file().loadData(h);
            if (data == null) {
                throw new POSKeyError(oid);
            }
            return new LoadResult(data, h.tid(), null);
        });
    }

    @Override
    public LoadResult loadBefore(Oid oid, Tid before) {
        Tid visible = lastTid;
        return read(g -> {
            DataHeader h = visibleHead(g, oid, visible);
            if (h == null) {
                throw new POSKeyError(oid);
            }
            Tid end = null;
            while (h.tid().compareTo(before) >= 0) {
                end = h.tid();
                if (h.prev() == 0) {
                    return null;
                }
                h = g.file().readDataHeader(h.prev());
            }
            byte[] data = g.file().loadData(h);
            if (data == null) {
                throw new POSKeyError(oid, oid + " does not exist before " + before + " (deleted)");
            }
            return new LoadResult(data, h.tid(), end);
        });
    }

    @Override
    public byte[] loadSerial(Oid oid, Tid serial) {
        Tid visible = lastTid;
        return read(g -> {
            DataHeader h = visibleHead(g, oid, visible);
            while (h != null) {
                int c = h.tid().compareTo(serial);
                if (c == 0) {
                    byte[] data = g.file().loadData(h);
                    if (data == null) {
                        throw new POSKeyError(oid, oid + " does not exist in revision " + serial);
                    }
                    return data;
                }
                if (c < 0 || h.prev() == 0) {
                    break;
                }
                h = g.file().readDataHeader(h.prev());
            }
            throw new POSKeyError(oid, "no revision " + serial + " of " + oid);
        });
    }

    @Override
    public Tid lastSerial(Oid oid) {
        Tid visible = lastTid;
        return read(g -> {
            DataHeader h = visibleHead(g, oid, visible);
            if (h == null || g.file().resolve(h) == null) {
                throw new POSKeyError(oid);
            }
            return h.tid();
        });
    }

    @Override
    public List<HistoryEntry> history(Oid oid, int size) {
        Tid visible = lastTid;
        return read(g -> {
            DataHeader h = visibleHead(g, oid, visible);
            if (h == null) {
                throw new POSKeyError(oid);
            }
            List<HistoryEntry> out = new ArrayList<>();
            long metaPos = -1;
            TransactionMetaData md = null;
            while (out.size() < size) {
                if (h.tloc() != metaPos) {
                    md = readMetaData(g.file(), g.file().readTransactionHeader(h.tloc()));
                    metaPos = h.tloc();
                }
                out.add(new HistoryEntry(h.tid(), h.tid().timeTime(), md.user(), md.description(), h.plen(), md.extension()));
                if (h.prev() == 0) {
                    break;
                }
                h = g.file().readDataHeader(h.prev());
            }
            return out;
        });
    }

    /** Reads user, description and extension of a transaction. */
    static TransactionMetaData readMetaData(DataFile file, TransactionHeader th) throws IOException {
        int total = th.ulen() + th.dlen() + th.elen();
        byte[] b = file.read(th.pos() + DataFsFormat.TXN_HEADER_LENGTH, total);
        return new TransactionMetaData(Arrays.copyOfRange(b, 0, th.ulen()),
                Arrays.copyOfRange(b, th.ulen(), th.ulen() + th.dlen()),
                Arrays.copyOfRange(b, th.ulen() + th.dlen(), total));
    }

    @Override
    public List<TransactionDescription> undoLog(int first, int last, Predicate<TransactionDescription> filter) {
        final int lastIndex = last < 0 ? first - last : last;
        return read(g -> {
            List<TransactionDescription> out = new ArrayList<>();
            long pos = g.end();
            int i = 0;
            while (i < lastIndex && pos > DataFsFormat.MAGIC_LENGTH) {
                long tlen = g.file().readU64(pos - 8);
                long tpos = pos - 8 - tlen;
                if (tlen < DataFsFormat.TXN_HEADER_LENGTH || tpos < DataFsFormat.MAGIC_LENGTH) {
                    throw new CorruptedDataError(path + " bad redundant transaction length", pos - 8);
                }
                TransactionHeader th = g.file().readTransactionHeader(tpos);
                if (th.tlen() != tlen) {
                    throw new CorruptedDataError(path + " redundant transaction length check failed", pos - 8);
                }
                if (th.status() == DataFsFormat.STATUS_PACKED) {
                    break;
                }
                pos = tpos;
                if (th.status() != DataFsFormat.STATUS_COMMITTED) {
                    continue;
                }
                TransactionDescription d = new TransactionDescription(DataFsFormat.undoId(th.tid()), th.tid(),
                        th.tid().timeTime(), readMetaData(g.file(), th), th.tlen());
                if (filter == null || filter.test(d)) {
                    if (i >= first) {
                        out.add(d);
                    }
                    i++;
                }
            }
            return out;
        });
    }

    /**
     * Finds the transaction with {@code tid} by walking back from the committed end.
     *
     * @return its header, or {@code null} when there is none
     */
    static TransactionHeader findTransaction(FileGeneration g, Tid tid) throws IOException {
        long pos = g.end();
        while (pos > DataFsFormat.MAGIC_LENGTH) {
            long tlen = g.file().readU64(pos - 8);
            long tpos = pos - 8 - tlen;
            if (tlen < DataFsFormat.TXN_HEADER_LENGTH || tpos < DataFsFormat.MAGIC_LENGTH) {
                throw new CorruptedDataError(g.file().path() + " bad redundant transaction length", pos - 8);
            }
            TransactionHeader th = g.file().readTransactionHeader(tpos);
            int c = th.tid().compareTo(tid);
            if (c == 0) {
                return th;
            }
            if (c < 0) {
                return null;
            }
            pos = tpos;
        }
        return null;
    }

    @Override
    public CloseableIterator<TransactionRecord> iterator(Tid start, Tid stop) {
        FileGeneration g = acquire();
        return new TransactionIterator(g.file(), DataFsFormat.MAGIC_LENGTH, g.end(), start, stop, g::release);
    }

    // ---------------------------------------------------------------- commits

    @Override
    public StorageTransaction tpcBegin(TransactionMetaData metadata) {
        checkWritable("tpc_begin");
        return new FileStorageTransaction(this, checkMetaData(metadata), null, DataFsFormat.STATUS_COMMITTED);
    }

    @Override
    public StorageTransaction tpcBegin(TransactionMetaData metadata, Tid tid, char status) {
        checkWritable("tpc_begin");
        if (tid == null) {
            throw new IllegalArgumentException("tid is required");
        }
        if (status != ' ' && status != 'p') {
            throw new IllegalArgumentException("a restored transaction's status must be ' ' or 'p', not '" + status + "'");
        }
        return new FileStorageTransaction(this, checkMetaData(metadata), tid, (byte) status);
    }

    private void checkWritable(String what) {
        ensureOpen();
        if (readOnly) {
            throw new ReadOnlyError(what + " on a read-only FileStorage " + path);
        }
    }

    private static TransactionMetaData checkMetaData(TransactionMetaData md) {
        if (md == null) {
            return TransactionMetaData.EMPTY;
        }
        if (md.user().length > DataFsFormat.MAX_META_LENGTH) {
            throw new StorageException("user name too long: " + md.user().length + " bytes (at most 65535)");
        }
        if (md.description().length > DataFsFormat.MAX_META_LENGTH) {
            throw new StorageException("description too long: " + md.description().length + " bytes (at most 65535)");
        }
        if (md.extension().length > DataFsFormat.MAX_META_LENGTH) {
            throw new StorageException("too much extension data: " + md.extension().length + " bytes (at most 65535)");
        }
        return md;
    }

    /** Takes the commit lock (rule S2: fair, first come first served). */
    void lockCommit() {
        try {
            commitLock.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while waiting for the commit lock of " + path, e);
        }
    }

    void unlockCommit() {
        commitLock.release();
    }

    // ---------------------------------------------------------------- pack

    @Override
    public void pack(double packTime, boolean gc) {
        checkWritable("pack");
        Tid packTid = Tid.fromEpochSeconds(packTime);
        if (packTid.equals(Tid.ZERO)) {
            throw new StorageException("Invalid pack time");
        }
        if (!packLock.tryLock()) {
            throw new StorageException("Already packing");
        }
        boolean packed = false;
        try {
            packed = new PackRun(this, packTid, gc && config.packGc()).run();
        } catch (IOException e) {
            throw io(path, e);
        } finally {
            packLock.unlock();
        }
        if (packed) {
            for (StorageListener l : listeners) {
                try {
                    l.packed(this);
                } catch (RuntimeException e) {
                    LOG.error("storage listener {} failed on packed", l, e);
                }
            }
        }
    }

    /**
     * Installs the packed file (pack's swap step). Caller holds the commit lock.
     *
     * @param packFile the finished, forced and closed {@code .pack} file
     */
    void installPacked(Path packFile, OidIndex newIndex, long newEnd, long newLastTxnPos, Tid newLastTxnTid)
            throws IOException {
        Path old = path.resolveSibling(path.getFileName() + ".old");
        if (config.packKeepOld()) {
            Files.deleteIfExists(old);
            try {
                Files.createLink(old, path);
            } catch (IOException | UnsupportedOperationException e) {
                Files.copy(path, old, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        // Atomic replace: Data.fs always exists, old or new.
        Files.move(packFile, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(path);
        DataFile file = DataFile.open(path, true, forceTimes, channels);
        FileGeneration old2 = generation;
        generation = new FileGeneration(file, newIndex, newEnd);
        writeEnd = newEnd;
        lastTxnPos = newLastTxnPos;
        lastTxnTid = newLastTxnTid;
        old2.retire();
        Files.deleteIfExists(pythonIndexPath(path));
        Files.deleteIfExists(IndexFile.pathFor(path));
    }

    private static void forceDirectory(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null) {
            return;
        }
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            LOG.debug("cannot force directory {}", dir, e);
        }
    }

    // ---------------------------------------------------------------- close

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        FileStorageTransaction v = voted;
        if (v != null) {
            v.abortBecauseClosed(); // "open transactions are aborted": releases the commit lock
        }
        boolean locked = false;
        try {
            locked = readOnly || commitLock.tryAcquire(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            boolean settled = true;
            if (pipeline != null) {
                // every finished transaction forced and published first
                settled = awaitFinishedCommits() && !pipeline.isBroken();
                pipeline.close();
            }
            FileGeneration g = generation;
            if (!readOnly) {
                if (!settled) {
                    // The in-memory index has entries of transactions whose force failed or never
                    // came: saving it could make the next open trust records that are not there.
                    LOG.warn("not saving the index of {}: not every finished transaction was forced;"
                            + " the next open scans the file", path);
                } else if (locked && voted == null) {
                    try {
                        IndexFile.write(IndexFile.pathFor(path), g.end(), tidFloor(), lastTxnPos, lastTxnTid, g.index());
                    } catch (IOException | UncheckedIOException e) {
                        LOG.warn("cannot write the index {}: {}", IndexFile.pathFor(path), e.toString());
                    }
                } else {
                    LOG.warn("closing {} while a transaction is between vote and finish: it is abandoned"
                            + " (its unfinished record is removed on the next writable open)", path);
                }
            }
            g.retire();
        } finally {
            if (lock != null) {
                lock.close();
            }
            if (locked && !readOnly) {
                commitLock.release();
            }
        }
    }

    @Override
    public String toString() {
        return "FileStorage(" + path + (readOnly ? ", read-only" : "") + ")";
    }
}
