package org.jzeo.server.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.jzeo.api.CloseableIterator;
import org.jzeo.api.ConflictError;
import org.jzeo.api.DataRecord;
import org.jzeo.api.HistoryEntry;
import org.jzeo.api.LoadResult;
import org.jzeo.api.Oid;
import org.jzeo.api.POSKeyError;
import org.jzeo.api.ReadOnlyError;
import org.jzeo.api.Storage;
import org.jzeo.api.StorageException;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.StorageTransactionError;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionDescription;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.api.TransactionRecord;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.Pickles;
import org.jzeo.protocol.ServerException;
import org.jzeo.protocol.Tuple;
import org.jzeo.protocol.Values;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection's session: registration, the collected transaction, iterators, and the
 * dispatch of every method of the ZEO 5 whitelist (wire-protocol spec §8).
 *
 * <p>Threads and ordering rules:
 * <ul>
 *   <li><b>S1</b> everything here runs on the connection's event loop, one message at a time in
 *       arrival order; results computed on the storage's commit thread are posted back to it.</li>
 *   <li><b>S2</b> vote takes the storage's {@link CommitLock}; the transaction is replayed into the
 *       storage only once granted.</li>
 *   <li><b>S3</b> invalidations from other connections' commits are put on {@link #callbacks} by the
 *       storage listener before the new state is visible, and {@link #send} writes every queued
 *       callback before any reply, so no reply built from state that includes tid T can overtake
 *       the invalidation for T; they leave in tid order because the listener runs in tid order.</li>
 * </ul>
 */
final class ZeoSession implements ServedStorage.Invalidatable {
    private static final Logger LOG = LoggerFactory.getLogger(ZeoSession.class);

    /** Argument counts (min, max) of the methods a registered client may call. */
    private static final Map<String, int[]> ARITY = new HashMap<>();

    static {
        arity("get_info", 0, 0);
        arity("lastTransaction", 0, 0);
        arity("getInvalidations", 1, 1);
        arity("new_oids", 0, 1);
        arity("pack", 1, 2);
        arity("loadBefore", 2, 2);
        arity("storea", 4, 4);
        arity("checkCurrentSerialInTransaction", 3, 3);
        arity("restorea", 5, 5);
        arity("deleteObject", 3, 3);
        arity("tpc_begin", 4, 6);
        arity("vote", 1, 1);
        arity("tpc_finish", 1, 1);
        arity("tpc_abort", 1, 1);
        arity("history", 1, 2);
        arity("getTid", 1, 1);
        arity("loadSerial", 2, 2);
        arity("new_oid", 0, 99);
        arity("undoa", 2, 2);
        arity("undoLog", 2, 2);
        arity("undoInfo", 3, 3);
        arity("iterator_start", 0, 2);
        arity("iterator_next", 1, 1);
        arity("iterator_record_start", 2, 2);
        arity("iterator_record_next", 1, 1);
        arity("iterator_gc", 1, 1);
        arity("server_status", 0, 0);
        arity("set_client_label", 1, 1);
        arity("ping", 0, 0);
        arity("record_iternext", 0, 1);
        arity("jzeo_verify", 1, 1);
        arity("jzeo_pack", 3, 3);
        // Blobs are out of scope: the methods exist so the client gets a clear error.
        arity("storeBlobStart", 0, 99);
        arity("storeBlobChunk", 0, 99);
        arity("storeBlobEnd", 0, 99);
        arity("storeBlobShared", 0, 99);
        arity("sendBlob", 0, 99);
    }

    private static void arity(String name, int min, int max) {
        ARITY.put(name, new int[] {min, max});
    }

    private final ServerContext context;
    private final SessionChannel channel;
    /**
     * Callbacks waiting to go out, in the order they were produced. An invalidation carries its
     * tid and leaves only once that tid is visible to loads (rule S3: queued before T is visible,
     * so no reply from T's state overtakes it; delivered after, so a load sent after hearing of T
     * sees T). Other callbacks carry no tid but never overtake an earlier one.
     */
    private final ConcurrentLinkedQueue<Callback> callbacks = new ConcurrentLinkedQueue<>();

    /** A queued one-way message and, for an invalidation, its tid. */
    private record Callback(Message message, Tid tid) {
    }

    private ServedStorage served;
    // volatile: read by describe() from an operator's thread; written on the event loop only.
    private volatile boolean readOnly;
    private volatile PendingTransaction txn;
    private volatile String label;
    private final java.time.Instant connected = java.time.Instant.now();
    /**
     * The tid of this session's own transaction while its tpc_finish reply is pending: no
     * invalidation after it is delivered before that reply (a ZEO client moves its last tid to the
     * finish tid and must not have heard of a later one first). Event loop only.
     */
    private Tid finishing;
    /** Replies held while {@link #finishing} is set, in request order. Event loop only. */
    private final java.util.ArrayDeque<Message> heldReplies = new java.util.ArrayDeque<>();
    private boolean closed;
    private long nextIteratorId;
    private final Map<Long, Object> iterators = new HashMap<>();

    /** A server-side transaction iterator and the transaction it last returned. */
    private static final class TransactionCursor {
        final CloseableIterator<TransactionRecord> it;
        TransactionRecord current;

        TransactionCursor(CloseableIterator<TransactionRecord> it) {
            this.it = it;
        }
    }

    ZeoSession(ServerContext context, SessionChannel channel) {
        this.context = context;
        this.channel = channel;
    }

    // ---------------------------------------------------------------- output (S1, S3)

    /**
     * Writes every deliverable callback, then {@code message}, and flushes. Event loop only.
     *
     * <p>While this connection's own tpc_finish is pending, replies to the requests that came after
     * it are held and follow the finish reply, in order (rule S3 for the own commit): a load
     * answered meanwhile may show the committed transaction, and the client must not see it before
     * the finish reply that tells it of that transaction. ZEO's one-threaded server answers in
     * that order by construction; with group commit the finish completes later on another thread.
     */
    private void send(Message message) {
        if (closed) {
            return;
        }
        if (finishing != null) {
            heldReplies.addLast(message);
            return;
        }
        drainCallbacks(deliveryLimit());
        channel.write(message);
        writeHeldReplies();
        channel.flush();
    }

    /** After the finish reply (or its error) is written: the replies held meanwhile, in order. */
    private void writeHeldReplies() {
        Message m;
        while ((m = heldReplies.pollFirst()) != null) {
            channel.write(m);
        }
    }

    /** Invalidations up to this tid may go out now: the visible tid, capped by a pending finish. */
    private Tid deliveryLimit() {
        Tid limit = visibleTid();
        Tid own = finishing;
        if (own != null && (limit == null || own.compareTo(limit) < 0)) {
            return own;
        }
        return limit;
    }

    /** The last tid loads can see, or null before register (nothing is queued then). */
    private Tid visibleTid() {
        ServedStorage s = served;
        if (s != null && s.deliverEarly) {
            return Tid.MAX; // test-only: the broken rule the race tests must catch
        }
        return s == null ? null : s.storage.lastTransaction();
    }

    /** Writes the queued callbacks in order, stopping at an invalidation after {@code limit}. */
    private void drainCallbacks(Tid limit) {
        Callback c;
        while ((c = callbacks.peek()) != null) {
            if (c.tid() != null && (limit == null || c.tid().compareTo(limit) > 0)) {
                return;
            }
            callbacks.poll();
            channel.write(c.message());
        }
    }

    private void flushCallbacks() {
        if (closed || callbacks.isEmpty()) {
            return;
        }
        drainCallbacks(deliveryLimit());
        channel.flush();
    }

    @Override
    public void queueInvalidation(Tid tid, List<Oid> oids) {
        List<Object> list = new ArrayList<>(oids.size());
        for (Oid oid : oids) {
            list.add(oid.toBytes());
        }
        callbacks.add(new Callback(Message.async("invalidateTransaction", tid.toBytes(), list), tid));
        Tid visible = visibleTid();
        if (visible != null && tid.compareTo(visible) <= 0) {
            channel.executor().execute(this::flushCallbacks);
        }
        // Else it cannot go out yet (S3): releaseUpTo, which the storage calls once tid is
        // visible, wakes the event loop; waking it now too would only find nothing to send.
    }

    @Override
    public void releaseUpTo(Tid tid) {
        if (!callbacks.isEmpty()) {
            channel.executor().execute(this::flushCallbacks);
        }
    }

    @Override
    public void queueInfo() {
        ServedStorage s = served;
        if (s != null) {
            callbacks.add(new Callback(Message.async("info", sizeInfo(s.storage)), null));
            channel.executor().execute(this::flushCallbacks);
        }
    }

    @Override
    public org.jzeo.server.ClientInfo describe() {
        ServedStorage s = served;
        return new org.jzeo.server.ClientInfo(s == null ? null : s.name, channel.remote(), label, readOnly, connected,
                txn != null);
    }

    private void post(Runnable task) {
        channel.executor().execute(task);
    }

    private String who() {
        return label != null ? label + " (" + channel.remote() + ")" : channel.remote();
    }

    private void disconnect(String why, Throwable error) {
        if (error != null) {
            LOG.warn("closing connection {}: {}", who(), why, error);
        } else {
            LOG.warn("closing connection {}: {}", who(), why);
        }
        channel.close();
    }

    // ---------------------------------------------------------------- input

    /** Handles one decoded message. Event loop only. */
    void handle(Message m) {
        if (closed || m.isHeartbeat()) {
            return;
        }
        if (m.isReply()) {
            disconnect("unexpected reply from a client: " + m, null);
            return;
        }
        String name = m.method();
        boolean async = m.isAsync();
        if (served == null && !"register".equals(name)) {
            // Only register is exported before registration (Python closes without a reply).
            disconnect("Invalid method before register: " + name, null);
            return;
        }
        if (!"register".equals(name) && !ARITY.containsKey(name)) {
            disconnect("Invalid method: " + name, null);
            return;
        }
        int argc = m.argCount();
        if (argc < 0) {
            disconnect("arguments of " + name + " are not a sequence", null);
            return;
        }
        int[] ar = "register".equals(name) ? new int[] {2, 2} : ARITY.get(name);
        if (argc < ar[0] || argc > ar[1]) {
            String text = name + "() takes " + (ar[1] + 1) + " positional argument" + (ar[1] == 0 ? "" : "s")
                    + " but " + (argc + 1) + " were given";
            if (async) {
                disconnect("bad call " + text, null);
            } else {
                send(Message.errorReply(m.msgid(), ServerException.of("builtins.TypeError", text)));
            }
            return;
        }
        try {
            Object result = dispatch(name, m.arguments(), m);
            if (result != DEFERRED && !async) {
                send(Message.reply(m.msgid(), result));
            }
        } catch (RuntimeException e) {
            fail(m, e);
        }
    }

    private void fail(Message m, RuntimeException e) {
        if (m.isAsync()) {
            // An async call that raises cannot be answered: ZEO closes the connection.
            disconnect("error in one-way call " + m.method(), e);
            return;
        }
        boolean expected = e instanceof POSKeyError || e instanceof ConflictError;
        if (e instanceof ServerException || e instanceof ReadOnlyError || e instanceof StorageTransactionError) {
            // A client's mistake (unknown storage, wrong state, read-only): logged with its stack
            // trace like every error, but at INFO, since the server is fine.
            LOG.info("{} from {} refused: {}", m.method(), who(), e.getMessage(), e);
        } else if (!expected) {
            LOG.warn("{} from {} failed", m.method(), who(), e);
        }
        send(Message.errorReply(m.msgid(), toWireError(e)));
    }

    /** Argument decoding problems become Python's AssertionError, as ZEO's asserts produce. */
    private static Throwable toWireError(RuntimeException e) {
        if (e.getClass() == IllegalArgumentException.class) {
            // ZEO's argument asserts send AssertionError() with no args; the detail is logged.
            LOG.info("bad argument: {}", e.getMessage(), e);
            return new ServerException("builtins.AssertionError", Tuple.EMPTY);
        }
        return e;
    }

    /** Marker: the reply is sent later. */
    private static final Object DEFERRED = new Object();

    private Object dispatch(String name, List<Object> a, Message m) {
        return switch (name) {
            case "register" -> register(a);
            case "get_info" -> info(served.storage);
            case "lastTransaction" -> served.storage.lastTransaction().toBytes();
            case "ping" -> null;
            case "server_status" -> serverStatus();
            case "set_client_label" -> {
                label = Values.text(a.get(0));
                yield null;
            }
            case "getInvalidations" -> getInvalidations(Values.tid(a.get(0)));
            case "new_oids" -> newOids(a.isEmpty() ? 100 : Values.toLong(a.get(0)));
            case "new_oid" -> throw ServerException.of("builtins.AttributeError", "new_oid");
            case "loadBefore" -> loadBefore(Values.oid(a.get(0)), Values.tid(a.get(1)));
            case "loadSerial" -> served.storage.loadSerial(Values.oid(a.get(0)), Values.tid(a.get(1)));
            case "getTid" -> served.storage.lastSerial(Values.oid(a.get(0))).toBytes();
            case "history" -> history(Values.oid(a.get(0)), a.size() > 1 ? Values.toLong(a.get(1)) : 1);
            case "tpc_begin" -> tpcBegin(a);
            case "storea" -> collect(a.get(3), new PendingTransaction.Store(Values.oid(a.get(0)),
                    Values.tid(a.get(1)), Values.bytes(a.get(2))));
            case "deleteObject" -> collect(a.get(2), new PendingTransaction.Delete(Values.oid(a.get(0)),
                    Values.tid(a.get(1))));
            case "checkCurrentSerialInTransaction" -> collect(a.get(2),
                    new PendingTransaction.CheckCurrent(Values.oid(a.get(0)), Values.tid(a.get(1))));
            case "restorea" -> collect(a.get(4), new PendingTransaction.Restore(Values.oid(a.get(0)),
                    Values.tid(a.get(1)), a.get(2) == null ? null : Values.bytes(a.get(2)),
                    a.get(3) == null ? null : Values.tid(a.get(3))));
            case "undoa" -> collect(a.get(1), new PendingTransaction.Undo(Values.bytes(a.get(0))));
            case "vote" -> vote(a.get(0), m);
            case "tpc_finish" -> tpcFinish(a.get(0), m);
            case "tpc_abort" -> {
                tpcAbort(a.get(0));
                yield null;
            }
            case "undoLog" -> undoLog(Values.toLong(a.get(0)), Values.toLong(a.get(1)), null);
            case "undoInfo" -> undoLog(Values.toLong(a.get(0)), Values.toLong(a.get(1)), a.get(2));
            case "pack" -> pack(a, m, true);
            case "jzeo_pack" -> pack(a, m, Values.truthy(a.get(2)));
            case "iterator_start" -> iteratorStart(a.size() > 0 ? a.get(0) : null, a.size() > 1 ? a.get(1) : null);
            case "iterator_next" -> iteratorNext(Values.toLong(a.get(0)));
            case "iterator_record_start" -> iteratorRecordStart(Values.toLong(a.get(0)), Values.tid(a.get(1)));
            case "iterator_record_next" -> iteratorRecordNext(Values.toLong(a.get(0)));
            case "iterator_gc" -> {
                for (Object id : Values.sequence(a.get(0))) {
                    closeIterator(Values.toLong(id));
                }
                yield null;
            }
            case "jzeo_verify" -> verify(a.get(0));
            case "record_iternext" -> recordIternext(a.isEmpty() || a.get(0) == null ? Oid.ROOT : Values.oid(a.get(0)));
            default -> {
                if (name.contains("Blob")) {
                    throw ServerException.of("ZODB.POSException.Unsupported",
                            "blobs are not supported by this jzeo server");
                }
                throw new IllegalStateException("no handler for " + name);
            }
        };
    }

    // ---------------------------------------------------------------- session

    private Object register(List<Object> a) {
        if (served != null) {
            throw ServerException.of("builtins.ValueError", "duplicate register() call");
        }
        Object rawName = a.get(0);
        ServedStorage s = rawName instanceof String n ? context.storages().get(n) : null;
        if (s == null) {
            throw ServerException.of("builtins.ValueError", "unknown storage: "
                    + (rawName instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(rawName)));
        }
        boolean wantReadOnly = Values.truthy(a.get(1));
        boolean serverReadOnly = context.config().readOnly() || s.storage.isReadOnly();
        if (!wantReadOnly && serverReadOnly) {
            throw new ReadOnlyError();
        }
        readOnly = wantReadOnly || serverReadOnly;
        served = s;
        // Join the invalidation fan-out atomically with reading the last tid: every commit is then
        // either included in the tid we return or sent as an invalidation (the client drops those
        // at or below the returned tid, rule C2).
        Tid last = s.join(this);
        LOG.info("{} registered on storage {}{}", who(), s.name, readOnly ? " (read-only)" : "");
        return last.toBytes();
    }

    private static Map<String, Object> sizeInfo(Storage storage) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("length", storage.objectCount());
        m.put("size", storage.getSize());
        return m;
    }

    private static Map<String, Object> info(Storage storage) {
        Map<String, Object> m = sizeInfo(storage);
        m.put("name", storage.getName());
        m.put("supportsUndo", storage.supportsUndo());
        m.put("supports_record_iternext", storage.supportsRecordIteration());
        List<Object> interfaces = new ArrayList<>();
        interfaces.add(Tuple.of("ZODB.interfaces", "IStorageRestoreable"));
        interfaces.add(Tuple.of("ZODB.interfaces", "IStorageIteration"));
        if (storage.supportsUndo()) {
            interfaces.add(Tuple.of("ZODB.interfaces", "IStorageUndoable"));
        }
        if (storage.supportsRecordIteration()) {
            interfaces.add(Tuple.of("ZODB.interfaces", "IStorageCurrentRecordIteration"));
        }
        interfaces.add(Tuple.of("ZODB.interfaces", "IExternalGC"));
        interfaces.add(Tuple.of("ZODB.interfaces", "IStorage"));
        interfaces.add(Tuple.of("zope.interface", "Interface"));
        m.put("interfaces", new Tuple(interfaces));
        return m;
    }

    private Map<String, Object> serverStatus() {
        return StatusReport.of(context, served);
    }

    // ---------------------------------------------------------------- reading

    private Object loadBefore(Oid oid, Tid before) {
        served.stats.loads.incrementAndGet();
        LoadResult r = served.storage.loadBefore(oid, before);
        if (r == null) {
            return null;
        }
        return Tuple.of(r.data(), r.start().toBytes(), r.end() == null ? null : r.end().toBytes());
    }

    private Object history(Oid oid, long size) {
        List<Object> out = new ArrayList<>();
        for (HistoryEntry h : served.storage.history(oid, (int) Math.max(1, Math.min(size, Integer.MAX_VALUE)))) {
            // Python starts from the extension dict and then sets the fixed keys.
            Map<String, Object> d = new LinkedHashMap<>(Pickles.loadExtension(h.extension()));
            for (String k : List.of("time", "user_name", "description", "tid", "size")) {
                d.remove(k);
            }
            d.put("time", h.time());
            d.put("user_name", h.user());
            d.put("description", h.description());
            d.put("tid", h.tid().toBytes());
            d.put("size", h.size());
            out.add(d);
        }
        return out;
    }

    private Object newOids(long n) {
        if (readOnly) {
            throw new ReadOnlyError();
        }
        int count = (int) Math.max(1, Math.min(100, n));
        List<Object> out = new ArrayList<>(count);
        for (Oid oid : served.storage.newOids(count)) {
            out.add(oid.toBytes());
        }
        return out;
    }

    private Object getInvalidations(Tid clientTid) {
        // Only up to what loads can see; later ones reach this session through the fan-out.
        InvalidationQueue.Invalidations inv = served.invalidations.since(clientTid, served.storage.lastTransaction());
        if (inv == null) {
            inv = invalidationsByIteration(clientTid);
        }
        if (inv == null) {
            return null;
        }
        List<Object> oids = new ArrayList<>(inv.oids().size());
        for (Oid oid : inv.oids()) {
            oids.add(oid.toBytes());
        }
        return Tuple.of(inv.latest().toBytes(), oids);
    }

    /** invalidation-age: iterate the storage when the client's tid is recent enough (spec §10.1 step 2). */
    private InvalidationQueue.Invalidations invalidationsByIteration(Tid clientTid) {
        var age = context.config().invalidationAge();
        if (age == null || System.currentTimeMillis() / 1000.0 - clientTid.timeTime() >= age.toMillis() / 1000.0) {
            return null;
        }
        Set<Oid> oids = new java.util.LinkedHashSet<>();
        Tid last = null;
        try (CloseableIterator<TransactionRecord> it = served.storage.iterator(clientTid.next(), null)) {
            while (it.hasNext()) {
                TransactionRecord t = it.next();
                last = t.tid();
                for (DataRecord r : t.records()) {
                    oids.add(r.oid());
                }
            }
        }
        return last == null ? null : new InvalidationQueue.Invalidations(last, oids);
    }

    /** {@code record_iternext(next)}: the current record of the first live oid at or after next, and the oid after it. */
    private Object recordIternext(Oid start) {
        if (!served.storage.supportsRecordIteration()) {
            throw ServerException.of("builtins.NotImplementedError", "record iteration is not supported by storage " + served.name);
        }
        Oid oid = served.storage.nextOid(start);
        while (oid != null) {
            LoadResult r;
            try {
                r = served.storage.load(oid);
            } catch (POSKeyError e) {
                oid = oid.value() == -1L ? null : served.storage.nextOid(oid.next());
                continue;
            }
            Oid next = oid.value() == -1L ? null : served.storage.nextOid(oid.next());
            return Tuple.of(oid.toBytes(), r.start().toBytes(), r.data(), next == null ? null : next.toBytes());
        }
        throw ServerException.of("builtins.ValueError", "empty tree");
    }

    /** jzeo extension: which of the client's cached (oid, tid) pairs are no longer current. */
    private Object verify(Object pairs) {
        served.stats.verifying.incrementAndGet();
        try {
            List<Object> stale = new ArrayList<>();
            for (Object p : Values.sequence(pairs)) {
                List<Object> pair = Values.sequence(p);
                Oid oid = Values.oid(pair.get(0));
                Tid tid = Values.tid(pair.get(1));
                Tid current;
                try {
                    current = served.storage.lastSerial(oid);
                } catch (POSKeyError e) {
                    current = null;
                }
                if (!tid.equals(current)) {
                    stale.add(oid.toBytes());
                }
            }
            return stale;
        } finally {
            served.stats.verifying.decrementAndGet();
        }
    }

    // ---------------------------------------------------------------- undo, pack, iteration

    private Object undoLog(long first, long last, Object spec) {
        if (!served.storage.supportsUndo()) {
            return Tuple.EMPTY;
        }
        if (last < 0) {
            last = first - last;
        }
        List<TransactionDescription> entries;
        if (spec == null) {
            entries = served.storage.undoLog((int) first, (int) last, d -> true);
        } else {
            Map<String, byte[]> filter = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) spec).entrySet()) {
                Object v = e.getValue();
                filter.put(String.valueOf(e.getKey()), v instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : Values.bytes(v));
            }
            entries = served.storage.undoInfo((int) first, (int) last, filter);
        }
        List<Object> out = new ArrayList<>();
        for (TransactionDescription d : entries) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", d.id());
            m.put("time", d.time());
            m.put("user_name", d.metadata().user());
            m.put("size", d.size());
            m.put("description", d.metadata().description());
            m.putAll(Pickles.loadExtension(d.metadata().extension()));
            out.add(m);
        }
        return out;
    }

    /**
     * {@code pack(t, wait)}, and the jzeo extension {@code jzeo_pack(t, wait, gc)}: ZEO's call has
     * no garbage-collection flag (the storage's {@code pack-gc} decides), jzeo's can turn it off.
     */
    private Object pack(List<Object> a, Message m, boolean gc) {
        Object t = a.get(0);
        double time = t instanceof Number n ? n.doubleValue() : Values.toLong(t);
        if (!Double.isFinite(time) || time < 0) {
            // Refused here, with the reason, rather than failing on the pack thread with a trace.
            throw ServerException.of("builtins.ValueError",
                    "pack time must be a finite, non-negative number of seconds since the epoch, not " + Values.repr(t));
        }
        boolean wait = a.size() < 2 || Values.truthy(a.get(1));
        ServedStorage s = served;
        context.slowWork().execute(() -> {
            RuntimeException failure = null;
            long packsBefore = s.packsHeard();
            try {
                s.storage.pack(time, gc);
                // Every client of the storage learns the size through the storage's packed()
                // listener (ServedStorage), before this reply (spec §8.5). A pack that had nothing
                // to do fires no packed(), yet ZEO broadcasts info after every pack that did not fail.
                if (s.packsHeard() == packsBefore) {
                    s.broadcastInfo();
                }
            } catch (IllegalArgumentException e) {
                LOG.warn("pack of storage {} refused: {}", s.name, e.getMessage()); // bad input, e.g. a time past 2^64 tids
                failure = e;
            } catch (StorageException e) {
                // the storage said why (e.g. "Already packing"); the caller is told the same
                LOG.warn("pack of storage {} failed: {}", s.name, e.getCause() == null ? e.getMessage() : e + ": " + e.getCause());
                failure = e;
            } catch (RuntimeException e) {
                LOG.error("pack of storage {} failed", s.name, e);
                failure = e;
            }
            if (wait) {
                RuntimeException f = failure;
                post(() -> send(f == null ? Message.reply(m.msgid(), null) : Message.errorReply(m.msgid(), f)));
            }
        });
        return wait ? DEFERRED : null;
    }

    private Object iteratorStart(Object start, Object stop) {
        Tid from = start == null ? null : Values.tid(start);
        Tid to = stop == null ? null : Values.tid(stop);
        long id = nextIteratorId++;
        iterators.put(id, new TransactionCursor(served.storage.iterator(from, to)));
        return id;
    }

    private Object iteratorNext(long id) {
        if (!(iterators.get(id) instanceof TransactionCursor c)) {
            throw ServerException.of("builtins.KeyError", "no iterator " + id);
        }
        if (!c.it.hasNext()) {
            closeIterator(id);
            return null;
        }
        TransactionRecord t = c.it.next();
        c.current = t;
        return Tuple.of(t.tid().toBytes(), String.valueOf(t.status()), t.metadata().user(),
                t.metadata().description(), new LinkedHashMap<>(Pickles.loadExtension(t.metadata().extension())));
    }

    private Object iteratorRecordStart(long txnId, Tid tid) {
        if (!(iterators.get(txnId) instanceof TransactionCursor c) || c.current == null) {
            throw ServerException.of("builtins.KeyError", "no transaction iterator " + txnId);
        }
        if (!c.current.tid().equals(tid)) {
            throw ServerException.of("builtins.ValueError", "tid " + tid + " is not the current transaction of iterator " + txnId);
        }
        long id = nextIteratorId++;
        iterators.put(id, c.current.records().iterator());
        return id;
    }

    private Object iteratorRecordNext(long id) {
        if (!(iterators.get(id) instanceof Iterator<?> it)) {
            throw ServerException.of("builtins.KeyError", "no record iterator " + id);
        }
        if (!it.hasNext()) {
            iterators.remove(id);
            return null;
        }
        DataRecord r = (DataRecord) it.next();
        return Tuple.of(r.oid().toBytes(), r.tid().toBytes(), r.data(), r.dataTxn() == null ? null : r.dataTxn().toBytes());
    }

    private void closeIterator(long id) {
        Object it = iterators.remove(id);
        if (it instanceof TransactionCursor c) {
            c.it.close();
        }
    }

    // ---------------------------------------------------------------- two-phase commit

    private Object tpcBegin(List<Object> a) {
        if (readOnly) {
            throw new ReadOnlyError();
        }
        Object id = a.get(0);
        if (txn != null) {
            if (Objects.equals(txn.clientId, id)) {
                LOG.info("{}: duplicate tpc_begin ignored", who());
                return null;
            }
            throw new StorageTransactionError("Multiple simultaneous tpc_begin requests from one client.");
        }
        byte[] user = text(a.get(1));
        byte[] description = text(a.get(2));
        byte[] extension = extension(a.get(3));
        Tid tid = a.size() > 4 && a.get(4) != null ? Values.tid(a.get(4)) : null;
        String status = a.size() > 5 && a.get(5) != null ? Values.text(a.get(5)) : " ";
        txn = new PendingTransaction(id, new TransactionMetaData(user, description, extension), tid,
                status.isEmpty() ? ' ' : status.charAt(0));
        served.stats.activeTransactions.incrementAndGet();
        return null;
    }

    private static byte[] text(Object v) {
        if (v == null) {
            return new byte[0];
        }
        return v instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : Values.bytes(v);
    }

    private static byte[] extension(Object v) {
        if (v == null) {
            return new byte[0];
        }
        if (!(v instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("transaction extension must be a dict, got " + Values.typeName(v));
        }
        Map<String, Object> ext = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            ext.put(e.getKey() instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(e.getKey()), e.getValue());
        }
        return Pickles.dumpExtension(ext);
    }

    private Object collect(Object clientId, PendingTransaction.Op op) {
        if (readOnly) {
            throw new ReadOnlyError();
        }
        if (txn == null || !Objects.equals(txn.clientId, clientId)) {
            throw new ServerException("ZODB.POSException.StorageTransactionError",
                    Tuple.of(txn == null ? null : txn.clientId, clientId));
        }
        if (txn.state != PendingTransaction.State.COLLECTING) {
            throw new StorageTransactionError("store after vote");
        }
        txn.ops.add(op);
        if (!(op instanceof PendingTransaction.CheckCurrent) && !(op instanceof PendingTransaction.Undo)) {
            served.stats.stores.incrementAndGet();
        }
        return null;
    }

    private Object vote(Object clientId, Message m) {
        if (readOnly) {
            throw new ReadOnlyError();
        }
        PendingTransaction pt = txn;
        if (pt == null || !Objects.equals(pt.clientId, clientId)) {
            throw new ServerException("ZODB.POSException.StorageTransactionError",
                    Tuple.of(pt == null ? null : pt.clientId, clientId));
        }
        if (pt.state != PendingTransaction.State.COLLECTING) {
            throw new StorageTransactionError("Already voting (" + (pt.state == PendingTransaction.State.VOTING
                    ? "waiting" : "locked") + ")");
        }
        pt.state = PendingTransaction.State.VOTING;
        ServedStorage s = served;
        s.commitLock.acquire(pt, channel.executor(), () -> replayAndVote(s, pt, m.msgid()));
        return DEFERRED;
    }

    /** Commit thread, holding the commit lock (S2): replays the collected calls and votes. */
    private void replayAndVote(ServedStorage s, PendingTransaction pt, Object msgid) {
        if (pt.aborted || !s.commitLock.isHeldBy(pt)) {
            // aborted (or disconnected) while waiting; the abort task releases the lock
            post(() -> send(Message.errorReply(msgid, new StorageTransactionError("the transaction was aborted"))));
            return;
        }
        Object result;
        try {
            if (context.config().clientConflictResolution()) {
                List<Object> conflicts = conflictsForClient(s.storage, pt);
                if (!conflicts.isEmpty()) {
                    s.stats.conflicts.addAndGet(conflicts.size());
                    s.commitLock.release(pt);
                    post(() -> {
                        if (txn == pt) {
                            pt.state = PendingTransaction.State.COLLECTING;
                        }
                        send(Message.reply(msgid, conflicts));
                    });
                    return;
                }
            }
            startTimeout(s, pt);
            StorageTransaction st = pt.tid != null ? s.storage.tpcBegin(pt.metadata, pt.tid, pt.status)
                    : s.storage.tpcBegin(pt.metadata);
            pt.storageTransaction = st;
            s.addCommitter(st, this);
            List<Object> changed = new ArrayList<>();
            for (PendingTransaction.Op op : latestStores(pt.ops)) {
                if (op instanceof PendingTransaction.Store x) {
                    st.store(x.oid(), x.serial(), x.data());
                } else if (op instanceof PendingTransaction.Delete x) {
                    st.deleteObject(x.oid(), x.serial());
                } else if (op instanceof PendingTransaction.CheckCurrent x) {
                    st.checkCurrentSerialInTransaction(x.oid(), x.serial());
                } else if (op instanceof PendingTransaction.Restore x) {
                    st.restore(x.oid(), x.serial(), x.data(), x.prevTxn());
                } else if (op instanceof PendingTransaction.Undo x) {
                    for (Oid oid : st.undo(x.transactionId())) {
                        changed.add(oid.toBytes());
                    }
                }
            }
            for (Oid oid : st.vote()) {
                byte[] b = oid.toBytes();
                if (changed.stream().noneMatch(c -> Arrays.equals((byte[]) c, b))) {
                    changed.add(b);
                }
            }
            result = changed;
        } catch (ConflictError conflict) {
            if (context.config().clientConflictResolution() && conflict.getClass() == ConflictError.class
                    && storedData(pt, conflict.oid()) != null) {
                // A conflict with a transaction the pre-check could not see yet (group commit):
                // still the client's to resolve, as client-conflict-resolution promises.
                if (pt.storageTransaction != null) {
                    pt.storageTransaction.abort();
                    s.removeCommitter(pt.storageTransaction);
                }
                cancelTimeout(pt);
                s.commitLock.release(pt);
                s.stats.conflicts.incrementAndGet();
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("oid", conflict.oid().toBytes());
                c.put("serials", Tuple.of(conflict.currentSerial().toBytes(), conflict.oldSerial().toBytes()));
                c.put("data", storedData(pt, conflict.oid()));
                List<Object> conflicts = List.of(c);
                post(() -> {
                    if (txn == pt) {
                        pt.state = PendingTransaction.State.COLLECTING;
                    }
                    send(Message.reply(msgid, conflicts));
                });
                return;
            }
            failVote(s, pt, msgid, conflict);
            return;
        } catch (RuntimeException failure) {
            failVote(s, pt, msgid, failure);
            return;
        }
        post(() -> {
            if (txn == pt) {
                pt.state = PendingTransaction.State.VOTED;
            }
            send(Message.reply(msgid, result));
        });
    }

    /** The data this transaction stores for {@code oid} (its last store), or null. */
    private static byte[] storedData(PendingTransaction pt, Oid oid) {
        byte[] data = null;
        for (PendingTransaction.Op op : pt.ops) {
            if (op instanceof PendingTransaction.Store st && st.oid().equals(oid)) {
                data = st.data();
            }
        }
        return data;
    }

    /** A vote failed: abort, release the lock, forget the transaction, answer with the error. */
    private void failVote(ServedStorage s, PendingTransaction pt, Object msgid, RuntimeException failure) {
        {
            RuntimeException e = withClassName(failure, pt);
            if (e instanceof ConflictError) {
                s.stats.conflicts.incrementAndGet();
            } else if (!(e instanceof POSKeyError)) {
                LOG.warn("vote of {} failed", who(), e);
            }
            if (pt.storageTransaction != null) {
                pt.storageTransaction.abort();
                s.removeCommitter(pt.storageTransaction);
            }
            cancelTimeout(pt);
            s.commitLock.release(pt);
            endActive(s, pt);
            post(() -> {
                if (txn == pt) {
                    txn = null; // the server forgets a transaction whose vote failed
                }
                send(Message.errorReply(msgid, toWireError(e)));
            });
        }
    }

    /** Python clients read the object's class from a ConflictError; take it from the stored record. */
    private static RuntimeException withClassName(RuntimeException e, PendingTransaction pt) {
        if (!(e instanceof ConflictError c) || c.className() != null || c.oid() == null
                || !e.getClass().equals(ConflictError.class)) {
            return e;
        }
        for (PendingTransaction.Op op : pt.ops) {
            if (op instanceof PendingTransaction.Store st && st.oid().equals(c.oid())) {
                String name = RecordClass.nameOf(st.data());
                if (name != null) {
                    ConflictError named = new ConflictError(c.oid(), c.currentSerial(), c.oldSerial(), name);
                    named.setStackTrace(c.getStackTrace());
                    return named;
                }
            }
        }
        return e;
    }

    /** The transaction left the active count (once, whichever of finish, failure or abort comes first). */
    private static void endActive(ServedStorage s, PendingTransaction pt) {
        if (pt.counted.compareAndSet(true, false)) {
            s.stats.activeTransactions.decrementAndGet();
        }
    }

    /** A later store of the same oid replaces an earlier one (client conflict resolution re-sends them). */
    private static List<PendingTransaction.Op> latestStores(List<PendingTransaction.Op> ops) {
        Map<Oid, Integer> lastIndex = new HashMap<>();
        for (int i = 0; i < ops.size(); i++) {
            if (ops.get(i) instanceof PendingTransaction.Store st) {
                lastIndex.put(st.oid(), i);
            }
        }
        if (lastIndex.size() == ops.stream().filter(o -> o instanceof PendingTransaction.Store).count()) {
            return ops;
        }
        List<PendingTransaction.Op> out = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            if (!(ops.get(i) instanceof PendingTransaction.Store st) || lastIndex.get(st.oid()) == i) {
                out.add(ops.get(i));
            }
        }
        return out;
    }

    /** client-conflict-resolution mode (spec §9.2): conflicts returned from vote as maps. */
    private static List<Object> conflictsForClient(Storage storage, PendingTransaction pt) {
        List<Object> conflicts = new ArrayList<>();
        for (PendingTransaction.Op op : latestStores(pt.ops)) {
            if (op instanceof PendingTransaction.Store st) {
                Tid current;
                try {
                    current = storage.lastSerial(st.oid());
                } catch (POSKeyError e) {
                    current = Tid.ZERO;
                }
                if (!current.equals(st.serial())) {
                    Map<String, Object> c = new LinkedHashMap<>();
                    c.put("oid", st.oid().toBytes());
                    c.put("serials", Tuple.of(current.toBytes(), st.serial().toBytes()));
                    c.put("data", st.data());
                    conflicts.add(c);
                }
            }
        }
        return conflicts;
    }

    private void startTimeout(ServedStorage s, PendingTransaction pt) {
        var timeout = context.config().transactionTimeout();
        if (timeout == null) {
            return;
        }
        post(() -> {
            if (txn == pt && !pt.aborted) {
                pt.timeout = channel.schedule(() -> {
                    if (txn == pt && s.commitLock.isHeldBy(pt)) {
                        LOG.error("Transaction timeout after {} seconds: disconnecting {} and aborting its transaction",
                                timeout.toSeconds(), who());
                        channel.close();
                    }
                }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        });
    }

    private void cancelTimeout(PendingTransaction pt) {
        post(() -> {
            if (pt.timeout != null) {
                pt.timeout.cancel(false);
            }
        });
    }

    private Object tpcFinish(Object clientId, Message m) {
        PendingTransaction pt = txn;
        if (pt == null || !Objects.equals(pt.clientId, clientId)) {
            LOG.warn("{}: tpc_finish for a transaction that is not current", who());
            return null;
        }
        if (pt.state != PendingTransaction.State.VOTED) {
            throw new StorageTransactionError("tpc_finish before vote");
        }
        ServedStorage s = served;
        finishing = pt.storageTransaction == null ? null : pt.storageTransaction.tid();
        s.onCommitThread(() -> finishOnCommitThread(s, pt, m.msgid()));
        return DEFERRED;
    }

    private void finishOnCommitThread(ServedStorage s, PendingTransaction pt, Object msgid) {
        if (pt.aborted || !s.commitLock.isHeldBy(pt)) {
            post(() -> {
                finishing = null;
                send(Message.errorReply(msgid, new StorageTransactionError("the transaction was aborted")));
            });
            return;
        }
        StorageTransaction st = pt.storageTransaction;
        java.util.concurrent.CompletionStage<Tid> done;
        try {
            // Returns once the storage released its commit lock; durability follows (group commit).
            done = st.finishAsync();
        } catch (RuntimeException e) {
            finishFailed(s, pt, msgid, e);
            return;
        }
        // Rule S2: the next voter may go while this transaction waits for its force. Rule S3 still
        // holds: its invalidations are queued before it (or anything later) becomes visible, and
        // a vote failing because of it is reported only after that (the storage's contract).
        s.commitLock.release(pt);
        done.whenComplete((tid, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                finishFailed(s, pt, msgid, cause instanceof RuntimeException re ? re
                        : new org.jzeo.api.StorageException(String.valueOf(cause), cause));
                return;
            }
            s.removeCommitter(st);
            s.stats.commits.incrementAndGet();
            endActive(s, pt);
            Map<String, Object> info = sizeInfo(s.storage);
            post(() -> {
                if (pt.timeout != null) {
                    pt.timeout.cancel(false);
                }
                if (txn == pt) {
                    txn = null;
                }
                if (closed) {
                    return;
                }
                // Invalidations up to this tid first, none after it: the committer hears of later
                // transactions only after its own finish reply (its cache's last tid moves in order).
                drainCallbacks(tid);
                channel.write(Message.async("info", info));
                channel.write(Message.reply(msgid, tid.toBytes()));
                finishing = null;
                drainCallbacks(deliveryLimit()); // later invalidations held back meanwhile
                writeHeldReplies();
                channel.flush();
            });
        });
    }

    private void finishFailed(ServedStorage s, PendingTransaction pt, Object msgid, RuntimeException e) {
        LOG.error("tpc_finish of {} failed; transaction aborted, connection closed", who(), e);
        pt.storageTransaction.abort();
        s.removeCommitter(pt.storageTransaction);
        s.commitLock.release(pt);
        endActive(s, pt);
        post(() -> {
            if (txn == pt) {
                txn = null;
            }
            finishing = null;
            send(Message.errorReply(msgid, e));
            channel.close();
        });
    }

    private void tpcAbort(Object clientId) {
        PendingTransaction pt = txn;
        if (pt == null || !Objects.equals(pt.clientId, clientId)) {
            return; // always safe to call, e.g. after a failed vote
        }
        served.stats.aborts.incrementAndGet();
        abortTransaction();
    }

    /** Drops the current transaction; the commit thread aborts it in the storage and frees the lock. */
    private void abortTransaction() {
        PendingTransaction pt = txn;
        if (pt == null) {
            return;
        }
        txn = null;
        pt.aborted = true;
        if (pt.timeout != null) {
            pt.timeout.cancel(false);
        }
        ServedStorage s = served;
        endActive(s, pt);
        // On the commit thread, so it is ordered after a grant or vote already queued there.
        s.onCommitThread(() -> {
            if (pt.storageTransaction != null) {
                pt.storageTransaction.abort();
                s.removeCommitter(pt.storageTransaction);
            }
            s.commitLock.release(pt);
        });
    }

    /** The connection is gone: abort, leave the storage, drop iterators. Event loop only. */
    void closed() {
        if (closed) {
            return;
        }
        if (txn != null) {
            LOG.info("{} disconnected during a transaction; aborting it", who());
        }
        abortTransaction();
        closed = true;
        if (served != null) {
            served.unregister(this);
        }
        for (Long id : List.copyOf(iterators.keySet())) {
            closeIterator(id);
        }
        callbacks.clear();
        heldReplies.clear();
    }
}
