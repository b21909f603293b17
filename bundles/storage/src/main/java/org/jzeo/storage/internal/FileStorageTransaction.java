package org.jzeo.storage.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.jzeo.api.ConflictError;
import org.jzeo.api.Oid;
import org.jzeo.api.POSKeyError;
import org.jzeo.api.StorageException;
import org.jzeo.api.StorageListener;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.StorageTransactionError;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.api.UndoError;
import org.jzeo.storage.FileStorageQuotaError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One two-phase commit against a {@link DataFsStorage}.
 *
 * <p>Stores, deletes, restores, undos and serial checks are only recorded until {@link #vote()}.
 * Vote takes the storage's commit lock (rule S2), and only then looks at the file: it checks the
 * serials against the current index, works out undo back-pointers and restore back-pointers,
 * chooses the tid, and writes the whole transaction with status 'c' after the committed end (not
 * forced: see vote). {@link #finishAsync()} writes the final status byte, puts the index entries, hands the
 * transaction to the {@link CommitPipeline} (force, listeners, publication: rules S4 and S3) and
 * releases the lock; {@link #finish()} waits for it. {@link #abort()} after a vote truncates the
 * file back to where the transaction began.
 */
final class FileStorageTransaction implements StorageTransaction {
    private static final Logger LOG = LoggerFactory.getLogger(FileStorageTransaction.class);

    private enum State { OPEN, VOTED, FINISHED, ABORTED }

    /** A recorded call. */
    private sealed interface Op permits Store, Delete, Restore, Undo, CheckSerial {
    }

    private record Store(Oid oid, Tid serial, byte[] data) implements Op {
    }

    private record Delete(Oid oid, Tid serial) implements Op {
    }

    private record Restore(Oid oid, byte[] data, Tid dataTxn) implements Op {
    }

    private record Undo(Tid target) implements Op {
    }

    private record CheckSerial(Oid oid, Tid serial) implements Op {
    }

    /** A record planned at vote: data, or a back-pointer (0 = the object does not exist). */
    private record Planned(Oid oid, byte[] data, long back) {
    }

    private final DataFsStorage storage;
    private final TransactionMetaData metadata;
    private final Tid fixedTid;
    private final byte finalStatus;
    private final List<Op> ops = new ArrayList<>();

    private State state = State.OPEN;
    private Tid tid;
    // Set by vote, used by finish/abort (all under the commit lock).
    private FileGeneration generation;
    private long tpos;
    private long newEnd;
    private Oid[] writtenOids;
    private long[] writtenPositions;
    private List<Oid> undone = List.of();

    FileStorageTransaction(DataFsStorage storage, TransactionMetaData metadata, Tid fixedTid, byte finalStatus) {
        this.storage = storage;
        this.metadata = metadata;
        this.fixedTid = fixedTid;
        this.finalStatus = finalStatus;
        this.tid = fixedTid;
    }

    @Override
    public TransactionMetaData metadata() {
        return metadata;
    }

    @Override
    public Tid tid() {
        return tid;
    }

    private void checkOpen(String what) {
        if (state != State.OPEN) {
            throw new StorageTransactionError(what + " in a transaction that is " + state.name().toLowerCase());
        }
        storage.ensureOpen();
    }

    private static byte[] checkData(byte[] data) {
        Objects.requireNonNull(data, "data");
        if (data.length == 0) {
            throw new IllegalArgumentException("an object record cannot be empty");
        }
        return data;
    }

    @Override
    public void store(Oid oid, Tid serial, byte[] data) {
        checkOpen("store");
        ops.add(new Store(Objects.requireNonNull(oid, "oid"), serial == null ? Tid.ZERO : serial, checkData(data).clone()));
    }

    @Override
    public void deleteObject(Oid oid, Tid serial) {
        checkOpen("deleteObject");
        ops.add(new Delete(Objects.requireNonNull(oid, "oid"), serial == null ? Tid.ZERO : serial));
    }

    @Override
    public void checkCurrentSerialInTransaction(Oid oid, Tid serial) {
        checkOpen("checkCurrentSerialInTransaction");
        ops.add(new CheckSerial(Objects.requireNonNull(oid, "oid"), serial == null ? Tid.ZERO : serial));
    }

    @Override
    public void restore(Oid oid, Tid serial, byte[] data, Tid dataTxn) {
        checkOpen("restore");
        if (fixedTid == null) {
            throw new StorageTransactionError("restore needs a transaction begun with an explicit tid");
        }
        ops.add(new Restore(Objects.requireNonNull(oid, "oid"), data == null ? null : checkData(data).clone(), dataTxn));
    }

    @Override
    public List<Oid> undo(byte[] transactionId) {
        checkOpen("undo");
        Tid target = DataFsFormat.tidOfUndoId(transactionId);
        if (target == null) {
            throw new UndoError("Invalid transaction id", null);
        }
        Undo op = new Undo(target);
        // A first check now, so the caller hears at once; vote checks again under the commit lock.
        List<Oid> oids;
        try {
            oids = storage.read(g -> {
                // replay the earlier calls of this transaction (without serial checks) first
                Map<Oid, Planned> planned = new LinkedHashMap<>();
                for (Op earlier : ops) {
                    if (earlier instanceof Store st) {
                        planned.put(st.oid(), new Planned(st.oid(), st.data(), 0));
                    } else if (earlier instanceof Delete d) {
                        planned.put(d.oid(), new Planned(d.oid(), null, 0));
                    } else if (earlier instanceof Undo eu) {
                        planUndo(g, eu, planned);
                    }
                }
                return planUndo(g, op, planned);
            });
        } catch (UndoError e) {
            // Rule S3: the check may have seen finished transactions not yet heard by the listeners.
            storage.awaitFinishedCommits();
            throw e;
        }
        ops.add(op);
        return oids;
    }

    @Override
    public synchronized List<Oid> vote() {
        checkOpen("vote");
        storage.lockCommit(); // rule S2: one transaction between vote and finish/abort at a time
        boolean written = false;
        try {
            storage.ensureOpen();
            storage.pipeline().checkHealthy();
            FileGeneration g = storage.generation();
            // The floor includes transactions finished but not yet published (group commit).
            Tid last = storage.tidFloor();
            if (fixedTid != null) {
                if (fixedTid.compareTo(last) <= 0) {
                    throw new StorageTransactionError("the tid " + fixedTid + " of a restored transaction is not after the last one, " + last);
                }
                tid = fixedTid;
            } else {
                tid = Tid.now().laterThan(storage.tidFloor());
            }
            Map<Oid, Planned> planned = new LinkedHashMap<>();
            List<Oid> undoneOids = new ArrayList<>();
            for (Op op : ops) {
                plan(g, op, planned, undoneOids);
            }
            List<TransactionWriter.Record> records = new ArrayList<>(planned.size());
            writtenOids = new Oid[planned.size()];
            int i = 0;
            for (Planned p : planned.values()) {
                records.add(new TransactionWriter.Record(p.oid(), g.index().get(p.oid()), p.data(), p.back()));
                writtenOids[i++] = p.oid();
            }
            // After every finished transaction, including those still waiting for their force.
            tpos = storage.writeEnd();
            long tlen = TransactionWriter.tlen(metadata, records);
            Long quota = storage.config().quota();
            if (quota != null && tpos + tlen + 8 > quota) {
                throw new FileStorageQuotaError("The storage quota has been exceeded: " + storage.path() + " would grow to "
                        + (tpos + tlen + 8) + " bytes, the quota is " + quota);
            }
            DataFile file = g.file();
            if (file.size() != tpos) {
                file.truncate(tpos); // leftovers of a failed abort
            }
            written = true;
            writtenPositions = new long[records.size()];
            newEnd = TransactionWriter.write(file, tpos, tid, DataFsFormat.STATUS_CHECKPOINT, metadata, records, writtenPositions);
            // No force here. The pipeline's force after finish makes the data and the final status
            // durable together, before anything is acknowledged or visible (rule S4). A force now
            // would promise nothing more: a 'c' transaction found on open is cut off whether it was
            // forced or not (ZODB's FileStorage, too, forces once per commit, at finish).
            generation = g;
            undone = Collections.unmodifiableList(new ArrayList<>(new LinkedHashSet<>(undoneOids)));
            state = State.VOTED;
            storage.voted = this;
            return undone;
        } catch (IOException | RuntimeException e) {
            if (written) {
                truncateQuietly(storage.generation().file(), tpos);
            }
            state = State.ABORTED;
            storage.unlockCommit();
            // Rule S3: a failure (e.g. a ConflictError naming a tid) may depend on transactions
            // that finished but are not yet heard by the listeners; report it only after they are.
            storage.awaitFinishedCommits();
            if (e instanceof IOException io) {
                throw DataFsStorage.io(storage.path(), io);
            }
            throw (RuntimeException) e;
        }
    }

    private static void truncateQuietly(DataFile file, long pos) {
        try {
            file.truncate(pos);
        } catch (IOException e) {
            LOG.error("cannot truncate {} back to {} (the unfinished transaction is removed on the next writable open)",
                    file.path(), pos, e);
        }
    }

    /** Plans one recorded call (under the commit lock). */
    private void plan(FileGeneration g, Op op, Map<Oid, Planned> planned, List<Oid> undoneOids) throws IOException {
        DataFile file = g.file();
        if (op instanceof Store s) {
            long cur = g.index().get(s.oid());
            if (cur != 0) {
                Tid current = file.readDataHeader(cur).tid();
                if (!current.equals(s.serial())) {
                    throw new ConflictError(s.oid(), current, s.serial(), null);
                }
            }
            planned.put(s.oid(), new Planned(s.oid(), s.data(), 0));
        } else if (op instanceof Delete d) {
            long cur = g.index().get(d.oid());
            if (cur == 0) {
                throw new POSKeyError(d.oid());
            }
            Tid current = file.readDataHeader(cur).tid();
            if (!current.equals(d.serial())) {
                throw new ConflictError(d.oid(), current, d.serial(), null);
            }
            planned.put(d.oid(), new Planned(d.oid(), null, 0));
        } else if (op instanceof CheckSerial c) {
            long cur = g.index().get(c.oid());
            Tid current = cur == 0 ? Tid.ZERO : file.readDataHeader(cur).tid();
            if (!current.equals(c.serial())) {
                throw new ConflictError("database read conflict error (oid " + c.oid() + ", serial this txn started with "
                        + c.serial() + ", serial currently committed " + current + ")", c.oid(), current, c.serial());
            }
        } else if (op instanceof Restore r) {
            planned.put(r.oid(), planRestore(g, r));
        } else if (op instanceof Undo u) {
            undoneOids.addAll(planUndo(g, u, planned));
        }
    }

    /** A restore writes a back-pointer when the data already lies in {@code dataTxn}'s record of the oid. */
    private static Planned planRestore(FileGeneration g, Restore r) throws IOException {
        if (r.data() == null) {
            return new Planned(r.oid(), null, 0);
        }
        if (r.dataTxn() != null) {
            long pos = g.index().get(r.oid());
            while (pos != 0) {
                DataHeader h = g.file().readDataHeader(pos);
                int c = h.tid().compareTo(r.dataTxn());
                if (c == 0) {
                    DataHeader d = g.file().resolve(h);
                    if (d != null && Arrays.equals(g.file().readOwnData(d), r.data())) {
                        return new Planned(r.oid(), null, h.pos());
                    }
                    break;
                }
                if (c < 0) {
                    break;
                }
                pos = h.prev();
            }
        }
        return new Planned(r.oid(), r.data(), 0);
    }

    /**
     * Plans the undo of one transaction (spec §5.3) into {@code planned}.
     *
     * @return the oids it changes
     * @throws UndoError when the transaction is unknown, packed, or a later one changed an object
     */
    private static List<Oid> planUndo(FileGeneration g, Undo u, Map<Oid, Planned> planned) throws IOException {
        DataFile file = g.file();
        TransactionHeader th = DataFsStorage.findTransaction(g, u.target());
        if (th == null) {
            throw new UndoError("Invalid transaction id", null);
        }
        if (th.status() != DataFsFormat.STATUS_COMMITTED) {
            throw new UndoError("non-undoable transaction", null);
        }
        Map<Oid, UndoError> failures = new LinkedHashMap<>();
        Set<Oid> oids = new LinkedHashSet<>();
        long rec = th.dataStart();
        while (rec < th.end()) {
            DataHeader r = file.readDataHeader(rec);
            rec += r.recordLength();
            Oid oid = r.oid();
            Planned pending = planned.get(oid);
            boolean ok;
            if (pending == null) {
                long cur = g.index().get(oid);
                if (cur == r.pos()) {
                    ok = true;
                } else if (cur == 0) {
                    ok = false;
                } else {
                    DataHeader cr = file.resolve(file.readDataHeader(cur));
                    DataHeader rr = file.resolve(r);
                    if (cr == null || rr == null) {
                        ok = cr == rr;
                    } else {
                        ok = cr.pos() == rr.pos() || Arrays.equals(file.readOwnData(cr), file.readOwnData(rr));
                    }
                }
            } else {
                byte[] pendingData = pending.data() != null ? pending.data()
                        : pending.back() != 0 ? file.loadData(file.readDataHeader(pending.back())) : null;
                ok = Arrays.equals(pendingData, file.loadData(r));
            }
            if (ok) {
                long back = r.prev();
                if (back != 0 && file.resolve(file.readDataHeader(back)) == null) {
                    back = 0;
                }
                planned.put(oid, new Planned(oid, null, back));
                failures.remove(oid);
                oids.add(oid);
            } else if (!oids.contains(oid)) {
                failures.put(oid, r.prev() == 0
                        ? new UndoError("Can't undo an add transaction followed by conflicting transactions.", oid)
                        : new UndoError("Some data were modified by a later transaction", oid));
            }
        }
        if (!failures.isEmpty()) {
            if (failures.size() == 1) {
                throw failures.values().iterator().next();
            }
            Oid first = failures.keySet().iterator().next();
            throw new UndoError("Some data were modified by a later transaction; objects " + failures.keySet(), first);
        }
        return new ArrayList<>(oids);
    }

    @Override
    public Tid finish() {
        try {
            return finishAsync().toCompletableFuture().join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new StorageException("finish of " + tid + " failed: " + cause, cause);
        }
    }

    /**
     * Writes the final status byte, makes the transaction's index entries and end known to the
     * commit path, hands it to the {@link CommitPipeline} and releases the commit lock, so the next
     * transaction can vote while this one waits for its force (group commit). Loads cannot see it
     * yet: they ignore records with tids above the published tid (rule S4). The returned stage
     * completes once it is forced, heard by the listeners (rule S3) and published.
     */
    @Override
    public synchronized CompletionStage<Tid> finishAsync() {
        if (state != State.VOTED) {
            throw new StorageTransactionError("finish without a successful vote (the transaction is "
                    + state.name().toLowerCase() + ")");
        }
        DataFile file = generation.file();
        try {
            storage.ensureOpen(); // a storage closed meanwhile gets no status byte and no commit
            file.write(tpos + 16, new byte[] {finalStatus}, 0, 1);
        } catch (IOException | RuntimeException e) {
            truncateQuietly(file, tpos);
            state = State.ABORTED;
            storage.voted = null;
            storage.unlockCommit();
            if (e instanceof IOException io) {
                throw DataFsStorage.io(storage.path(), io);
            }
            throw (RuntimeException) e;
        }
        try {
            for (int i = 0; i < writtenOids.length; i++) {
                generation.index().put(writtenOids[i], writtenPositions[i]);
                storage.noteOid(writtenOids[i]);
            }
            storage.written(newEnd);
            Set<Oid> changed = Collections.unmodifiableSet(new LinkedHashSet<>(Arrays.asList(writtenOids)));
            state = State.FINISHED;
            // Enqueued under the commit lock, so the pipeline sees transactions in tid order.
            CommitPipeline pipe = storage.pipeline();
            return pipe.enqueue(new CommitPipeline.Pending(this, tid, tpos, newEnd, changed, generation,
                    new CompletableFuture<>()));
        } finally {
            storage.voted = null;
            storage.unlockCommit(); // rule S2: the next voter writes after us while we wait for the force
        }
    }

    /** Close's abort of a transaction between vote and finish (another thread may be finishing it). */
    synchronized void abortBecauseClosed() {
        if (state == State.VOTED) {
            LOG.warn("{} closed between vote and finish of {}: the transaction is aborted", storage.path(), tid);
            abort();
        }
    }

    @Override
    public synchronized void abort() {
        if (state == State.VOTED) {
            state = State.ABORTED;
            try {
                truncateQuietly(generation.file(), tpos);
            } finally {
                storage.voted = null;
                storage.unlockCommit();
            }
        } else if (state == State.OPEN) {
            state = State.ABORTED;
        }
    }

    /** Whether vote succeeded and neither finish nor abort followed. */
    boolean isVoted() {
        return state == State.VOTED;
    }

    @Override
    public String toString() {
        return "FileStorageTransaction(" + storage.path() + ", " + state + (tid == null ? "" : ", " + tid) + ")";
    }
}
