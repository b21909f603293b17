package org.jzeo.client.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.util.concurrent.ScheduledFuture;
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
import org.jzeo.protocol.HandshakeCompleteEvent;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.Transport;
import org.jzeo.protocol.ZeoPipeline;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: a Netty channel speaking ZEO 5, with sync calls correlated by integer
 * msgid, one-way sends, and server-to-client calls handed to a {@link Callbacks} on the channel's
 * I/O thread.
 *
 * <p>Ordering: every inbound message of a connection is handled on its one I/O thread, in arrival
 * order. A {@link ReplyHook} given to {@link #call} runs on that thread when the reply arrives,
 * <em>before</em> any later message of the connection is handled and before the caller is woken;
 * the client uses it to apply cache effects of replies in wire order with invalidations (rules
 * C1, C3).
 */
public final class ZeoConnection {
    private static final Logger LOG = LoggerFactory.getLogger(ZeoConnection.class);
    private static final long HEARTBEAT_SECONDS = 60;

    /** What a connection reports to its owner; all methods run on the connection's I/O thread. */
    public interface Callbacks {
        /** A one-way call from the server (invalidateTransaction, info, ...). */
        void serverCall(ZeoConnection connection, Message message);

        /** The connection is closed (after pending calls were failed). */
        void closed(ZeoConnection connection);
    }

    /** Runs on the I/O thread with a successful reply's result, before the caller sees it. */
    @FunctionalInterface
    public interface ReplyHook {
        /** @param result the decoded result */
        void onReply(Object result);
    }

    private record Pending(String method, CompletableFuture<Object> future, ReplyHook hook) {
    }

    private final Address address;
    private final Callbacks callbacks;
    private final AtomicLong msgids = new AtomicLong();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final CompletableFuture<String> handshake = new CompletableFuture<>();
    private volatile Channel channel;
    private volatile boolean closed;
    private ScheduledFuture<?> heartbeat;

    /**
     * Invalidations received before the connection became operational (rule C2); touched only on
     * the I/O thread.
     */
    public final List<Message> held = new ArrayList<>();
    /** Whether invalidations are applied directly; written and read only on the I/O thread. */
    public boolean operational;
    /** Whether the registration is read-only. */
    public volatile boolean readOnly;

    private ZeoConnection(Address address, Callbacks callbacks) {
        this.address = address;
        this.callbacks = callbacks;
    }

    /**
     * Connects, with TLS and authentication as {@code security} says, and completes the handshake
     * (after authentication, when configured).
     *
     * @throws ClientDisconnected when the server cannot be reached in time, or refuses us
     */
    public static ZeoConnection open(EventLoopGroup group, Transport transport, Address address, int maxFrameSize,
            Duration timeout, Callbacks callbacks, ConnectionSecurity security) {
        ZeoConnection c = new ZeoConnection(address, callbacks);
        Bootstrap b = new Bootstrap().group(group)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        security.addTls(ch, address); // TLS wraps everything, from the first byte
                        ZeoPipeline.addClientHandlers(ch.pipeline(), maxFrameSize);
                        security.addAuthentication(ch); // before register: the handshake completes after it
                        ch.pipeline().addLast("zeo-client", c.new Handler());
                    }
                });
        if (address.isUnix()) {
            b.channel(NioDomainSocketChannel.class);
        } else {
            b.channel(transport.socketChannel()).option(ChannelOption.TCP_NODELAY, true);
        }
        ChannelFuture f = b.connect(address.socketAddress());
        c.channel = f.channel();
        try {
            if (!f.await(timeout.toMillis(), TimeUnit.MILLISECONDS) || !f.isSuccess()) {
                f.channel().close();
                throw new ClientDisconnected("cannot connect to " + address
                        + (f.cause() == null ? "" : ": " + f.cause().getMessage()), f.cause());
            }
            c.handshake.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            c.close();
            throw new ClientDisconnected("interrupted while connecting to " + address, e);
        } catch (ExecutionException | TimeoutException e) {
            c.close();
            throw new ClientDisconnected("no ZEO 5 handshake from " + address, e);
        }
        return c;
    }

    /** The server address. */
    public Address address() {
        return address;
    }

    /** The negotiated protocol, {@code M5} or {@code Z5}. */
    public String protocol() {
        return handshake.getNow(null);
    }

    /** Whether {@code Thread.currentThread()} is this connection's I/O thread. */
    public boolean inIoThread() {
        Channel ch = channel;
        return ch != null && ch.eventLoop().inEventLoop();
    }

    /** Runs {@code task} on the I/O thread and waits for it. */
    public void runOnIoThread(Runnable task) {
        Channel ch = channel;
        if (ch.eventLoop().inEventLoop()) {
            task.run();
            return;
        }
        try {
            ch.eventLoop().submit(task).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientDisconnected("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Whether the channel is open. */
    public boolean isOpen() {
        return !closed && channel.isActive();
    }

    /** Sends a one-way call (Python's async calls). */
    public void send(String method, Object... args) {
        send(true, method, args);
    }

    /**
     * Writes a one-way call without flushing it: the next {@link #send} or {@link #call} flushes
     * it with its own message, so a transaction's tpc_begin, stores and vote leave in one write
     * (and wake the server once) rather than one each.
     */
    public void queue(String method, Object... args) {
        send(false, method, args);
    }

    private void send(boolean flush, String method, Object... args) {
        if (closed) {
            throw new ClientDisconnected("connection to " + address + " is closed");
        }
        Message m = Message.async(method, args);
        (flush ? channel.writeAndFlush(m) : channel.write(m)).addListener(f -> {
            if (!f.isSuccess()) {
                LOG.debug("{}: sending {} failed", address, method, f.cause());
                close();
            }
        });
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
    public void flush() {
        channel.flush();
    }

    private CompletableFuture<Object> call(boolean flush, String method, ReplyHook hook, Object... args) {
        long id = msgids.incrementAndGet();
        CompletableFuture<Object> future = new CompletableFuture<>();
        pending.put(id, new Pending(method, future, hook));
        if (closed) {
            pending.remove(id);
            future.completeExceptionally(new ClientDisconnected("connection to " + address + " is closed"));
            return future;
        }
        Message m = Message.call(id, method, args);
        (flush ? channel.writeAndFlush(m) : channel.write(m)).addListener(f -> {
            if (!f.isSuccess()) {
                Pending p = pending.remove(id);
                if (p != null) {
                    p.future.completeExceptionally(new ClientDisconnected("sending " + method + " to " + address
                            + " failed", f.cause()));
                }
                close();
            }
        });
        return future;
    }

    /**
     * A sync call, waited for. Must not be called on the I/O thread (it would wait for itself).
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
        try {
            return timeout == null ? f.get() : f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientDisconnected("interrupted while waiting for " + method, e);
        } catch (TimeoutException e) {
            throw new ClientDisconnected("no reply to " + method + " from " + address + " within " + timeout, e);
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

    /** Closes the connection; pending calls fail with {@link ClientDisconnected}. Idempotent. */
    public void close() {
        closed = true;
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }

    private void failPending() {
        for (Long id : List.copyOf(pending.keySet())) {
            Pending p = pending.remove(id);
            if (p != null) {
                p.future.completeExceptionally(new ClientDisconnected("connection to " + address
                        + " lost while waiting for " + p.method));
            }
        }
    }

    @Override
    public String toString() {
        return "ZeoConnection[" + address + (readOnly ? ", read-only" : "") + "]";
    }

    private final class Handler extends SimpleChannelInboundHandler<Message> {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof HandshakeCompleteEvent h) {
                LOG.debug("{}: protocol {}", address, h.protocol());
                heartbeat = ctx.channel().eventLoop().scheduleAtFixedRate(
                        () -> ctx.writeAndFlush(Message.HEARTBEAT), HEARTBEAT_SECONDS, HEARTBEAT_SECONDS, TimeUnit.SECONDS);
                handshake.complete(h.protocol());
                return;
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Message m) {
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
                    p.future.completeExceptionally(m.toException());
                    return;
                }
                try {
                    if (p.hook != null) {
                        p.hook.onReply(m.args());
                    }
                    p.future.complete(m.args());
                } catch (RuntimeException e) {
                    p.future.completeExceptionally(e);
                }
                return;
            }
            try {
                callbacks.serverCall(ZeoConnection.this, m);
            } catch (RuntimeException e) {
                LOG.error("{}: handling server call {} failed", address, m.method(), e);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            closed = true;
            if (heartbeat != null) {
                heartbeat.cancel(false);
            }
            handshake.completeExceptionally(new ClientDisconnected("connection to " + address + " closed"));
            failPending();
            try {
                callbacks.closed(ZeoConnection.this);
            } finally {
                super.channelInactive(ctx);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.warn("{}: {}; closing the connection", address, cause.toString());
            handshake.completeExceptionally(cause);
            ctx.close();
        }
    }
}
