package org.jzeo.storage.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jzeo.api.Oid;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pack of a {@link DataFsStorage} (filestorage-format spec §8).
 *
 * <ol>
 * <li>Without the commit lock, on the current file up to the committed end {@code end1} seen at the
 * start (bytes there never change): find {@code packpos}, the first transaction after the pack
 * time, and every object's current record as of the pack time.</li>
 * <li>With gc: mark what is reachable from the root (oid 0) through
 * {@link PickleReferences#referencesOf}. The roots are the root object as of the pack time and,
 * to never delete what a later transaction still uses, the references of every record written
 * after the pack time and the revisions that later back-pointers point at (a superset of ZODB's
 * roots). If any record's references cannot be read, or the root is missing from a non-empty
 * storage, gc is skipped for this pack with a warning and only old revisions are removed.</li>
 * <li>Copy to {@code <path>.pack}: the surviving records of transactions before {@code packpos},
 * with status 'p', prev 0 and their data resolved; then every later transaction up to
 * {@code end1}, with prev pointers and back-pointers re-targeted into the new file (data is copied
 * when the target did not survive).</li>
 * <li>With the commit lock held (no commit can be between vote and finish): copy the transactions
 * committed since {@code end1} the same way, then swap the files and install the new index. If a
 * transaction committed during the pack references an object the gc is removing, the pack is
 * abandoned (the file is left as it was) rather than lose that object.</li>
 * </ol>
 * If nothing would be removed, the {@code .pack} file is deleted and the storage is unchanged.
 */
final class PackRun {
    private static final Logger LOG = LoggerFactory.getLogger(PackRun.class);

    /** gc could not complete: fall back to dropping old revisions only. */
    private static final class GcSkipped extends Exception {
        private static final long serialVersionUID = 1L;

        GcSkipped(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    private final DataFsStorage storage;
    private final Tid packTid;
    private final boolean gc;
    private final Path packPath;

    private DataFile src;
    private DataFile out;
    private long outPos;
    private final Map<Long, Long> newIndex = new HashMap<>();
    /** Old record position → new record position, for re-targeting back-pointers. */
    private final Map<Long, Long> moved = new HashMap<>();
    /** Oids whose revision as of the pack time the gc removes. */
    private final Set<Long> collected = new HashSet<>();
    private long lastTxnPos;
    private Tid lastTxnTid = Tid.ZERO;

    PackRun(DataFsStorage storage, Tid packTid, boolean gc) {
        this.storage = storage;
        this.packTid = packTid;
        this.gc = gc;
        Path path = storage.path();
        this.packPath = path.resolveSibling(path.getFileName() + ".pack");
    }

    /** Runs the pack; returns whether the file was replaced. */
    boolean run() throws IOException {
        FileGeneration g = storage.acquire();
        try {
            src = g.file();
            if (g.index().size() == 0) {
                return false;
            }
            long end1 = g.end();
            boolean ready = prepare(end1);
            if (!ready) {
                return false;
            }
            storage.lockCommit(); // rule S2: the swap happens between commits
            // Group commit: transactions finished before we took the lock must be forced and
            // published first, so the committed end and the index we copy are complete.
            try {
                if (!storage.awaitFinishedCommits() || storage.writeEnd() != storage.generation().end()) {
                    // Copying now would leave out finished transactions: never lose an acknowledged commit.
                    LOG.warn("pack of {} abandoned: finished transactions are still waiting for their force",
                            storage.path());
                    return false;
                }
                storage.ensureOpen();
                FileGeneration now = storage.generation();
                if (now != g) {
                    throw new IllegalStateException("the data file changed during pack");
                }
                long end2 = now.end();
                if (!copyTail(end1, end2)) {
                    return false;
                }
                out.force();
                out.close();
                out = null;
                storage.installPacked(packPath, new OidIndex(newIndex), outPos, lastTxnPos, lastTxnTid);
                LOG.info("packed {} as of {}{}: {} bytes -> {} bytes", storage.path(), packTid,
                        gc ? " with gc" : "", end2, outPos);
                return true;
            } finally {
                storage.unlockCommit();
            }
        } finally {
            if (out != null) {
                try {
                    out.close();
                } catch (IOException e) {
                    LOG.debug("closing {}", packPath, e);
                }
                out = null;
                Files.deleteIfExists(packPath);
            }
            g.release();
        }
    }

    /** Phases 1–3 up to {@code end1}, without the commit lock; false when there is nothing to do. */
    private boolean prepare(long end1) throws IOException {
        ReadAheadBuffer ra = new ReadAheadBuffer(src);
        // Phase 1: current records as of the pack time.
        Map<Long, Long> oid2curpos = new HashMap<>();
        long pos = DataFsFormat.MAGIC_LENGTH;
        boolean allPacked = true;
        while (pos < end1) {
            TransactionHeader th = ra.transactionHeader(pos);
            if (th.tid().compareTo(packTid) > 0) {
                break;
            }
            if (th.status() != DataFsFormat.STATUS_PACKED) {
                allPacked = false;
            }
            if (th.status() != DataFsFormat.STATUS_UNDONE) {
                for (long rec = th.dataStart(); rec < th.end(); ) {
                    DataHeader h = ra.dataHeader(rec);
                    if (h.plen() > 0 || h.back() != 0) {
                        oid2curpos.put(h.oid().value(), rec);
                    } else {
                        oid2curpos.remove(h.oid().value());
                    }
                    rec += h.recordLength();
                }
            }
            pos = th.next();
        }
        long packpos = pos;
        if (packpos == DataFsFormat.MAGIC_LENGTH) {
            LOG.info("pack of {}: no transaction at or before {}", storage.path(), packTid);
            return false;
        }
        if (allPacked && packpos < end1 && src.readTransactionHeader(packpos).status() == DataFsFormat.STATUS_PACKED) {
            LOG.info("pack of {}: redundant, already packed past {}", storage.path(), packTid);
            return false;
        }

        // Phase 2: what survives.
        Set<Long> extra = new HashSet<>();
        List<long[]> laterRecords = new ArrayList<>(); // {oid, pos, back} after packpos
        for (long p = packpos; p < end1; ) {
            TransactionHeader th = ra.transactionHeader(p);
            if (th.status() != DataFsFormat.STATUS_UNDONE) {
                for (long rec = th.dataStart(); rec < th.end(); ) {
                    DataHeader h = ra.dataHeader(rec);
                    if (h.plen() == 0 && h.back() != 0 && h.back() < packpos) {
                        extra.add(h.back());
                    }
                    laterRecords.add(new long[] {h.oid().value(), rec});
                    rec += h.recordLength();
                }
            }
            p = th.next();
        }
        Map<Long, Long> keep = oid2curpos;
        if (gc && !oid2curpos.isEmpty()) {
            try {
                keep = reachable(oid2curpos, extra, laterRecords);
            } catch (GcSkipped e) {
                LOG.warn("pack of {}: skipping garbage collection, only old revisions are removed: {}",
                        storage.path(), e.getMessage());
                keep = oid2curpos;
            }
        }
        for (Long oid : oid2curpos.keySet()) {
            if (!keep.containsKey(oid)) {
                collected.add(oid);
            }
        }

        // Phase 3: copy.
        Files.deleteIfExists(packPath);
        out = DataFile.open(packPath, true, storage.forceTimes());
        out.truncate(0);
        out.write(0, storage.magic(), 0, DataFsFormat.MAGIC_LENGTH);
        outPos = DataFsFormat.MAGIC_LENGTH;
        for (long p = DataFsFormat.MAGIC_LENGTH; p < packpos; ) {
            TransactionHeader th = ra.transactionHeader(p);
            p = th.next();
            if (th.status() == DataFsFormat.STATUS_UNDONE) {
                continue;
            }
            List<DataHeader> kept = new ArrayList<>();
            for (long rec = th.dataStart(); rec < th.end(); ) {
                DataHeader h = ra.dataHeader(rec);
                Long k = keep.get(h.oid().value());
                if ((k != null && k == rec) || extra.contains(rec)) {
                    kept.add(h);
                }
                rec += h.recordLength();
            }
            if (kept.isEmpty()) {
                continue;
            }
            List<TransactionWriter.Record> records = new ArrayList<>(kept.size());
            for (DataHeader h : kept) {
                records.add(new TransactionWriter.Record(h.oid(), 0, src.loadData(h), 0));
            }
            writeTransaction(th, DataFsFormat.STATUS_PACKED, kept, records);
        }
        if (outPos == packpos) {
            LOG.info("pack of {} as of {}: nothing to remove", storage.path(), packTid);
            out.close();
            out = null;
            Files.deleteIfExists(packPath);
            return false;
        }
        copyLater(packpos, end1, false);
        return true;
    }

    private void writeTransaction(TransactionHeader th, byte status, List<DataHeader> from,
            List<TransactionWriter.Record> records) throws IOException {
        TransactionMetaData md = DataFsStorage.readMetaData(src, th);
        long[] positions = new long[records.size()];
        long tpos = outPos;
        outPos = TransactionWriter.write(out, tpos, th.tid(), status, md, records, positions);
        for (int i = 0; i < positions.length; i++) {
            moved.put(from.get(i).pos(), positions[i]);
            newIndex.put(from.get(i).oid().value(), positions[i]);
        }
        lastTxnPos = tpos;
        lastTxnTid = th.tid();
    }

    /**
     * Copies the transactions in {@code [from, to)} keeping their structure: prev pointers and
     * back-pointers re-targeted into the new file.
     *
     * @param checkReferences whether to refuse (return false) when a record references an object
     *                        the gc removes (for transactions committed during the pack)
     */
    private boolean copyLater(long from, long to, boolean checkReferences) throws IOException {
        ReadAheadBuffer ra = new ReadAheadBuffer(src);
        for (long p = from; p < to; ) {
            TransactionHeader th = ra.transactionHeader(p);
            p = th.next();
            if (th.status() == DataFsFormat.STATUS_UNDONE) {
                continue;
            }
            List<DataHeader> headers = new ArrayList<>();
            for (long rec = th.dataStart(); rec < th.end(); ) {
                DataHeader h = ra.dataHeader(rec);
                headers.add(h);
                rec += h.recordLength();
            }
            List<TransactionWriter.Record> records = new ArrayList<>(headers.size());
            for (DataHeader h : headers) {
                Long prevNew = newIndex.get(h.oid().value());
                long prev = prevNew == null ? 0 : prevNew;
                if (checkReferences && !collected.isEmpty()) {
                    byte[] data = src.loadData(h);
                    if (data != null) {
                        List<Oid> refs;
                        try {
                            refs = PickleReferences.referencesOf(data);
                        } catch (UnreadableRecordException e) {
                            LOG.warn("pack of {} abandoned: the references of the record at {} ({}) committed during"
                                    + " the pack cannot be read: {}", storage.path(), h.pos(), h.oid(), e.getMessage());
                            return false;
                        }
                        for (Oid r : refs) {
                            if (collected.contains(r.value()) && !newIndex.containsKey(r.value())) {
                                LOG.warn("pack of {} abandoned: a transaction committed during the pack references {},"
                                        + " which the pack collects; pack again", storage.path(), r);
                                return false;
                            }
                        }
                    }
                }
                if (h.hasData()) {
                    records.add(new TransactionWriter.Record(h.oid(), prev, src.readOwnData(h), 0));
                } else if (h.back() == 0) {
                    records.add(new TransactionWriter.Record(h.oid(), prev, null, 0));
                } else {
                    Long nb = moved.get(h.back());
                    if (nb != null) {
                        records.add(new TransactionWriter.Record(h.oid(), prev, null, nb));
                    } else {
                        records.add(new TransactionWriter.Record(h.oid(), prev, src.loadData(h), 0));
                    }
                }
            }
            writeTransaction(th, th.status(), headers, records);
        }
        return true;
    }

    /** Phase 3 for what was committed during the pack; called with the commit lock held. */
    private boolean copyTail(long end1, long end2) throws IOException {
        return copyLater(end1, end2, true);
    }

    /** oid → kept position, by marking from the roots; {@code extra} gains nothing here. */
    private Map<Long, Long> reachable(Map<Long, Long> oid2curpos, Set<Long> extra, List<long[]> laterRecords)
            throws GcSkipped, IOException {
        if (!oid2curpos.containsKey(0L)) {
            throw new GcSkipped("the root object (oid 0) does not exist as of the pack time", null);
        }
        Map<Long, Long> reachable = new HashMap<>();
        Deque<Long> todo = new ArrayDeque<>();
        todo.push(0L);
        for (long[] r : laterRecords) {
            todo.addAll(references(r[1]));
        }
        for (Long p : extra) {
            todo.addAll(references(p));
        }
        while (!todo.isEmpty()) {
            long oid = todo.pop();
            if (reachable.containsKey(oid)) {
                continue;
            }
            Long cur = oid2curpos.get(oid);
            if (cur == null) {
                continue; // created after the pack time, deleted, or a dangling reference
            }
            reachable.put(oid, cur);
            todo.addAll(references(cur));
        }
        return reachable;
    }

    private List<Long> references(long pos) throws GcSkipped, IOException {
        DataHeader h = src.readDataHeader(pos);
        byte[] data = src.loadData(h);
        if (data == null) {
            return List.of();
        }
        try {
            List<Oid> refs = PickleReferences.referencesOf(data);
            List<Long> out = new ArrayList<>(refs.size());
            for (Oid o : refs) {
                out.add(o.value());
            }
            return out;
        } catch (UnreadableRecordException e) {
            throw new GcSkipped("cannot read the references of the record at " + pos + " (oid " + h.oid() + "): "
                    + e.getMessage(), e);
        }
    }
}
