package org.jzeo.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.PendingWriteQueue;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ZEO 5 handshake (wire-protocol.md §3), for either side. Sits after {@link FrameDecoder} /
 * {@link FrameEncoder}; when the protocol is agreed it inserts a {@link MessageCodecHandler} in its
 * place, fires a {@link HandshakeCompleteEvent} and removes itself.
 *
 * <ul>
 *   <li><b>Server</b> ({@link #server(String)}): sends the configured protocol string
 *       ({@code M5} or {@code Z5}) as the first frame when the channel becomes active. The client's
 *       first frame must be a flavour byte {@code M} or {@code Z} followed by {@code 5}; like the
 *       Python server, the codec follows the flavour of the <em>reply</em> (a client may echo either
 *       supported flavour). {@code ruok} fires a {@link RuokProbeEvent} instead. Anything else is
 *       logged as a bad handshake and closes the connection.</li>
 *   <li><b>Client</b> ({@link #client()}): waits for the server's protocol string, computes
 *       {@code min(version, "5")} byte-wise, and if that is {@code 5} echoes the server's flavour
 *       byte + {@code 5} and adopts that flavour; otherwise (a ZEO 4 server, an unknown flavour) it
 *       fires a {@link ProtocolException} and closes.</li>
 * </ul>
 * {@link Message}s written before the handshake completes are queued and sent, in order, right
 * after it; raw {@link ByteBuf}s pass at once.
 */
public final class HandshakeHandler extends ChannelDuplexHandler {
    private static final Logger LOG = LoggerFactory.getLogger(HandshakeHandler.class);
    private static final byte[] RUOK = "ruok".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] VERSION = {'5'};

    private final boolean server;
    private final String announce;
    private boolean announced;
    private boolean done;
    private PendingWriteQueue pending;

    private HandshakeHandler(boolean server, String announce) {
        this.server = server;
        this.announce = announce;
    }

    /**
     * A server-side handshake announcing {@code protocol}.
     *
     * @throws IllegalArgumentException unless {@code protocol} is {@code "M5"} or {@code "Z5"}
     */
    public static HandshakeHandler server(String protocol) {
        MessageCodec.forProtocol(protocol);
        return new HandshakeHandler(true, protocol);
    }

    /** A client-side handshake, adopting the flavour the server announces. */
    public static HandshakeHandler client() {
        return new HandshakeHandler(false, null);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        pending = new PendingWriteQueue(ctx);
        if (server && ctx.channel().isActive()) {
            announce(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (server) {
            announce(ctx);
        }
        super.channelActive(ctx);
    }

    private void announce(ChannelHandlerContext ctx) {
        if (!announced) {
            announced = true;
            ctx.writeAndFlush(Unpooled.wrappedBuffer(announce.getBytes(StandardCharsets.US_ASCII)));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (done) {
            buf.release(); // after a failed handshake: discard
            return;
        }
        byte[] p;
        try {
            p = ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
        if (server) {
            serverRead(ctx, p);
        } else {
            clientRead(ctx, p);
        }
    }

    private void serverRead(ChannelHandlerContext ctx, byte[] p) {
        if (Arrays.equals(p, RUOK)) {
            done = true;
            ctx.fireUserEventTriggered(RuokProbeEvent.INSTANCE);
            ctx.pipeline().remove(this);
            return;
        }
        if (p.length == 2 && (p[0] == 'M' || p[0] == 'Z') && p[1] == '5') {
            String protocol = new String(p, StandardCharsets.US_ASCII);
            LOG.debug("{}: received handshake {}", ctx.channel().remoteAddress(), protocol);
            complete(ctx, protocol);
            return;
        }
        LOG.warn("{}: bad handshake {}; closing the connection", ctx.channel().remoteAddress(),
                Values.repr(p));
        done = true;
        ctx.close();
    }

    private void clientRead(ChannelHandlerContext ctx, byte[] p) {
        String protocol;
        try {
            protocol = clientProtocol(p);
        } catch (ProtocolException e) {
            done = true;
            LOG.warn("{}: {}", ctx.channel().remoteAddress(), e.getMessage());
            pending.removeAndFailAll(e);
            ctx.fireExceptionCaught(e);
            ctx.close();
            return;
        }
        ctx.writeAndFlush(Unpooled.wrappedBuffer(protocol.getBytes(StandardCharsets.US_ASCII)));
        complete(ctx, protocol);
    }

    /**
     * The client's side of the handshake for any transport: given the server's announcement (its
     * first frame), the protocol the client adopts and echoes back as its first frame — the
     * server's flavour byte + {@code 5}, when {@code min(version, "5")} byte-wise is {@code 5}.
     *
     * @throws ProtocolException for a ZEO 4 server, an unknown flavour or a malformed announcement
     */
    public static String clientProtocol(byte[] announcement) {
        byte[] p = announcement;
        if (p.length >= 2 && (p[0] == 'M' || p[0] == 'Z')) {
            byte[] version = Arrays.copyOfRange(p, 1, p.length);
            byte[] chosen = Arrays.compareUnsigned(version, VERSION) < 0 ? version : VERSION;
            if (Arrays.equals(chosen, VERSION)) {
                return (char) p[0] + "5";
            }
        }
        throw new ProtocolException("unsupported server protocol " + Values.repr(p)
                + " (only M5 and Z5 are supported)");
    }

    private void complete(ChannelHandlerContext ctx, String protocol) {
        done = true;
        MessageCodec codec = MessageCodec.forProtocol(protocol);
        ctx.pipeline().addBefore(ctx.name(), ZeoPipeline.CODEC, new MessageCodecHandler(codec));
        if (!pending.isEmpty()) {
            pending.removeAndWriteAll();
            ctx.flush();
        }
        ctx.fireUserEventTriggered(new HandshakeCompleteEvent(protocol, codec));
        ctx.pipeline().remove(this);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (done || msg instanceof ByteBuf) {
            ctx.write(msg, promise);
        } else {
            pending.add(msg, promise);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!pending.isEmpty()) {
            pending.removeAndFailAll(new ClosedChannelException());
        }
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (pending != null && !pending.isEmpty()) {
            pending.removeAndFailAll(new ClosedChannelException());
        }
    }
}
