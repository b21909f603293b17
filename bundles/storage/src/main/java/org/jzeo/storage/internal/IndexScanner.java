package org.jzeo.storage.internal;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

import org.jzeo.api.CorruptedDataError;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the oid index by reading every transaction and data record header from the start of the
 * file (filestorage-format spec §6.1). It never changes the file: when the tail is torn or holds an
 * unfinished ('c') transaction, it reports where good data ends ({@link Result#truncateAt()}) and
 * the caller decides (a writable open cuts the tail off; a read-only one just stops there).
 * Damage in the middle of the file is fatal: {@link CorruptedDataError} naming the offset.
 */
public final class IndexScanner {
    private static final Logger LOG = LoggerFactory.getLogger(IndexScanner.class);
    private static final int MAX_PREV_WARNINGS = 10;

    /**
     * What a scan found.
     *
     * @param index       oid → newest record position
     * @param end         where good data ends (where the next transaction goes)
     * @param lastTid     the largest tid read in any transaction header: as in ZODB, the tid of a
     *                    torn or unfinished last transaction counts too (its header was read), so
     *                    tids chosen later stay above it
     * @param lastTxnPos  position of the last good transaction, 0 when none
     * @param lastTxnTid  tid of the last good transaction, {@link Tid#ZERO} when none
     * @param truncateAt  where the tail should be cut off, or -1 when the file is intact
     * @param reason      why the tail is bad (a log message without the file name), or {@code null}
     */
    public record Result(OidIndex index, long end, Tid lastTid, long lastTxnPos, Tid lastTxnTid,
            long truncateAt, String reason) {
    }

    private IndexScanner() {
    }

    /** Scans {@code file} from the first transaction. */
    public static Result scan(DataFile file) throws IOException {
        long size = file.size();
        ReadAheadBuffer ra = new ReadAheadBuffer(file);
        Map<Long, Long> index = new HashMap<>();
        Map<Long, Long> txnIndex = new HashMap<>();
        long pos = DataFsFormat.MAGIC_LENGTH;
        Tid lastTid = Tid.ZERO;
        Tid previousTid = Tid.ZERO;
        long lastTxnPos = 0;
        Tid lastTxnTid = Tid.ZERO;
        int prevWarnings = 0;
        while (true) {
            if (pos >= size) {
                return new Result(new OidIndex(index), pos, lastTid, lastTxnPos, lastTxnTid, -1, null);
            }
            TransactionHeader th = ra.transactionHeader(pos);
            if (th == null) {
                return new Result(new OidIndex(index), pos, lastTid, lastTxnPos, lastTxnTid, pos,
                        "truncated, possibly due to damaged records at " + pos);
            }
            if (!previousTid.equals(Tid.ZERO) && th.tid().compareTo(previousTid) <= 0) {
                LOG.warn("{} time-stamp reduction at {}: {} <= {}", file.path(), pos, th.tid(), previousTid);
            }
            previousTid = th.tid();
            // As ZODB does: the tid counts before the transaction is known to be whole.
            if (th.tid().compareTo(lastTid) > 0) {
                lastTid = th.tid();
            }
            long tlen = th.tlen();
            if (tlen < 0 || tlen > size - pos - 8 || th.status() == DataFsFormat.STATUS_CHECKPOINT) {
                return new Result(new OidIndex(index), pos, lastTid, lastTxnPos, lastTxnTid, pos,
                        "truncated, possibly due to damaged records at " + pos);
            }
            byte st = th.status();
            if (st != DataFsFormat.STATUS_COMMITTED && st != DataFsFormat.STATUS_PACKED
                    && st != DataFsFormat.STATUS_UNDONE) {
                LOG.warn("{} has invalid status {} at {}", file.path(), DataFsFormat.statusText(st), pos);
            }
            if (tlen < th.headerLength()) {
                long rtl = size >= 8 ? file.readU64(size - 8) : 0;
                if (rtl < 0 || size - rtl < pos || rtl < DataFsFormat.TXN_HEADER_LENGTH) {
                    LOG.error("{} invalid transaction header at {}", file.path(), pos);
                    return new Result(new OidIndex(index), pos, lastTid, lastTxnPos, lastTxnTid, pos,
                            "invalid transaction header at " + pos);
                }
                throw fatal(file, "invalid transaction header", pos);
            }
            long end = th.end();
            txnIndex.clear();
            if (st != DataFsFormat.STATUS_UNDONE) {
                long rec = th.dataStart();
                while (rec < end) {
                    DataHeader dh = ra.dataHeader(rec);
                    if (dh == null || dh.tloc() != pos || dh.plen() < 0 || dh.recordLength() > end - rec) {
                        throw fatal(file, "data record exceeds transaction record", rec);
                    }
                    if (dh.vlen() != 0) {
                        throw fatal(file, "data record with a version (versions are not supported)", rec);
                    }
                    Long known = index.get(dh.oid().value());
                    long expected = known == null ? 0 : known;
                    if (expected != dh.prev() && prevWarnings++ < MAX_PREV_WARNINGS) {
                        LOG.warn("{} incorrect previous pointer in the record at {} (oid {}): {} instead of {}",
                                file.path(), rec, dh.oid(), dh.prev(), expected);
                    }
                    txnIndex.put(dh.oid().value(), rec);
                    rec += dh.recordLength();
                }
                if (rec != end) {
                    throw fatal(file, "data records don't add up", end);
                }
            }
            if (file.readU64(end) != tlen) {
                throw fatal(file, "redundant transaction length check failed", end);
            }
            index.putAll(txnIndex);
            lastTxnPos = pos;
            lastTxnTid = th.tid();
            pos = th.next();
        }
    }

    private static CorruptedDataError fatal(DataFile file, String what, long pos) {
        LOG.error("{} {} at {}", file.path(), what, pos);
        return new CorruptedDataError(file.path() + " " + what, pos);
    }

    /** The largest oid among {@code index}'s keys, as an {@link Oid}. */
    public static Oid maxOid(OidIndex index) {
        return Oid.of(index.maxOid());
    }
}
