package org.jzeo.auth;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import java.util.Objects;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.RuokProbeEvent;
import org.jzeo.protocol.ServerException;
import org.jzeo.protocol.Values;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's authentication gate, placed after the handshake handler and before the session
 * handler of every connection of a server that requires authentication. Until the client has
 * authenticated it handles {@code jzeo_auth_start} / {@code jzeo_auth_response} itself and closes
 * the connection, without answering or passing it on, on any other message (heartbeats are
 * dropped) and on a {@code ruok} probe. On success it sends {@code True}, installs the
 * {@link MacHandler}, fires an {@link AuthenticatedEvent} and removes itself, so the session sees
 * only authenticated traffic starting with {@code register}. One instance per connection.
 */
public final class ServerAuthHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ServerAuthHandler.class);

    private final String protocol;
    private final ServerAuthenticator authenticator;
    private ServerExchange exchange;
    private boolean finished;

    /**
     * @param protocol      the configured protocol's name, which {@code jzeo_auth_start} must name
     * @param authenticator the protocol's server side
     */
    public ServerAuthHandler(String protocol, ServerAuthenticator authenticator) {
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == RuokProbeEvent.INSTANCE) {
            LOG.warn("{}: ruok probe refused: this server requires authentication", ctx.channel().remoteAddress());
            finished = true;
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Message m) || finished) {
            ReferenceCountUtil.release(msg);
            if (!finished) {
                refuse(ctx, "unexpected input before authentication");
            }
            return;
        }
        if (m.isHeartbeat()) {
            return;
        }
        String name = m.method();
        if (m.isReply() || m.isAsync() || !(AuthWire.START.equals(name) || AuthWire.RESPONSE.equals(name))) {
            refuse(ctx, "call " + name + " before authentication");
            return;
        }
        List<Object> args;
        try {
            args = Values.sequence(m.args());
        } catch (IllegalArgumentException e) {
            refuse(ctx, name + " arguments are not a sequence");
            return;
        }
        if (args.size() != 1) {
            refuse(ctx, name + " takes one argument, got " + args.size());
            return;
        }
        if (AuthWire.START.equals(name)) {
            start(ctx, m, args.get(0));
        } else {
            respond(ctx, m, args.get(0));
        }
    }

    private void start(ChannelHandlerContext ctx, Message m, Object requested) {
        if (exchange != null) {
            refuse(ctx, "a second " + AuthWire.START);
            return;
        }
        String asked = requested instanceof String || requested instanceof byte[] ? Values.text(requested) : null;
        if (!protocol.equals(asked)) {
            finished = true;
            LOG.warn("{}: client asked for authentication protocol {}, this server uses {}; closing the connection",
                    ctx.channel().remoteAddress(), Values.repr(requested), protocol);
            ctx.writeAndFlush(Message.errorReply(m.msgid(), ServerException.of(AuthWire.AUTH_ERROR,
                    "this server uses authentication protocol " + protocol)))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        try {
            exchange = authenticator.begin(String.valueOf(ctx.channel().remoteAddress()));
            ctx.writeAndFlush(Message.reply(m.msgid(), exchange.challenge()));
        } catch (RuntimeException e) {
            LOG.error("{}: authentication protocol {} failed to start", ctx.channel().remoteAddress(), protocol, e);
            finished = true;
            ctx.close();
        }
    }

    private void respond(ChannelHandlerContext ctx, Message m, Object response) {
        if (exchange == null) {
            refuse(ctx, AuthWire.RESPONSE + " before " + AuthWire.START);
            return;
        }
        AuthOutcome outcome;
        try {
            outcome = exchange.respond(response);
        } catch (RuntimeException e) {
            outcome = AuthOutcome.failure("protocol error: " + e);
        }
        switch (outcome.status()) {
            case NEXT -> ctx.writeAndFlush(Message.reply(m.msgid(), outcome.challenge()));
            case FAILURE -> {
                finished = true;
                LOG.warn("{}: authentication failed: {}; closing the connection", ctx.channel().remoteAddress(),
                        outcome.reason());
                ctx.writeAndFlush(Message.reply(m.msgid(), Boolean.FALSE)).addListener(ChannelFutureListener.CLOSE);
            }
            case SUCCESS -> {
                finished = true;
                // The reply goes out without a MAC; everything after it carries one.
                ctx.writeAndFlush(Message.reply(m.msgid(), Boolean.TRUE));
                MacHandler.install(ctx.pipeline(), outcome.sessionKey());
                LOG.info("{}: authenticated as {} ({})", ctx.channel().remoteAddress(), outcome.user(), protocol);
                ctx.fireUserEventTriggered(new AuthenticatedEvent(outcome.user(), protocol));
                ctx.pipeline().remove(this);
            }
            default -> throw new IllegalStateException(outcome.status().toString());
        }
    }

    private void refuse(ChannelHandlerContext ctx, String why) {
        finished = true;
        LOG.warn("{}: {}: this server requires authentication; closing the connection",
                ctx.channel().remoteAddress(), why);
        ctx.close();
    }
}
