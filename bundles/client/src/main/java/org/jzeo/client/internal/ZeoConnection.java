package org.jzeo.client.internal;

import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.jzeo.client.ClientDisconnected;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection speaking ZEO 5: sync calls correlated by integer msgid, one-way sends, and
 * server-to-client calls handed to a {@link Callbacks}.
 *
 * <p>Two implementations: {@link DirectConnection} (the default for plain TCP and Unix sockets),
 * whose calling threads write their requests and read the replies themselves, and
 * {@link NettyConnection} (TLS, authentication, or {@code -Djzeo.client.io=netty}), whose Netty
 * event loop does all I/O.
 *
 * <p>Ordering, the same for both: inbound messages are handled one at a time, in arrival order, by
 * whichever thread currently holds the connection's <em>inbound role</em> (Netty: its event loop;
 * direct: the caller or reader thread reading the socket). A {@link ReplyHook} given to
 * {@link #call} runs in that role when the reply arrives, <em>before</em> any later message of the
 * connection is handled and before the caller sees the result; the client uses it to apply cache
 * effects of replies in wire order with invalidations (rules C1, C3). {@link #runOnIoThread} runs a
 * task in that role, so it too is ordered with every inbound message.
 */
public abstract class ZeoConnection {
    /** The system property choosing the client I/O: {@code direct} (default) or {@code netty}. */
    public static final String IO_PROPERTY = "jzeo.client.io";
    private static final Logger LOG = LoggerFactory.getLogger(ZeoConnection.class);

    /** What a connection reports to its owner; all methods run in the inbound role. */
    public interface Callbacks {
        /** A one-way call from the server (invalidateTransaction, info, ...). */
        void serverCall(ZeoConnection connection, Message message);

        /** The connection is closed (after pending calls were failed). */
        void closed(ZeoConnection connection);
    }

    /** Runs in the inbound role with a successful reply's result, before the caller sees it. */
    @FunctionalInterface
    public interface ReplyHook {
        /** @param result the decoded result */
        void onReply(Object result);
    }

    record Pending(String method, CompletableFuture<Object> future, ReplyHook hook) {
    }

    final Address address;
    final Callbacks callbacks;
    private final AtomicLong msgids = new AtomicLong();
    final Map<Long, Pending> pending = new ConcurrentHashMap<>();

    /**
     * Invalidations received before the connection became operational (rule C2); touched only in
     * the inbound role.
     */
    public final List<Message> held = new ArrayList<>();
    /** Whether invalidations are applied directly; written and read only in the inbound role. */
    public boolean operational;
    /** Whether the registration is read-only. */
    public volatile boolean readOnly;

    ZeoConnection(Address address, Callbacks callbacks) {
        this.address = address;
        this.callbacks = callbacks;
    }

    /**
     * Connects, with TLS and authentication as {@code security} says, and completes the handshake
     * (after authentication, when configured). Plain connections use {@link DirectConnection}
     * unless the system property {@value #IO_PROPERTY} is {@code netty}.
     *
     * @param heartbeat how often the connection sends the protocol's heartbeat (direct: after that
     *                  long without sending anything; Netty: at that rate)
     *
     * @throws ClientDisconnected when the server cannot be reached in time, or refuses us
     */
    public static ZeoConnection open(EventLoopGroup group, Transport transport, Address address, int maxFrameSize,
            Duration timeout, Duration heartbeat, Callbacks callbacks, ConnectionSecurity security) {
        if (security.sslContext() == null && security.protocol() == null && directIo()) {
            return DirectConnection.connect(address, maxFrameSize, timeout, heartbeat, callbacks);
        }
        return NettyConnection.connect(group, transport, address, maxFrameSize, timeout, heartbeat, callbacks,
                security);
    }

    /** Whether plain connections do their I/O on the calling threads ({@value #IO_PROPERTY}). */
    public static boolean directIo() {
        String io = System.getProperty(IO_PROPERTY, "direct").trim();
        if (io.equalsIgnoreCase("direct")) {
            return true;
        }
        if (io.equalsIgnoreCase("netty")) {
            return false;
        }
        throw new IllegalArgumentException(IO_PROPERTY + " must be direct or netty, not " + io);
    }

    /** The server address. */
    public Address address() {
        return address;
    }

    /** The negotiated protocol, {@code M5} or {@code Z5}. */
    public abstract String protocol();

    /** Whether the current thread holds this connection's inbound role (and must not wait for a reply). */
    public abstract boolean inIoThread();

    /** Runs {@code task} in the inbound role (ordered with every inbound message) and waits for it. */
    public abstract void runOnIoThread(Runnable task);

    /** Whether the connection is open. */
    public abstract boolean isOpen();

    /** Sends a one-way call (Python's async calls). */
    public void send(String method, Object... args) {
        send(true, Message.async(method, args), method);
    }

    /**
     * Writes a one-way call without flushing it: the next {@link #send} or {@link #call} flushes
     * it with its own message, so a transaction's tpc_begin, stores and vote leave in one write
     * (and wake the server once) rather than one each.
     */
    public void queue(String method, Object... args) {
        send(false, Message.async(method, args), method);
    }

    /** Starts a sync call; the future fails with the mapped exception or {@link ClientDisconnected}. */
    public CompletableFuture<Object> call(String method, ReplyHook hook, Object... args) {
        return call(true, method, hook, args);
    }

    /**
     * Starts a sync call without flushing it: it leaves with the next flushed message or
     * {@link #flush()} (many pipelined calls in one write).
     */
    public CompletableFuture<Object> callUnflushed(String method, ReplyHook hook, Object... args) {
        return call(false, method, hook, args);
    }

    /** Sends whatever was written unflushed. */
    public abstract void flush();

    private CompletableFuture<Object> call(boolean flush, String method, ReplyHook hook, Object... args) {
        long id = msgids.incrementAndGet();
        CompletableFuture<Object> future = newFuture();
        pending.put(id, new Pending(method, future, hook));
        if (!isOpen()) {
            pending.remove(id);
            future.completeExceptionally(new ClientDisconnected("connection to " + address + " is closed"));
            return future;
        }
        try {
            send(flush, Message.call(id, method, args), method);
        } catch (ClientDisconnected e) {
            pending.remove(id);
            future.completeExceptionally(e);
        }
        return future;
    }

    /** A new future for a call's result. */
    CompletableFuture<Object> newFuture() {
        return new CompletableFuture<>();
    }

    /**
     * Writes {@code m}, flushing if asked; a failure closes the connection (which fails every
     * pending call).
     */
    abstract void send(boolean flush, Message m, String method);

    /**
     * A sync call, waited for. Must not be called in the inbound role (it would wait for itself).
     *
     * @param timeout how long to wait, or {@code null} for as long as the connection lives
     */
    public Object callAndWait(String method, Duration timeout, Object... args) {
        return await(call(method, null, args), method, timeout);
    }

    /** Waits for a call's result, unwrapping its exception. */
    public Object await(CompletableFuture<Object> f, String method, Duration timeout) {
        if (inIoThread()) {
            throw new IllegalStateException("a ZEO call (" + method + ") cannot be made on the client's I/O thread"
                    + " (e.g. from a StorageListener)");
        }
        if (!awaitDone(f, timeout)) {
            throw new ClientDisconnected("no reply to " + method + " from " + address + " within " + timeout);
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientDisconnected("interrupted while waiting for " + method, e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                // rethrow in the caller's thread, keeping the remote type
                r.addSuppressed(new Exception("called from here"));
                throw r;
            }
            throw new ClientDisconnected(method + " failed", c);
        }
    }

    /**
     * Waits until {@code f} (a call of this connection) is done, or {@code timeout} passed
     * ({@code null}: no limit). A direct connection reads the socket meanwhile.
     *
     * @return whether it is done
     * @throws ClientDisconnected when interrupted
     */
    public boolean awaitDone(CompletableFuture<Object> f, Duration timeout) {
        try {
            if (timeout == null) {
                f.get();
            } else {
                f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientDisconnected("interrupted while waiting for a reply from " + address, e);
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            // done, exceptionally
        }
        return true;
    }

    /** Closes the connection; pending calls fail with {@link ClientDisconnected}. Idempotent. */
    public abstract void close();

    /**
     * After {@link #close()}: waits up to {@code timeout} until no inbound message of this
     * connection is being handled or will be (a Netty connection: its event loop group's shutdown
     * does that). Returns at once when called in the inbound role.
     */
    public void awaitTermination(Duration timeout) {
    }

    /** In the inbound role: handles one inbound message (a reply, or a call from the server). */
    final void received(Message m) {
        if (m.isReply()) {
            if (m.isHeartbeat()) {
                return;
            }
            long id;
            try {
                id = m.msgidAsLong();
            } catch (IllegalArgumentException e) {
                LOG.warn("{}: reply with an unknown msgid {}", address, m.msgid());
                return;
            }
            Pending p = pending.remove(id);
            if (p == null) {
                LOG.warn("{}: reply to an unknown call {}", address, id);
                return;
            }
            if (m.isError()) {
                p.future().completeExceptionally(m.toException());
                return;
            }
            try {
                if (p.hook() != null) {
                    p.hook().onReply(m.args());
                }
                p.future().complete(m.args());
            } catch (RuntimeException e) {
                p.future().completeExceptionally(e);
            }
            return;
        }
        try {
            callbacks.serverCall(this, m);
        } catch (RuntimeException e) {
            LOG.error("{}: handling server call {} failed", address, m.method(), e);
        }
    }

    /** Fails every pending call: the connection is gone. */
    final void failPending() {
        for (Long id : List.copyOf(pending.keySet())) {
            Pending p = pending.remove(id);
            if (p != null) {
                p.future().completeExceptionally(new ClientDisconnected("connection to " + address
                        + " lost while waiting for " + p.method()));
            }
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + address + (readOnly ? ", read-only" : "") + "]";
    }
}
