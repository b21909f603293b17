package org.jzeo.server.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jzeo.protocol.HandshakeCompleteEvent;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.RuokProbeEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a server connection: creates the {@link ZeoSession} once the handshake is
 * done, feeds it messages, answers the {@code ruok} probe, and closes the connection on anything
 * undecodable (never taking the server or other connections with it).
 */
final class ZeoServerHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ZeoServerHandler.class);

    private final ServerContext context;
    private final StatusSource status;
    private ZeoSession session;

    /** Gives the server_status map of a storage, for the ruok probe. */
    interface StatusSource {
        Map<String, Object> status(String storage);
    }

    ZeoServerHandler(ServerContext context, StatusSource status) {
        this.context = context;
        this.status = status;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof HandshakeCompleteEvent) {
            session = new ZeoSession(context, new NettySessionChannel(ctx.channel()));
        } else if (evt == RuokProbeEvent.INSTANCE) {
            Map<String, Object> all = new LinkedHashMap<>();
            for (String name : context.storages().keySet()) {
                all.put(name, status.status(name));
            }
            byte[] json = StatusJson.write(all).getBytes(StandardCharsets.UTF_8);
            ctx.writeAndFlush(Unpooled.wrappedBuffer(json)).addListener(ChannelFutureListener.CLOSE);
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Message m && session != null) {
            session.handle(m);
        } else {
            io.netty.util.ReferenceCountUtil.release(msg);
            LOG.warn("unexpected input from {} before the handshake; closing", ctx.channel().remoteAddress());
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (session != null) {
            session.closed();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause.getCause() instanceof javax.net.ssl.SSLException tls) {
            // A refused TLS handshake (e.g. no or an untrusted client certificate): one line, no trace.
            LOG.warn("closing connection {}: TLS: {}", ctx.channel().remoteAddress(), tls.getMessage());
            ctx.close();
            return;
        }
        LOG.warn("closing connection {}: {}", ctx.channel().remoteAddress(), cause.toString(), cause);
        ctx.close();
    }
}
