package org.jzeo.storage.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NoSuchElementException;

import org.jzeo.api.CloseableIterator;
import org.jzeo.api.CorruptedDataError;
import org.jzeo.api.DataRecord;
import org.jzeo.api.StorageException;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Iterates over the transactions of a data file in file (tid) order, as ZODB's FileIterator does
 * (spec §6.1a): it never fails on damage but logs a warning and ends. Back-pointer records yield the
 * data the chain leads to and, as {@link DataRecord#dataTxn()}, the tid of the record that holds
 * it; deletion records yield {@code null} data. Transactions with status 'u' are skipped; an
 * unfinished ('c') transaction ends the iteration.
 */
public final class TransactionIterator implements CloseableIterator<TransactionRecord> {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionIterator.class);

    private final DataFile file;
    private final long end;
    private final Tid start;
    private final Tid stop;
    private final Runnable onClose;
    private final List<String> warnings = new ArrayList<>();
    private long pos;
    private TransactionRecord next;
    private boolean done;
    private boolean closed;

    /**
     * Iterates {@code file} from {@code pos} up to {@code end}.
     *
     * @param start   skip transactions before this tid ({@code null}: from the first)
     * @param stop    end after this tid ({@code null}: to the end)
     * @param onClose run once when the iterator is closed or exhausted
     */
    public TransactionIterator(DataFile file, long pos, long end, Tid start, Tid stop, Runnable onClose) {
        this.file = file;
        this.pos = pos;
        this.end = end;
        this.start = start;
        this.stop = stop;
        this.onClose = onClose;
    }

    /** Iterates a data file on its own, without opening a storage (read-only, no lock). */
    public static TransactionIterator open(Path path) {
        try {
            DataFile f = DataFile.openForReading(path);
            byte[] magic = new byte[DataFsFormat.MAGIC_LENGTH];
            int n = f.readUpTo(0, magic, 0, magic.length);
            if (n < magic.length || !DataFsFormat.knownMagic(magic)) {
                f.close();
                throw new CorruptedDataError(path + " is not a FileStorage file: invalid file header", 0);
            }
            return new TransactionIterator(f, DataFsFormat.MAGIC_LENGTH, f.size(), null, null, () -> {
                try {
                    f.close();
                } catch (IOException e) {
                    LOG.debug("closing {}", path, e);
                }
            });
        } catch (IOException e) {
            throw new StorageException("cannot read " + path + ": " + e, e);
        }
    }

    /** The warnings logged so far (without the file name). */
    public List<String> warnings() {
        return Collections.unmodifiableList(warnings);
    }

    private void warn(String message) {
        warnings.add(message);
        LOG.warn("{} {}", file.path(), message);
    }

    @Override
    public boolean hasNext() {
        if (next == null && !done) {
            try {
                next = advance();
            } catch (IOException e) {
                close();
                throw DataFsStorage.io(file.path(), e);
            }
            if (next == null) {
                close();
            }
        }
        return next != null;
    }

    @Override
    public TransactionRecord next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        TransactionRecord t = next;
        next = null;
        return t;
    }

    private TransactionRecord advance() throws IOException {
        while (true) {
            if (closed || pos >= end) {
                return null;
            }
            if (end - pos < DataFsFormat.TXN_HEADER_LENGTH) {
                warn("truncated at " + pos);
                return null;
            }
            TransactionHeader th = file.readTransactionHeader(pos);
            if (th.status() == DataFsFormat.STATUS_CHECKPOINT) {
                return null;
            }
            if (th.tlen() < 0 || th.tlen() > end - pos - 8) {
                warn("truncated, possibly due to damaged records at " + pos);
                return null;
            }
            if (th.tlen() < th.headerLength()) {
                warn("invalid transaction header at " + pos);
                return null;
            }
            if (file.readU64(th.end()) != th.tlen()) {
                warn("redundant transaction length check failed at " + th.end());
                return null;
            }
            pos = th.next();
            if (th.status() == DataFsFormat.STATUS_UNDONE) {
                continue;
            }
            if (start != null && th.tid().compareTo(start) < 0) {
                continue;
            }
            if (stop != null && th.tid().compareTo(stop) > 0) {
                pos = end;
                return null;
            }
            List<DataRecord> records = new ArrayList<>();
            long rec = th.dataStart();
            while (rec < th.end()) {
                DataHeader h;
                try {
                    h = th.end() - rec >= DataFsFormat.DATA_HEADER_LENGTH ? file.readDataHeader(rec) : null;
                } catch (CorruptedDataError e) {
                    h = null;
                }
                if (h == null || h.tloc() != th.pos() || h.plen() < 0 || h.recordLength() > th.end() - rec) {
                    warn("data record exceeds transaction record at " + rec);
                    break;
                }
                if (h.hasData()) {
                    records.add(new DataRecord(h.oid(), h.tid(), file.readOwnData(h), null));
                } else if (h.back() == 0) {
                    records.add(new DataRecord(h.oid(), h.tid(), null, null));
                } else {
                    DataHeader d = file.resolve(h);
                    records.add(d == null ? new DataRecord(h.oid(), h.tid(), null, null)
                            : new DataRecord(h.oid(), h.tid(), file.readOwnData(d), d.tid()));
                }
                rec += h.recordLength();
            }
            return new TransactionRecord(th.tid(), th.statusChar(), DataFsStorage.readMetaData(file, th),
                    Collections.unmodifiableList(records));
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            done = true;
            onClose.run();
        }
    }
}
