package org.jzeo.auth;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.Objects;
import org.jzeo.protocol.HandshakeCompleteEvent;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.ZeoPipeline;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of jzeo authentication as a Netty handler. Add it after
 * {@link ZeoPipeline#addClientHandlers} and before the application handler:
 *
 * <pre>{@code
 * ZeoPipeline.addClientHandlers(ch.pipeline(), maxFrameSize);
 * ch.pipeline().addLast(AuthWire.AUTH_HANDLER, new ClientAuthHandler(DigestAuthentication.INSTANCE,
 *         new Credentials("alice", password, "ZEO")));
 * ch.pipeline().addLast("zeo-client", appHandler);
 * }</pre>
 *
 * It holds back the {@link HandshakeCompleteEvent}, runs the exchange ({@code jzeo_auth_start},
 * {@code jzeo_auth_response} …, msgids 1, 2, …), and on {@code True} installs the
 * {@link MacHandler}, passes the held event on (the application then registers as usual, its
 * messages MAC-protected) and removes itself. On refusal, an error reply, a bad challenge or the
 * server closing the connection first, it fires an {@link AuthenticationException} through
 * {@code exceptionCaught} and closes the connection; the application never sees the handshake
 * event then.
 */
public final class ClientAuthHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ClientAuthHandler.class);

    private final String protocol;
    private final ClientExchange exchange;
    private HandshakeCompleteEvent handshake;
    private long msgid;
    private boolean done;
    private boolean failed;

    /**
     * @param protocol    the protocol to use (its name is sent in {@code jzeo_auth_start})
     * @param credentials who the client is
     */
    public ClientAuthHandler(AuthenticationProtocol protocol, Credentials credentials) {
        this(protocol.name(), protocol.client(Objects.requireNonNull(credentials, "credentials")));
    }

    /**
     * @param protocol the protocol name sent in {@code jzeo_auth_start}
     * @param exchange the client side of one exchange
     */
    public ClientAuthHandler(String protocol, ClientExchange exchange) {
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        this.exchange = Objects.requireNonNull(exchange, "exchange");
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof HandshakeCompleteEvent h && !done) {
            handshake = h;
            ctx.writeAndFlush(Message.call(++msgid, AuthWire.START, protocol));
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (failed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (done) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (!(msg instanceof Message m) || !m.isReply() || !Objects.equals(m.msgid(), msgid)) {
            ReferenceCountUtil.release(msg);
            fail(ctx, "unexpected message during authentication: " + msg);
            return;
        }
        if (m.isError()) {
            fail(ctx, "server refused authentication: " + m.toException().getMessage());
            return;
        }
        Object result = m.args();
        if (Boolean.TRUE.equals(result) && msgid > 1) {
            done = true;
            MacHandler.install(ctx.pipeline(), exchange.sessionKey());
            LOG.debug("{}: authenticated ({})", ctx.channel().remoteAddress(), protocol);
            ctx.pipeline().remove(this);
            // Fired from the head so it reaches the application through the now final pipeline.
            ctx.pipeline().fireUserEventTriggered(handshake);
            return;
        }
        if (result instanceof Boolean) {
            fail(ctx, "Authentication failed");
            return;
        }
        Object response;
        try {
            response = exchange.respond(result);
        } catch (AuthenticationException e) {
            fail(ctx, e);
            return;
        }
        ctx.writeAndFlush(Message.call(++msgid, AuthWire.RESPONSE, response));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!done && handshake != null) {
            done = true;
            ctx.fireExceptionCaught(new AuthenticationException(
                    "the server closed the connection during authentication"));
        }
        super.channelInactive(ctx);
    }

    private void fail(ChannelHandlerContext ctx, String why) {
        fail(ctx, new AuthenticationException(why));
    }

    private void fail(ChannelHandlerContext ctx, AuthenticationException e) {
        done = true;
        failed = true;
        LOG.warn("{}: {}", ctx.channel().remoteAddress(), e.getMessage());
        ctx.fireExceptionCaught(e);
        ctx.close();
    }
}
