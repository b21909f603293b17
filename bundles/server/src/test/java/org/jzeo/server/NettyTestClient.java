package org.jzeo.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jzeo.auth.AuthWire;
import org.jzeo.auth.ClientAuthHandler;
import org.jzeo.auth.Credentials;
import org.jzeo.auth.DigestAuthentication;
import org.jzeo.auth.tls.ClientTls;
import org.jzeo.auth.tls.TlsContexts;
import org.jzeo.protocol.FrameDecoder;
import org.jzeo.protocol.HandshakeCompleteEvent;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.ZeoPipeline;

/**
 * A Netty client built the way ClientStorage is meant to be wired: optional TLS
 * ({@link TlsContexts#clientHandler}) first, the ZEO handlers, optional {@link ClientAuthHandler},
 * then an application handler that records what it sees in {@link #events}.
 */
final class NettyTestClient implements AutoCloseable {
    /** Recorded when the connection closes. */
    static final String INACTIVE = "inactive";

    final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    final Channel channel;

    NettyTestClient(int port, ClientTls tls, Credentials credentials) throws InterruptedException {
        SslContext ssl = tls == null ? null : TlsContexts.client(tls);
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (ssl != null) {
                            ch.pipeline().addLast("ssl", TlsContexts.clientHandler(ssl, tls, ch.alloc(), "127.0.0.1", port));
                        }
                        ZeoPipeline.addClientHandlers(ch.pipeline(), FrameDecoder.DEFAULT_MAX_FRAME_SIZE);
                        if (credentials != null) {
                            ch.pipeline().addLast(AuthWire.AUTH_HANDLER,
                                    new ClientAuthHandler(DigestAuthentication.INSTANCE, credentials));
                        }
                        ch.pipeline().addLast("app", new ChannelInboundHandlerAdapter() {
                            @Override
                            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                events.add(evt);
                            }

                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                events.add(msg);
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                events.add(cause);
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                events.add(INACTIVE);
                            }
                        });
                    }
                });
        channel = b.connect("127.0.0.1", port).sync().channel();
    }

    /** The next recorded event that is not an SSL handshake event, or fails after 10 s. */
    Object next() throws InterruptedException {
        while (true) {
            Object e = events.poll(10, TimeUnit.SECONDS);
            if (e == null) {
                throw new AssertionError("nothing happened within 10 s");
            }
            if (!(e instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent s && s.isSuccess())) {
                return e;
            }
        }
    }

    /** Waits for the handshake event (after authentication, when configured). */
    HandshakeCompleteEvent awaitReady() throws InterruptedException {
        Object e = next();
        if (e instanceof HandshakeCompleteEvent h) {
            return h;
        }
        throw new AssertionError("expected the handshake event, got " + e);
    }

    /** A sync call; returns the reply. */
    Message call(long id, String method, Object... args) throws InterruptedException {
        channel.writeAndFlush(Message.call(id, method, args));
        while (true) {
            Object e = next();
            if (e instanceof Message m && m.isReply()) {
                return m;
            }
            if (!(e instanceof Message)) {
                throw new AssertionError("expected a reply to " + method + ", got " + e);
            }
        }
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
