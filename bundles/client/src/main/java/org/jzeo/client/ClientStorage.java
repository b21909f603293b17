package org.jzeo.client;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jzeo.api.CloseableIterator;
import org.jzeo.api.DataRecord;
import org.jzeo.api.HistoryEntry;
import org.jzeo.api.LoadResult;
import org.jzeo.api.Oid;
import org.jzeo.api.POSKeyError;
import org.jzeo.api.ReadOnlyError;
import org.jzeo.api.Storage;
import org.jzeo.api.StorageException;
import org.jzeo.api.StorageListener;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.StorageTransactionError;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionDescription;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.api.TransactionRecord;
import org.jzeo.cache.CacheEntry;
import org.jzeo.cache.ClientCache;
import org.jzeo.cache.ClientCacheConfig;
import org.jzeo.client.internal.Address;
import org.jzeo.client.internal.ZeoConnection;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.Pickles;
import org.jzeo.protocol.Transport;
import org.jzeo.protocol.Values;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Storage} served by a ZEO 5 server (jzeo or Python ZEO), with a client cache.
 *
 * <h2>Connections</h2>
 * The client connects to the first configured address that answers and registers on the
 * configured storage. On loss, the thread {@code zeo-client-reconnect} dials again, waiting
 * between rounds from {@code min-disconnect-poll} doubling up to {@code max-disconnect-poll}, with
 * jitter. With {@code read-only-fallback} a read-only server is accepted when no writable one
 * answers ({@code register(name, False)} → ReadOnlyError → {@code register(name, True)} on the same
 * connection), and the thread keeps polling for a writable one, switching when it appears.
 *
 * <p>While disconnected, loads the cache can answer are answered (consistent with
 * {@link #lastTransaction()}); anything needing the server fails at once with
 * {@link ClientDisconnected}; {@link #isReadOnly()} is true.
 *
 * <h2>Cache coherence (rules C1–C3)</h2>
 * Every inbound message of a connection is handled in wire order, one at a time, by the thread
 * holding the connection's inbound role (called "the I/O thread" below): with direct I/O, the
 * default for plain connections, whichever caller is reading the socket while it waits for its
 * reply, or the connection's reader thread when nobody calls; with Netty (TLS, authentication, or
 * {@code -Djzeo.client.io=netty}) the connection's event loop. Every cache effect of the server's
 * messages happens there: invalidations, the results of loads, and the effects of this client's
 * own {@code tpc_finish}. So the cache changes in the order the server produced the events.
 * <ul>
 *   <li><b>C1</b> invalidations are applied in tid order (an older or repeated tid is dropped),
 *       and {@link #lastTransaction()} moves to T only after every oid of T was invalidated in
 *       the cache. A reader that takes {@code lastTransaction()} as its snapshot never gets a
 *       revision the snapshot should not see. The other way round, a cached current revision
 *       answers {@code loadBefore(oid, before)} only for {@code before} up to the last tid + 1
 *       (or {@code MAX}, the client's current view): past it a transaction not yet applied here
 *       may have replaced it, so the server answers (a reply from the same connection can show a
 *       transaction before its invalidation or finish reply was handled).</li>
 *   <li><b>C2</b> invalidations arriving while {@code register} and cache verification are in
 *       flight are held on the connection and applied, on the I/O thread, after verification,
 *       dropping those at or below the verified tid; only then is the connection used.</li>
 *   <li><b>C3</b> a load result is not cached as current if an invalidation of its oid (from
 *       another client or from this client's own commit) arrived while the load was in flight
 *       (the load-versus-invalidation race of ZEO #155, #166, #191).</li>
 * </ul>
 * Own commits: after the {@code tpc_finish} reply T, on the I/O thread: the committed oids are
 * invalidated at T, the data this client stored becomes current at T (unless vote reported the oid
 * as resolved or undone), then the last tid moves to T.
 *
 * <h2>Verification on (re)connect</h2>
 * With server last tid S and cache last tid C: nothing when C = S or the cache is empty; C &gt; S
 * refuses the server (logged as CRITICAL, retried later); otherwise {@code getInvalidations(C)},
 * and when the server's queue is too short, a full verification: {@code jzeo_verify} against a
 * jzeo server (its {@code server_status} has the key {@code "jzeo"}), {@code clear()} of the cache
 * against a Python server.
 *
 * <h2>Transactions</h2>
 * A {@link StorageTransaction} buffers its writes; {@code vote} takes the client's single commit
 * slot (one transaction per connection, as the protocol wants; several may be open, they
 * serialise at vote), sends {@code tpc_begin}, the writes (one-way) and {@code vote};
 * {@code finish} sends {@code tpc_finish} and frees the slot. The tid is known only after
 * {@code finish} ({@link StorageTransaction#tid()} is {@code null} until then).
 *
 * <h2>Threads</h2>
 * {@code zeo-client-reconnect}; per direct connection a reader thread ({@code zeo-client-io-ADDRESS})
 * that reads while no caller does; one Netty event loop ({@code zeo-client-io}) for TLS or
 * authenticated connections. All are stopped by {@link #close()}. Listeners are called in the
 * inbound role, in tid order (other clients' commits with {@code transaction == null}, this
 * client's with its transaction): on the reader thread, on the event loop, or on a thread of the
 * application that is inside a call of this storage. They must be quick, must not wait for other
 * threads of the application, and must not call this storage's remote methods (that fails with
 * IllegalStateException).
 */
public final class ClientStorage implements Storage {
    private static final Logger LOG = LoggerFactory.getLogger(ClientStorage.class);
    private static final int OID_BATCH = 100;

    private final ClientConfig config;
    private final RuleSwitches switches;
    private final ClientCache cache;
    private final List<Address> addresses;
    private final EventLoopGroup group;
    private final Transport transport;
    private final Thread reconnectThread;
    private final String name;

    /** Guards connection changes; notified when the connection state changes or on close. */
    private final Object stateLock = new Object();
    /** The operational connection (verified, invalidations applied directly), or null. */
    private volatile ZeoConnection connection;
    /** The connection whose invalidations are applied to the cache (set on its I/O thread at install). */
    /** TLS and authentication of every connection, built once from the configuration. */
    private final org.jzeo.client.internal.ConnectionSecurity security;
    private volatile ZeoConnection invalidationSource;
    /** Every connection opened and not yet reported closed (closed and waited for by close()). */
    private final Set<ZeoConnection> opened = ConcurrentHashMap.newKeySet();
    /** The tid the cache is consistent with (rule C1: moved only after invalidations applied). */
    private volatile Tid lastTid;
    private volatile boolean closed;
    private volatile boolean everConnected;
    private volatile Map<String, Object> info = Map.of();
    /** How the cache was verified at the last (re)connect, for diagnostics and tests. */
    private volatile Verification lastVerification;

    /** The outcome of a cache verification on (re)connect. */
    enum Verification { EMPTY_CACHE, EQUAL_TID, GET_INVALIDATIONS, JZEO_VERIFY, CLEARED, REFUSED }

    /** Loads in flight from the server, for rule C3. */
    private final Set<InFlightLoad> inFlight = ConcurrentHashMap.newKeySet();
    private final List<StorageListener> listeners = new CopyOnWriteArrayList<>();
    private final Deque<Oid> oidPool = new ArrayDeque<>();
    /** One transaction at a time on the wire (the server accepts one per connection). */
    private final Semaphore commitSlot = new Semaphore(1, true);
    private final AtomicLong txnIds = new AtomicLong();

    /** A load waiting for its reply; {@code invalidated} is written and read on the I/O thread. */
    private static final class InFlightLoad {
        final Oid oid;
        volatile boolean invalidated;

        InFlightLoad(Oid oid) {
            this.oid = oid;
        }
    }

    /**
     * Connects to {@code address} ({@code host:port}, {@code [ipv6]:port} or a Unix socket path)
     * with every other option at its default.
     *
     * @throws ClientDisconnected when no server answered within the wait timeout
     */
    public ClientStorage(String address) {
        this(ClientConfig.of(address), RuleSwitches.NONE, ClientCache::open);
    }

    /**
     * Opens a client as configured.
     *
     * @throws ClientDisconnected when {@code wait} is set and no server answered (and verified the
     *                            cache) within {@code wait-timeout}
     */
    public static ClientStorage open(ClientConfig config) {
        return new ClientStorage(config, RuleSwitches.NONE, ClientCache::open);
    }

    /** ZODB's {@code storageFromString}: opens the client a {@code <zeoclient>} text describes. */
    public static ClientStorage storageFromString(String configText) {
        return open(ClientConfig.fromConfigText(configText));
    }

    /** ZODB's {@code storageFromFile}. */
    public static ClientStorage storageFromFile(java.nio.file.Path file) {
        return open(ClientConfig.fromConfigFile(file));
    }

    /** ZODB's {@code storageFromURL} (any URL Java can read; {@code file:} URLs resolve {@code %include}s). */
    public static ClientStorage storageFromURL(java.net.URL url) {
        try {
            if ("file".equals(url.getProtocol())) {
                return storageFromFile(java.nio.file.Path.of(url.toURI()));
            }
            try (java.io.InputStream in = url.openStream()) {
                return storageFromString(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (java.io.IOException | java.net.URISyntaxException e) {
            throw new IllegalArgumentException("cannot read client configuration " + url, e);
        }
    }

    /** For tests: rule switches and the cache implementation. */
    ClientStorage(ClientConfig config, RuleSwitches switches, Function<ClientCacheConfig, ClientCache> cacheOpener) {
        this.config = Objects.requireNonNull(config, "config");
        this.switches = switches;
        org.jzeo.client.internal.ZeoConnection.directIo(); // a bad -Djzeo.client.io fails here, not per connection
        List<Address> a = new ArrayList<>();
        config.servers().forEach(s -> a.add(Address.parse(s)));
        this.addresses = List.copyOf(a);
        this.security = security(config);
        this.name = !config.name().isEmpty() ? config.name()
                : String.join(",", config.servers()) + (config.storage().equals("1") ? "" : ":" + config.storage());
        ClientCacheConfig cc = config.client() == null || config.client().isEmpty()
                ? ClientCacheConfig.transientCache(config.cacheSize())
                : ClientCacheConfig.persistent(config.cacheSize(), config.cacheDirectory(),
                        config.client() + "-" + config.storage());
        String trace = System.getenv("ZEO_CACHE_TRACE");
        if (cc.isPersistent() && trace != null && !trace.isEmpty()) {
            // As ZEO: a non-empty ZEO_CACHE_TRACE traces a persistent cache's accesses to <cache>.trace.
            cc = new ClientCacheConfig(cc.maxBytes(), cc.directory(), cc.name(),
                    cc.directory().resolve(cc.name() + ".jzc.trace"));
        }
        this.cache = cacheOpener.apply(cc);
        this.lastTid = cache.lastTid();
        // One event loop group serves every address, so one Unix socket among them means NIO.
        this.transport = Transport.forConnections(addresses.stream().anyMatch(Address::isUnix));
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("zeo-client-io", true),
                transport.ioHandlerFactory());
        this.reconnectThread = new Thread(this::connectLoop, "zeo-client-reconnect");
        reconnectThread.setDaemon(true);
        reconnectThread.start();
        if (config.waitForConnection()) {
            long deadline = System.nanoTime() + config.waitTimeout().toNanos();
            synchronized (stateLock) {
                while (!everConnected && !closed) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(stateLock, left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            if (!everConnected) {
                close();
                throw new ClientDisconnected("no ZEO server answered at " + config.servers() + " within "
                        + config.waitTimeout());
            }
        }
    }

    /** The configuration. */
    public ClientConfig config() {
        return config;
    }

    /** Whether a verified connection is in use. */
    public boolean isConnected() {
        ZeoConnection c = connection;
        return c != null && c.isOpen();
    }

    /** The address of the server in use, or {@code null} while disconnected. */
    public String serverAddress() {
        ZeoConnection c = connection;
        return c == null ? null : c.address().toString();
    }

    /** A round trip to the server ({@code ping}). @throws ClientDisconnected while disconnected */
    public void ping() {
        requireConnection("ping").callAndWait("ping", null);
    }

    /** With {@code server-sync}, a {@link #ping()}; otherwise nothing (invalidations arrive by themselves). */
    public void sync() {
        if (config.serverSync()) {
            ping();
        }
    }

    /** The server's status map ({@code server_status}). */
    @SuppressWarnings("unchecked")
    public Map<String, Object> serverStatus() {
        return (Map<String, Object>) requireConnection("server_status").callAndWait("server_status", null);
    }

    /** How the cache was verified at the last (re)connect, or null before the first. */
    Verification lastVerification() {
        return lastVerification;
    }

    /** The cache (for diagnostics and tests). */
    ClientCache cache() {
        return cache;
    }

    // =========================================================== connection management

    private ZeoConnection requireConnection(String what) {
        if (closed) {
            throw new ClientDisconnected("the client storage is closed (" + what + ")");
        }
        ZeoConnection c = connection;
        if (c == null || !c.isOpen()) {
            throw new ClientDisconnected("not connected to a ZEO server (" + what + ")");
        }
        return c;
    }

    /** TLS context and credentials from the configuration (fails early on unreadable key files). */
    private static org.jzeo.client.internal.ConnectionSecurity security(ClientConfig config) {
        io.netty.handler.ssl.SslContext ssl = null;
        org.jzeo.auth.tls.ClientTls tls = null;
        if (config.tls() != null) {
            ClientConfig.Tls t = config.tls();
            tls = new org.jzeo.auth.tls.ClientTls(t.certificate(), t.key(),
                    t.passwordFunction() == null ? null : org.jzeo.auth.tls.PasswordSource.parse(t.passwordFunction()),
                    t.authenticate(), t.checkHostname(), t.serverHostname());
            ssl = org.jzeo.auth.tls.TlsContexts.client(tls);
        }
        if (config.username() == null || config.username().isEmpty()) {
            return new org.jzeo.client.internal.ConnectionSecurity(ssl, tls, null, null);
        }
        org.jzeo.auth.Credentials credentials = new org.jzeo.auth.Credentials(config.username(),
                config.password() == null ? new char[0] : config.password().toCharArray(), config.realm());
        return new org.jzeo.client.internal.ConnectionSecurity(ssl, tls, "digest", credentials);
    }

    private Duration callTimeout() {
        return config.waitTimeout();
    }

    /** Body of {@code zeo-client-reconnect}: connects, then waits for a loss (or polls for a writable server). */
    private void connectLoop() {
        long min = config.minDisconnectPoll().toNanos();
        long max = config.maxDisconnectPoll().toNanos();
        long delay = min;
        while (!closed) {
            ZeoConnection current = connection;
            boolean upgrade = current != null && current.readOnly && config.readOnlyFallback() && !config.readOnly();
            if (current == null || !current.isOpen() || upgrade) {
                boolean installed;
                try {
                    installed = connectOnce(upgrade ? current : null);
                } catch (RuntimeException e) {
                    LOG.warn("connecting to {} failed: {}", config.servers(), e.toString());
                    installed = false;
                }
                if (installed) {
                    delay = min;
                    ZeoConnection now = connection; // may already be gone again: never NPE this thread
                    if (now == null || !now.readOnly || !config.readOnlyFallback()) {
                        continue; // now wait for a loss (or reconnect at once if it is gone)
                    }
                }
                // poll again later, with backoff and jitter
                long jittered = (long) (delay * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
                sleepUnlessClosed(jittered);
                delay = Math.min(max, delay * 2);
            } else {
                synchronized (stateLock) {
                    while (!closed && connection == current && current.isOpen()) {
                        try {
                            stateLock.wait(1000);
                        } catch (InterruptedException e) {
                            if (closed) {
                                return;
                            }
                        }
                    }
                }
                delay = min;
            }
        }
    }

    private void sleepUnlessClosed(long nanos) {
        long deadline = System.nanoTime() + nanos;
        synchronized (stateLock) {
            while (!closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(stateLock, left);
                } catch (InterruptedException e) {
                    if (closed) {
                        return;
                    }
                }
            }
        }
    }

    private record Registered(ZeoConnection connection, Tid serverTid) {
    }

    /**
     * One round over the addresses. Returns whether a connection was installed. With
     * {@code readOnlyCurrent} (a read-only connection in use), only a writable server is taken,
     * and then replaces it.
     */
    private boolean connectOnce(ZeoConnection readOnlyCurrent) {
        Registered fallback = null;
        for (Address address : addresses) {
            if (closed) {
                break;
            }
            if (readOnlyCurrent != null && address.equals(readOnlyCurrent.address())) {
                continue; // Python likewise keeps the read-only connection to that server
            }
            Registered r = null;
            try {
                r = register(address);
            } catch (RuntimeException e) {
                LOG.debug("{}: {}", address, e.toString());
                continue;
            }
            if (r.connection.readOnly && config.readOnlyFallback() && !config.readOnly()) {
                if (readOnlyCurrent != null || fallback != null) {
                    r.connection.close();
                } else {
                    fallback = r;
                }
                continue;
            }
            if (fallback != null) {
                fallback.connection.close();
            }
            if (readOnlyCurrent != null) {
                LOG.info("a writable server answered at {}; leaving the read-only server {}", address,
                        readOnlyCurrent.address());
                detach(readOnlyCurrent);
            }
            return verifyAndInstall(r);
        }
        if (fallback != null) {
            LOG.info("no writable server; using the read-only server at {}", fallback.connection.address());
            return verifyAndInstall(fallback);
        }
        return false;
    }

    /** Connects and registers (the read-only-fallback dance on the same connection). */
    private Registered register(Address address) {
        ZeoConnection c = ZeoConnection.open(group, transport, address, config.maxFrameSize(), callTimeout(),
                config.heartbeatInterval(), callbacks, security);
        opened.add(c);
        if (closed) {
            c.close(); // close() may have looked at opened already
        }
        try {
            Object tid;
            if (config.readOnly()) {
                c.readOnly = true;
                tid = c.callAndWait("register", callTimeout(), config.storage(), 1L);
            } else {
                try {
                    // the Python client sends its read-only flag as the int 0 (fixture seq 3)
                    tid = c.callAndWait("register", callTimeout(), config.storage(), 0L);
                } catch (ReadOnlyError e) {
                    if (!config.readOnlyFallback()) {
                        throw e;
                    }
                    tid = c.callAndWait("register", callTimeout(), config.storage(), Boolean.TRUE);
                    c.readOnly = true;
                }
            }
            return new Registered(c, Values.tid(tid));
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** Drops a connection that was in use. */
    private void detach(ZeoConnection c) {
        synchronized (stateLock) {
            if (connection == c) {
                connection = null;
            }
            stateLock.notifyAll();
        }
        c.close();
    }

    /**
     * Verifies the cache against the server (client-cache spec §6), then installs the connection on
     * its I/O thread, applying the invalidations held meanwhile (rule C2).
     */
    private boolean verifyAndInstall(Registered r) {
        ZeoConnection c = r.connection;
        Tid serverTid = r.serverTid;
        try {
            Tid cacheTid = cache.lastTid();
            Tid verified;
            boolean empty = cache.size() == 0;
            if (empty) {
                if (cacheTid.compareTo(serverTid) > 0) {
                    cache.clear();
                }
                verified = serverTid;
                lastVerification = Verification.EMPTY_CACHE;
            } else if (cacheTid.compareTo(serverTid) > 0) {
                lastVerification = Verification.REFUSED;
                LOG.error("CRITICAL: Client cache is out of sync with the server at {}: the cache is at {} but the"
                        + " server only at {}. Verify that this is the right server, or delete the cache file.",
                        c.address(), cacheTid, serverTid);
                c.close();
                return false;
            } else if (cacheTid.equals(serverTid)) {
                verified = serverTid;
                lastVerification = Verification.EQUAL_TID;
            } else {
                verified = catchUp(c, cacheTid, serverTid);
            }
            Tid v = verified;
            c.runOnIoThread(() -> install(c, v));
        } catch (RuntimeException e) {
            LOG.warn("verification with {} failed: {}", c.address(), e.toString());
            detach(c);
            return false;
        }
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) c.callAndWait("get_info", callTimeout());
            info = new LinkedHashMap<>(m);
            if (config.clientLabel() != null && !config.clientLabel().isEmpty()) {
                c.send("set_client_label", config.clientLabel());
            }
        } catch (RuntimeException e) {
            LOG.warn("get_info from {} failed: {}", c.address(), e.toString());
            detach(c);
            return false;
        }
        // Operational only now, after get_info, as a ZEO client is (wire spec §10.1 step 3).
        synchronized (stateLock) {
            if (closed) {
                c.close();
                return false;
            }
            connection = c;
            everConnected = true;
            stateLock.notifyAll();
        }
        LOG.info("connected to {} ({}{}), storage {}, last transaction {}", c.address(), c.protocol(),
                c.readOnly ? ", read-only" : "", config.storage(), lastTid);
        if (!c.isOpen()) {
            detach(c);
            return false;
        }
        return true;
    }

    /** getInvalidations, or a full verification when the server's queue is too short. */
    /**
     * The oids a reconnect's verification dropped, reported to the listeners when the connection is
     * installed (a layer above, e.g. an object cache, must hear of changes it missed while we were
     * away). Written by the reconnect thread before install is queued on the I/O thread.
     */
    private Set<Oid> verificationChanges = Set.of();

    private Tid catchUp(ZeoConnection c, Tid cacheTid, Tid serverTid) {
        Set<Oid> changed = new LinkedHashSet<>();
        Object r = c.callAndWait("getInvalidations", callTimeout(), cacheTid.toBytes());
        if (r != null) {
            List<Object> pair = Values.sequence(r);
            Tid t = Values.tid(pair.get(0));
            if (t.compareTo(serverTid) >= 0) {
                int n = 0;
                for (Object o : Values.sequence(pair.get(1))) {
                    cache.invalidate(Values.oid(o), null);
                    changed.add(Values.oid(o));
                    n++;
                }
                LOG.info("cache verified by getInvalidations: {} objects invalidated up to {}", n, t);
                lastVerification = Verification.GET_INVALIDATIONS;
                verificationChanges = changed;
                return t;
            }
        }
        if (isJzeoServer(c)) {
            Map<Oid, Tid> current = cache.currentRevisions();
            List<Object> pairs = new ArrayList<>(current.size());
            current.forEach((oid, tid) -> pairs.add(List.of(oid.toBytes(), tid.toBytes())));
            Object stale = c.callAndWait("jzeo_verify", null, pairs);
            int n = 0;
            for (Object o : Values.sequence(stale)) {
                cache.invalidate(Values.oid(o), null);
                changed.add(Values.oid(o));
                n++;
            }
            LOG.info("full cache verification (jzeo_verify): {} of {} current objects were stale", n, current.size());
            lastVerification = Verification.JZEO_VERIFY;
        } else {
            LOG.info("the server cannot list the invalidations since {}; dropping the cache", cacheTid);
            changed.addAll(cache.currentRevisions().keySet()); // anything cached may have changed
            cache.clear();
            lastVerification = Verification.CLEARED;
        }
        verificationChanges = changed;
        return serverTid;
    }

    /** Whether the server is jzeo (its server_status names jzeo_verify); only asked when needed. */
    private boolean isJzeoServer(ZeoConnection c) {
        Object status = c.callAndWait("server_status", callTimeout());
        return status instanceof Map<?, ?> m && m.containsKey("jzeo");
    }

    /** On the I/O thread: rule C2, then the connection becomes the one in use. */
    private void install(ZeoConnection c, Tid verified) {
        if (!c.isOpen()) {
            throw new ClientDisconnected("connection to " + c.address() + " closed during verification");
        }
        if (verified.compareTo(cache.lastTid()) > 0) {
            cache.setLastTid(verified);
        }
        if (verified.compareTo(lastTid) > 0 || cache.lastTid().compareTo(lastTid) < 0) {
            lastTid = cache.lastTid();
        }
        Set<Oid> missed = verificationChanges;
        verificationChanges = Set.of();
        if (!missed.isEmpty()) {
            notifyListeners(null, verified, missed); // what changed while we were away, at the verified tid
        }
        // C2: invalidations held during register/verification, in arrival (= tid) order; those at
        // or below the verified tid are already reflected.
        for (Message m : c.held) {
            Tid tid = Values.tid(m.arg(0));
            if (tid.compareTo(verified) > 0) {
                applyInvalidation(tid, m.arg(1));
            }
        }
        c.held.clear();
        c.operational = true;
        // From now on this connection's invalidations update the cache (and no other's); it is
        // used for calls only after get_info (verifyAndInstall).
        invalidationSource = c;
    }

    private final ZeoConnection.Callbacks callbacks = new ZeoConnection.Callbacks() {
        @Override
        public void serverCall(ZeoConnection c, Message m) {
            switch (m.method()) {
                case "invalidateTransaction" -> {
                    if (!c.operational) {
                        if (!switches.breakC2()) {
                            c.held.add(m); // C2
                        }
                    } else if (c == invalidationSource) {
                        applyInvalidation(Values.tid(m.arg(0)), m.arg(1));
                    }
                }
                case "info" -> {
                    if (m.arg(0) instanceof Map<?, ?> update) {
                        Map<String, Object> merged = new LinkedHashMap<>(info);
                        update.forEach((k, v) -> merged.put(String.valueOf(k), v));
                        info = merged;
                    }
                }
                case "receiveBlobStart", "receiveBlobChunk", "receiveBlobStop" ->
                        LOG.warn("{}: blobs are not supported; ignoring {}", c.address(), m.method());
                default -> LOG.warn("{}: unknown server call {}", c.address(), m.method());
            }
        }

        @Override
        public void closed(ZeoConnection c) {
            opened.remove(c);
            if (invalidationSource == c) {
                invalidationSource = null;
            }
            synchronized (stateLock) {
                if (connection == c) {
                    connection = null;
                    if (!closed) {
                        LOG.warn("disconnected from {}", c.address());
                    }
                }
                stateLock.notifyAll();
            }
        }
    };

    /**
     * On the I/O thread: another client committed {@code tid}. Rule C1: in tid order; the cache is
     * invalidated before {@link #lastTransaction()} moves.
     */
    private void applyInvalidation(Tid tid, Object oidList) {
        if (tid.compareTo(lastTid) <= 0) {
            LOG.warn("ignoring an invalidation for {} at or below the last tid {}", tid, lastTid);
            return;
        }
        Set<Oid> oids = new LinkedHashSet<>();
        for (Object o : Values.sequence(oidList)) {
            oids.add(Values.oid(o));
        }
        if (switches.breakC1()) {
            moveLastTid(tid); // deliberately wrong order (test switch)
        }
        markInFlight(oids);
        for (Oid oid : oids) {
            cache.invalidate(oid, tid);
        }
        if (!switches.breakC1()) {
            moveLastTid(tid); // C1: only after the cache no longer holds anything T replaced
        }
        notifyListeners(null, tid, oids);
    }

    private void moveLastTid(Tid tid) {
        if (tid.compareTo(cache.lastTid()) > 0) {
            cache.setLastTid(tid);
        }
        lastTid = tid;
        switches.afterLastTidMoved().accept(tid);
    }

    /** C3: loads of these oids now in flight must not be cached as current. */
    private void markInFlight(Set<Oid> oids) {
        for (InFlightLoad f : inFlight) {
            if (oids.contains(f.oid)) {
                f.invalidated = true;
            }
        }
    }

    private void notifyListeners(StorageTransaction txn, Tid tid, Set<Oid> oids) {
        Set<Oid> view = Collections.unmodifiableSet(oids);
        for (StorageListener l : listeners) {
            try {
                l.committed(this, txn, tid, view);
            } catch (RuntimeException e) {
                LOG.error("storage listener {} failed", l, e);
            }
        }
    }

    // =========================================================== Storage: metadata

    @Override
    public String getName() {
        return name;
    }

    @Override
    public long getSize() {
        Object v = info.get("size");
        return v == null ? 0 : Values.toLong(v);
    }

    @Override
    public long objectCount() {
        Object v = info.get("length");
        return v == null ? 0 : Values.toLong(v);
    }

    /** The tid the client's view is at: the cache's last tid (rule C1). Works while disconnected. */
    @Override
    public Tid lastTransaction() {
        return lastTid;
    }

    /** The last {@code get_info} map merged with later {@code info} callbacks. */
    public Map<String, Object> info() {
        return Collections.unmodifiableMap(info);
    }

    @Override
    public boolean supportsUndo() {
        return Values.truthy(info.getOrDefault("supportsUndo", Boolean.TRUE));
    }

    @Override
    public boolean supportsRecordIteration() {
        return Values.truthy(info.get("supports_record_iternext"));
    }

    @Override
    public Oid nextOid(Oid start) {
        if (!supportsRecordIteration()) {
            throw new UnsupportedOperationException("the server's storage does not support record iteration");
        }
        Object r = requireConnection("record_iternext").callAndWait("record_iternext", null, start.toBytes());
        if (r == null) {
            return null;
        }
        List<Object> rec = Values.sequence(r);
        return rec.isEmpty() || rec.get(0) == null ? null : Values.oid(rec.get(0));
    }

    /**
     * True when the client is configured read-only, uses a read-only (fallback) server, or is
     * disconnected.
     */
    @Override
    public boolean isReadOnly() {
        ZeoConnection c = connection;
        return config.readOnly() || c == null || c.readOnly;
    }

    @Override
    public void addListener(StorageListener listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    @Override
    public void removeListener(StorageListener listener) {
        listeners.remove(listener);
    }

    // =========================================================== reading

    @Override
    public Oid newOid() {
        synchronized (oidPool) {
            if (oidPool.isEmpty()) {
                if (config.readOnly()) {
                    throw new ReadOnlyError("read-only client");
                }
                // Python's client sends new_oids() without an argument: a batch of 100
                Object r = requireConnection("new_oids").callAndWait("new_oids", null);
                for (Object o : Values.sequence(r)) {
                    oidPool.add(Values.oid(o));
                }
                if (oidPool.isEmpty()) {
                    throw new StorageException("the server returned no new oids");
                }
            }
            return oidPool.poll();
        }
    }

    @Override
    public List<Oid> newOids(int count) {
        List<Oid> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(newOid());
        }
        return out;
    }

    /**
     * The cache first; on a miss, the server ({@code loadBefore}), whose answer is cached (rule C3).
     * While disconnected a miss fails with {@link ClientDisconnected}.
     */
    @Override
    public LoadResult loadBefore(Oid oid, Tid before) {
        if (closed) {
            throw new ClientDisconnected("the client storage is closed (load of " + oid + ")");
        }
        // Read before the cache: every transaction up to it is reflected there (C1).
        Tid known = lastTid;
        CacheEntry hit = cache.loadBefore(oid, before);
        if (hit != null && (hit.end() != null || before.equals(Tid.MAX) || before.compareTo(known.next()) <= 0)) {
            return new LoadResult(hit.data(), hit.start(), hit.end());
        }
        // A cached current revision is known current only up to lastTransaction(): a state past
        // it (say just after a revision another thread has loaded from the server, before this
        // client applied that transaction) may include a newer revision, so the server answers.
        ZeoConnection c = requireConnection("load of " + oid + " (not in the cache)");
        InFlightLoad f = new InFlightLoad(oid);
        // registered before the request leaves: an invalidation handled after this point marks it
        inFlight.add(f);
        try {
            Object r = c.await(c.call("loadBefore", result -> cacheLoadResult(f, result), oid.toBytes(),
                    before.toBytes()), "loadBefore", null);
            if (r == null) {
                return null;
            }
            List<Object> t = Values.sequence(r);
            return new LoadResult(Values.bytes(t.get(0)), Values.tid(t.get(1)),
                    t.get(2) == null ? null : Values.tid(t.get(2)));
        } finally {
            inFlight.remove(f);
        }
    }

    /** Requests in flight at most during {@link #prefetch}. */
    private static final int PREFETCH_WINDOW = 256;
    /** Requests written per flush during {@link #prefetch}. */
    private static final int PREFETCH_BATCH = 32;

    /**
     * Loads the current revisions of {@code oids} into the cache with many requests in flight at
     * once (up to 256, sent 32 per write), as ZEO 5's prefetch does, and returns once every reply
     * was handled: afterwards {@link #load} of those objects is a cache hit. Objects already cached
     * are skipped and ones the server does not have are ignored; rule C3 applies as to a load (an
     * object invalidated while its request was in flight is not cached as current).
     *
     * @return how many objects were fetched from the server
     * @throws ClientDisconnected when not connected, or the connection is lost meanwhile
     */
    public int prefetch(java.util.Collection<Oid> oids) {
        ZeoConnection c = requireConnection("prefetch");
        // The oldest requests are waited for first; waiting is what reads the replies of a
        // connection whose callers do their own I/O.
        java.util.ArrayDeque<CompletableFuture<Object>> window = new java.util.ArrayDeque<>(PREFETCH_WINDOW);
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        byte[] max = Tid.MAX.toBytes();
        int fetched = 0;
        int unflushed = 0;
        for (Oid oid : oids) {
            if (failure.get() != null) {
                break;
            }
            if (cache.loadBefore(oid, Tid.MAX) != null) {
                continue;
            }
            if (window.size() == PREFETCH_WINDOW) {
                c.flush();
                unflushed = 0;
                awaitPrefetch(c, window.poll());
            }
            InFlightLoad f = new InFlightLoad(oid);
            inFlight.add(f); // before the request leaves, as for load (C3)
            CompletableFuture<Object> reply = c.callUnflushed("loadBefore", result -> cacheLoadResult(f, result),
                    oid.toBytes(), max);
            reply.whenComplete((r, e) -> {
                inFlight.remove(f);
                if (e != null && !(e instanceof POSKeyError)) {
                    failure.compareAndSet(null, e);
                }
            });
            window.add(reply);
            fetched++;
            if (++unflushed == PREFETCH_BATCH) {
                c.flush();
                unflushed = 0;
            }
        }
        c.flush();
        while (!window.isEmpty()) {
            awaitPrefetch(c, window.poll());
        }
        Throwable t = failure.get();
        if (t != null) {
            throw t instanceof ClientDisconnected cd ? cd : new ClientDisconnected("prefetch failed: " + t, t);
        }
        return fetched;
    }

    private void awaitPrefetch(ZeoConnection c, CompletableFuture<Object> reply) {
        if (!c.awaitDone(reply, callTimeout())) {
            throw new ClientDisconnected("no prefetch replies from " + c.address() + " within " + callTimeout());
        }
    }

    /** On the I/O thread, when a loadBefore reply arrives (rule C3). */
    private void cacheLoadResult(InFlightLoad f, Object result) {
        inFlight.remove(f);
        switches.beforeLoadCached().accept(f.oid);
        if (result == null) {
            return;
        }
        List<Object> t = Values.sequence(result);
        byte[] data = Values.bytes(t.get(0));
        Tid start = Values.tid(t.get(1));
        Tid end = t.get(2) == null ? null : Values.tid(t.get(2));
        if (end == null && f.invalidated && !switches.breakC3()) {
            return; // C3: an invalidation overtook this load; its "current" may be stale
        }
        if (end == null && start.compareTo(lastTid) > 0) {
            return; // newer than our view (a server breaking S3): not cached as current
        }
        try {
            cache.store(f.oid, start, end, data);
        } catch (RuntimeException e) {
            LOG.debug("not caching {} at {}: {}", f.oid, start, e.toString());
        }
    }

    /** Always asks the server (a pack may have removed the revision since it was cached). */
    @Override
    public byte[] loadSerial(Oid oid, Tid serial) {
        return Values.bytes(requireConnection("loadSerial").callAndWait("loadSerial", null, oid.toBytes(),
                serial.toBytes()));
    }

    @Override
    public List<HistoryEntry> history(Oid oid, int size) {
        Object r = requireConnection("history").callAndWait("history", null, oid.toBytes(), (long) size);
        List<HistoryEntry> out = new ArrayList<>();
        for (Object o : Values.sequence(r)) {
            Map<?, ?> m = (Map<?, ?>) o;
            Map<String, Object> ext = new LinkedHashMap<>();
            m.forEach((k, v) -> ext.put(String.valueOf(k), v));
            for (String k : List.of("tid", "time", "user_name", "description", "size")) {
                ext.remove(k);
            }
            out.add(new HistoryEntry(Values.tid(m.get("tid")), ((Number) m.get("time")).doubleValue(),
                    bytesOf(m.get("user_name")), bytesOf(m.get("description")), Values.toLong(m.get("size")),
                    Pickles.dumpExtension(ext)));
        }
        return out;
    }

    private static byte[] bytesOf(Object v) {
        if (v == null) {
            return new byte[0];
        }
        return v instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : Values.bytes(v);
    }

    // =========================================================== undo, pack, iteration

    /**
     * Undoable transactions among those {@code filter} accepts. The filter runs here (a predicate
     * cannot travel), so the server's {@code undoLog} is read in pages from the newest.
     */
    @Override
    public List<TransactionDescription> undoLog(int first, int last, Predicate<TransactionDescription> filter) {
        if (last < 0) {
            last = first - last;
        }
        List<TransactionDescription> out = new ArrayList<>();
        if (last <= first) {
            return out;
        }
        ZeoConnection c = requireConnection("undoLog");
        int want = last;
        int accepted = 0;
        int from = 0;
        int page = want; // one call when the filter accepts everything, as Python's undoLog(first, last)
        while (true) {
            List<Object> batch = Values.sequence(c.callAndWait("undoLog", null, (long) from, (long) (from + page)));
            for (Object o : batch) {
                TransactionDescription d = description((Map<?, ?>) o);
                if (filter == null || filter.test(d)) {
                    if (accepted >= first) {
                        out.add(d);
                    }
                    accepted++;
                    if (accepted >= want) {
                        return out;
                    }
                }
            }
            if (batch.size() < page) {
                return out;
            }
            from += page;
        }
    }

    /** Sent as {@code undoInfo(first, last, spec)}; the server filters. */
    @Override
    public List<TransactionDescription> undoInfo(int first, int last, Map<String, byte[]> specification) {
        Object spec = specification == null || specification.isEmpty() ? null : new LinkedHashMap<>(specification);
        Object r = requireConnection("undoInfo").callAndWait("undoInfo", null, (long) first, (long) last, spec);
        List<TransactionDescription> out = new ArrayList<>();
        for (Object o : Values.sequence(r)) {
            out.add(description((Map<?, ?>) o));
        }
        return out;
    }

    private static TransactionDescription description(Map<?, ?> m) {
        byte[] id = bytesOf(m.get("id"));
        double time = ((Number) m.get("time")).doubleValue();
        Map<String, Object> ext = new LinkedHashMap<>();
        m.forEach((k, v) -> ext.put(String.valueOf(k), v));
        for (String k : List.of("id", "time", "user_name", "description", "size")) {
            ext.remove(k);
        }
        TransactionMetaData md = new TransactionMetaData(bytesOf(m.get("user_name")), bytesOf(m.get("description")),
                Pickles.dumpExtension(ext));
        Object size = m.get("size");
        return new TransactionDescription(id, tidOfUndoId(id, time), time, md, size == null ? 0 : Values.toLong(size));
    }

    /** FileStorage and MemoryStorage undo ids are the base64 of the tid; else the time gives an approximation. */
    private static Tid tidOfUndoId(byte[] id, double time) {
        try {
            byte[] raw = Base64.getDecoder().decode(id);
            if (raw.length == 8) {
                return Tid.of(raw);
            }
        } catch (IllegalArgumentException e) {
            // not base64
        }
        return Tid.fromEpochSeconds(time);
    }

    /**
     * Packs on the server ({@code pack(t, wait=1)}). The ZEO protocol has no garbage-collection
     * flag: the server decides ({@code gc} is ignored; jzeo and Python servers collect). Afterwards
     * this client's cache is emptied (keeping its last tid), since it may hold revisions the pack
     * removed; other clients' caches are not told (as in ZEO).
     */
    @Override
    public void pack(double packTime, boolean gc) {
        if (config.readOnly()) {
            throw new ReadOnlyError("read-only client");
        }
        ZeoConnection c = requireConnection("pack");
        c.callAndWait("pack", null, packTime, 1L);
        // The server does not say what the pack removed; the cache may hold revisions (and
        // collected objects) the server no longer has. Start the cache afresh at the same tid, on
        // the I/O thread so no invalidation or load result interleaves.
        if (c.isOpen()) {
            c.runOnIoThread(() -> {
                Tid keep = cache.lastTid();
                cache.clear();
                if (keep.compareTo(Tid.ZERO) > 0) {
                    cache.setLastTid(keep);
                }
            });
        }
    }

    @Override
    public CloseableIterator<TransactionRecord> iterator(Tid start, Tid stop) {
        ZeoConnection c = requireConnection("iterator");
        Object iid = c.callAndWait("iterator_start", null, start == null ? null : start.toBytes(),
                stop == null ? null : stop.toBytes());
        return new RemoteIterator(c, Values.toLong(iid));
    }

    /** A server-side transaction iterator, read one transaction (and all its records) at a time. */
    private static final class RemoteIterator implements CloseableIterator<TransactionRecord> {
        private final ZeoConnection c;
        private final long iid;
        private TransactionRecord next;
        private boolean done;

        RemoteIterator(ZeoConnection c, long iid) {
            this.c = c;
            this.iid = iid;
        }

        @Override
        public boolean hasNext() {
            if (next == null && !done) {
                Object r = c.callAndWait("iterator_next", null, iid);
                if (r == null) {
                    done = true; // the server forgot the iterator
                } else {
                    List<Object> t = Values.sequence(r);
                    Tid tid = Values.tid(t.get(0));
                    String status = Values.text(t.get(1));
                    Map<String, Object> ext = new LinkedHashMap<>();
                    if (t.get(4) instanceof Map<?, ?> m) {
                        m.forEach((k, v) -> ext.put(String.valueOf(k), v));
                    }
                    TransactionMetaData md = new TransactionMetaData(bytesOf(t.get(2)), bytesOf(t.get(3)),
                            Pickles.dumpExtension(ext));
                    long riid = Values.toLong(c.callAndWait("iterator_record_start", null, iid, tid.toBytes()));
                    List<DataRecord> records = new ArrayList<>();
                    while (true) {
                        Object rec = c.callAndWait("iterator_record_next", null, riid);
                        if (rec == null) {
                            break;
                        }
                        List<Object> d = Values.sequence(rec);
                        records.add(new DataRecord(Values.oid(d.get(0)), Values.tid(d.get(1)),
                                d.get(2) == null ? null : Values.bytes(d.get(2)),
                                d.get(3) == null ? null : Values.tid(d.get(3))));
                    }
                    next = new TransactionRecord(tid, status.isEmpty() ? ' ' : status.charAt(0), md,
                            List.copyOf(records));
                }
            }
            return next != null;
        }

        @Override
        public TransactionRecord next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            TransactionRecord r = next;
            next = null;
            return r;
        }

        @Override
        public void close() {
            if (!done) {
                done = true;
                next = null;
                if (c.isOpen()) {
                    c.send("iterator_gc", List.of(iid));
                }
            }
        }
    }

    // =========================================================== two-phase commit

    @Override
    public StorageTransaction tpcBegin(TransactionMetaData metadata) {
        return begin(metadata, null, ' ');
    }

    @Override
    public StorageTransaction tpcBegin(TransactionMetaData metadata, Tid tid, char status) {
        return begin(metadata, Objects.requireNonNull(tid, "tid"), status);
    }

    private StorageTransaction begin(TransactionMetaData metadata, Tid tid, char status) {
        if (closed) {
            throw new ClientDisconnected("the client storage is closed");
        }
        if (config.readOnly()) {
            throw new ReadOnlyError("read-only client");
        }
        ZeoConnection c = connection;
        if (c != null && c.readOnly) {
            throw new ReadOnlyError("connected to a read-only server");
        }
        return new ClientTransaction(metadata == null ? TransactionMetaData.EMPTY : metadata, tid, status);
    }

    private sealed interface Op permits Store, Delete, Check, Undo, Restore {
    }

    private record Store(Oid oid, Tid serial, byte[] data) implements Op {
    }

    private record Delete(Oid oid, Tid serial) implements Op {
    }

    private record Check(Oid oid, Tid serial) implements Op {
    }

    private record Undo(byte[] id) implements Op {
    }

    private record Restore(Oid oid, Tid serial, byte[] data, Tid dataTxn) implements Op {
    }

    private enum State { OPEN, VOTED, FAILED, FINISHED, ABORTED }

    /** Buffers writes until vote; one at a time on the wire (the commit slot). */
    private final class ClientTransaction implements StorageTransaction {
        private final TransactionMetaData metadata;
        private final Tid explicitTid;
        private final char status;
        private final List<Op> ops = new ArrayList<>();
        private State state = State.OPEN;
        private boolean holdsSlot;
        private boolean begunOnServer;
        private ZeoConnection conn;
        private long txnId;
        private Tid tid;
        private Set<Oid> resolved = Set.of();

        ClientTransaction(TransactionMetaData metadata, Tid explicitTid, char status) {
            this.metadata = metadata;
            this.explicitTid = explicitTid;
            this.status = status;
            this.tid = explicitTid;
        }

        @Override
        public TransactionMetaData metadata() {
            return metadata;
        }

        private synchronized void add(Op op) {
            if (state != State.OPEN) {
                throw new StorageTransactionError("transaction is " + state.name().toLowerCase() + ": no more writes");
            }
            ops.add(op);
        }

        @Override
        public void store(Oid oid, Tid serial, byte[] data) {
            add(new Store(oid, serial, data.clone()));
        }

        @Override
        public void deleteObject(Oid oid, Tid serial) {
            add(new Delete(oid, serial));
        }

        @Override
        public void checkCurrentSerialInTransaction(Oid oid, Tid serial) {
            add(new Check(oid, serial));
        }

        /**
         * Queues the undo. The oids it changes are reported by {@link #vote()}; as a preview, when
         * the id is a base64 tid (FileStorage, MemoryStorage), the oids of that transaction are
         * read from the server's iterator.
         */
        @Override
        public List<Oid> undo(byte[] transactionId) {
            add(new Undo(transactionId.clone()));
            try {
                byte[] raw = Base64.getDecoder().decode(transactionId);
                if (raw.length == 8) {
                    Tid t = Tid.of(raw);
                    try (CloseableIterator<TransactionRecord> it = iterator(t, t)) {
                        if (it.hasNext()) {
                            Set<Oid> oids = new LinkedHashSet<>();
                            it.next().records().forEach(r -> oids.add(r.oid()));
                            return List.copyOf(oids);
                        }
                    }
                }
            } catch (IllegalArgumentException e) {
                // an opaque id: the oids come with vote
            }
            return List.of();
        }

        @Override
        public void restore(Oid oid, Tid serial, byte[] data, Tid dataTxn) {
            if (explicitTid == null) {
                throw new StorageTransactionError("restore needs a transaction begun with an explicit tid");
            }
            add(new Restore(oid, serial, data == null ? null : data.clone(), dataTxn));
        }

        @Override
        public List<Oid> vote() {
            synchronized (this) {
                if (state != State.OPEN) {
                    throw new StorageTransactionError("vote on a " + state.name().toLowerCase() + " transaction");
                }
            }
            try {
                commitSlot.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ClientDisconnected("interrupted while waiting for the commit slot", e);
            }
            holdsSlot = true;
            try {
                conn = requireConnection("vote");
                if (conn.readOnly) {
                    throw new ReadOnlyError("connected to a read-only server");
                }
                txnId = txnIds.incrementAndGet();
                Map<String, Object> ext = new LinkedHashMap<>(Pickles.loadExtension(metadata.extension()));
                begunOnServer = true;
                conn.queue("tpc_begin", txnId, metadata.user(), metadata.description(), ext,
                        explicitTid == null ? null : explicitTid.toBytes(), String.valueOf(status));
                for (Op op : ops) {
                    if (op instanceof Store s) {
                        conn.queue("storea", s.oid.toBytes(), s.serial.toBytes(), s.data, txnId);
                    } else if (op instanceof Delete d) {
                        conn.queue("deleteObject", d.oid.toBytes(), d.serial.toBytes(), txnId);
                    } else if (op instanceof Check k) {
                        conn.queue("checkCurrentSerialInTransaction", k.oid.toBytes(), k.serial.toBytes(), txnId);
                    } else if (op instanceof Undo u) {
                        conn.queue("undoa", u.id, txnId);
                    } else if (op instanceof Restore r) {
                        conn.queue("restorea", r.oid.toBytes(), r.serial.toBytes(), r.data,
                                r.dataTxn == null ? null : r.dataTxn.toBytes(), txnId);
                    }
                }
                Object result = conn.callAndWait("vote", null, txnId); // flushes the queued calls too
                Set<Oid> touched = new LinkedHashSet<>();
                List<Oid> out = new ArrayList<>();
                if (result != null) {
                    for (Object o : Values.sequence(result)) {
                        if (o instanceof Map<?, ?>) {
                            throw new StorageException("the server returned conflicts to resolve"
                                    + " (client-conflict-resolution), which this client does not support");
                        }
                        Oid oid = Values.oid(o);
                        if (touched.add(oid)) {
                            out.add(oid);
                        }
                    }
                }
                resolved = touched;
                synchronized (this) {
                    state = State.VOTED;
                }
                return out;
            } catch (RuntimeException e) {
                synchronized (this) {
                    state = State.FAILED;
                }
                // No cache change on a ConflictError: the invalidation of the committed serial was
                // queued by the server before this reply (S3) and is already applied (C1).
                releaseSlot(); // the server aborted the transaction and released its lock
                throw e;
            }
        }

        private synchronized void releaseSlot() {
            if (holdsSlot) {
                holdsSlot = false;
                commitSlot.release();
            }
        }

        @Override
        public Tid finish() {
            synchronized (this) {
                if (state != State.VOTED) {
                    throw new StorageTransactionError("finish without a successful vote (transaction is "
                            + state.name().toLowerCase() + ")");
                }
            }
            try {
                if (connection != conn || !conn.isOpen()) {
                    throw new ClientDisconnected("the connection of this transaction was lost before finish");
                }
                Object r = conn.await(conn.call("tpc_finish", result -> committed(Values.tid(result)), txnId),
                        "tpc_finish", null);
                Tid t = Values.tid(r);
                synchronized (this) {
                    tid = t;
                    state = State.FINISHED;
                }
                return t;
            } catch (RuntimeException e) {
                synchronized (this) {
                    state = State.FAILED;
                }
                // Any failure once tpc_finish may have been sent leaves the outcome or the cache's
                // state unknown (wire spec §11): drop the connection; reconnecting re-verifies.
                ZeoConnection c = conn;
                if (c != null && !(e instanceof StorageTransactionError)) {
                    c.close();
                }
                throw e;
            } finally {
                releaseSlot();
            }
        }

        /** On the I/O thread, when the tpc_finish reply arrives: the own-commit cache rule. */
        private void committed(Tid t) {
            synchronized (this) {
                tid = t;
            }
            Set<Oid> oids = new LinkedHashSet<>();
            Map<Oid, byte[]> data = new LinkedHashMap<>();
            for (Op op : ops) {
                if (op instanceof Store s) {
                    oids.add(s.oid);
                    data.put(s.oid, s.data);
                } else if (op instanceof Delete d) {
                    oids.add(d.oid);
                    data.remove(d.oid);
                } else if (op instanceof Restore r) {
                    oids.add(r.oid);
                    data.remove(r.oid);
                }
            }
            oids.addAll(resolved);
            boolean late = t.compareTo(lastTid) <= 0;
            if (late) {
                // A later transaction was applied first (a server breaking wire spec §10(c)): our data
                // may already be superseded, so drop these oids instead of caching them as current.
                LOG.warn("own commit {} is not after the last tid {}: not caching its data", t, lastTid);
                data.clear();
            }
            markInFlight(oids); // C3: our own commit invalidates loads in flight too
            for (Oid oid : oids) {
                cache.invalidate(oid, late ? null : t);
            }
            for (Map.Entry<Oid, byte[]> e : data.entrySet()) {
                if (!resolved.contains(e.getKey())) {
                    try {
                        cache.store(e.getKey(), t, null, e.getValue());
                    } catch (RuntimeException ex) {
                        LOG.debug("not caching own store of {}: {}", e.getKey(), ex.toString());
                    }
                }
            }
            if (t.compareTo(lastTid) > 0) {
                if (t.compareTo(cache.lastTid()) > 0) {
                    cache.setLastTid(t);
                }
                lastTid = t; // C1: after the cache reflects T
            }
            notifyListeners(this, t, oids);
        }

        @Override
        public void abort() {
            boolean sendAbort;
            synchronized (this) {
                if (state == State.FINISHED || state == State.ABORTED) {
                    return;
                }
                sendAbort = begunOnServer;
                state = State.ABORTED;
            }
            try {
                if (sendAbort && conn != null && conn.isOpen()) {
                    conn.callAndWait("tpc_abort", callTimeout(), txnId);
                }
            } catch (RuntimeException e) {
                LOG.debug("tpc_abort failed: {}", e.toString());
            } finally {
                releaseSlot();
            }
        }

        @Override
        public synchronized Tid tid() {
            return tid;
        }
    }

    // =========================================================== close

    /** Closes the connection, stops the threads and closes the cache. Idempotent. */
    @Override
    public void close() {
        synchronized (stateLock) {
            if (closed) {
                return;
            }
            closed = true;
            stateLock.notifyAll();
        }
        ZeoConnection c = connection;
        connection = null;
        if (c != null) {
            c.close();
        }
        if (Thread.currentThread() != reconnectThread) {
            reconnectThread.interrupt();
            try {
                reconnectThread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (ZeoConnection o : List.copyOf(opened)) {
            o.close();
            o.awaitTermination(Duration.ofSeconds(5)); // no invalidation reaches the cache once it is closed
        }
        try {
            // Bounded: an I/O thread that died (e.g. its class loader was closed under it when an
            // application server stops a resource adapter late) never reports termination.
            if (!group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS)) {
                LOG.warn("the I/O thread of the client of {} did not stop within 5 s", config.storage());
            }
        } finally {
            cache.close();
        }
    }

    @Override
    public String toString() {
        return "ClientStorage[" + name + ", storage " + config.storage() + "]";
    }

}
