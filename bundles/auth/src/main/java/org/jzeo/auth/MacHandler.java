package org.jzeo.auth;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import java.security.MessageDigest;
import org.jzeo.protocol.ZeoPipeline;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds and checks the per-message MAC of an authenticated connection. Sits between the frame
 * handlers and the message codec ({@link #install}): outbound payloads become
 * {@code MAC(20) || payload}, inbound payloads must start with the MAC of the rest, chained per
 * direction as {@link SessionMac} describes. A missing or wrong MAC is logged ("MAC failed") and
 * closes the connection; the payload is dropped, as is all later input.
 */
public final class MacHandler extends ChannelDuplexHandler {
    private static final Logger LOG = LoggerFactory.getLogger(MacHandler.class);

    private final SessionMac sendMac;
    private final SessionMac receiveMac;
    private boolean failed;

    /** @param sessionKey the key agreed by the authentication exchange */
    public MacHandler(byte[] sessionKey) {
        this.sendMac = new SessionMac(sessionKey);
        this.receiveMac = new SessionMac(sessionKey);
    }

    /**
     * Puts a MAC handler keyed with {@code sessionKey} right after {@link ZeoPipeline#FRAME_ENCODER}.
     * Call on the channel's event loop; frames read or written afterwards carry MACs.
     */
    public static void install(ChannelPipeline pipeline, byte[] sessionKey) {
        pipeline.addAfter(ZeoPipeline.FRAME_ENCODER, AuthWire.MAC_HANDLER, new MacHandler(sessionKey));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (failed) {
            buf.release();
            return;
        }
        if (buf.readableBytes() <= SessionMac.LENGTH) {
            buf.release();
            fail(ctx, "Received message without MAC");
            return;
        }
        byte[] theirs = new byte[SessionMac.LENGTH];
        buf.readBytes(theirs);
        byte[] ours = receiveMac.next(buf.nioBuffer());
        if (!MessageDigest.isEqual(ours, theirs)) {
            buf.release();
            fail(ctx, "MAC failed");
            return;
        }
        ctx.fireChannelRead(buf);
    }

    private void fail(ChannelHandlerContext ctx, String why) {
        failed = true;
        LOG.warn("{}: {}; closing the connection", ctx.channel().remoteAddress(), why);
        ctx.close();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.write(msg, promise);
            return;
        }
        byte[] mac = sendMac.next(buf.nioBuffer());
        CompositeByteBuf out = ctx.alloc().compositeBuffer(2);
        out.addComponents(true, ctx.alloc().buffer(SessionMac.LENGTH).writeBytes(mac), buf);
        ctx.write(out, promise);
    }
}
