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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jzeo.client.ClientDisconnected;
import org.jzeo.protocol.HandshakeCompleteEvent;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.Transport;
import org.jzeo.protocol.ZeoPipeline;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ZeoConnection} whose Netty event loop does all I/O: callers hand their requests to it,
 * and it hands every reply back. Used for TLS and authenticated connections (their handlers live
 * in the Netty pipeline), and for plain ones with {@code -Djzeo.client.io=netty}. The inbound role
 * is the channel's event loop.
 */
final class NettyConnection extends ZeoConnection {
    private static final Logger LOG = LoggerFactory.getLogger(NettyConnection.class);

    private final CompletableFuture<String> handshake = new CompletableFuture<>();
    private volatile Channel channel;
    private volatile boolean closed;
    private ScheduledFuture<?> heartbeat;

    private final long heartbeatNanos;

    private NettyConnection(Address address, Callbacks callbacks, Duration heartbeat) {
        super(address, callbacks);
        this.heartbeatNanos = heartbeat.toNanos();
    }

    /**
     * Connects, with TLS and authentication as {@code security} says, and completes the handshake
     * (after authentication, when configured).
     *
     * @throws ClientDisconnected when the server cannot be reached in time, or refuses us
     */
    static NettyConnection connect(EventLoopGroup group, Transport transport, Address address, int maxFrameSize,
            Duration timeout, Duration heartbeat, Callbacks callbacks, ConnectionSecurity security) {
        NettyConnection c = new NettyConnection(address, callbacks, heartbeat);
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

    /** The negotiated protocol, {@code M5} or {@code Z5}. */
    @Override
    public String protocol() {
        return handshake.getNow(null);
    }

    /** Whether {@code Thread.currentThread()} is this connection's I/O thread. */
    @Override
    public boolean inIoThread() {
        Channel ch = channel;
        return ch != null && ch.eventLoop().inEventLoop();
    }

    /** Runs {@code task} on the I/O thread and waits for it. */
    @Override
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
    @Override
    public boolean isOpen() {
        return !closed && channel.isActive();
    }

    @Override
    public void flush() {
        channel.flush();
    }

    @Override
    void send(boolean flush, Message m, String method) {
        if (closed) {
            throw new ClientDisconnected("connection to " + address + " is closed");
        }
        (flush ? channel.writeAndFlush(m) : channel.write(m)).addListener(f -> {
            if (!f.isSuccess()) {
                LOG.debug("{}: sending {} failed", address, method, f.cause());
                close();
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }

    private final class Handler extends SimpleChannelInboundHandler<Message> {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof HandshakeCompleteEvent h) {
                LOG.debug("{}: protocol {}", address, h.protocol());
                heartbeat = ctx.channel().eventLoop().scheduleAtFixedRate(
                        () -> ctx.writeAndFlush(Message.HEARTBEAT), heartbeatNanos, heartbeatNanos, TimeUnit.NANOSECONDS);
                handshake.complete(h.protocol());
                return;
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Message m) {
            received(m);
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
                callbacks.closed(NettyConnection.this);
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
