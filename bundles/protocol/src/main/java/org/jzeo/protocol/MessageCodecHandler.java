package org.jzeo.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns frame payloads into {@link Message}s and {@link Message}s into payloads with a
 * {@link MessageCodec}. Installed by {@link HandshakeHandler} once the protocol is known. An
 * undecodable payload is logged and closes the connection without a reply, as Python ZEO does.
 * Outbound {@link ByteBuf}s pass through unchanged (raw frames).
 */
public class MessageCodecHandler extends MessageToMessageCodec<ByteBuf, Message> {
    private static final Logger LOG = LoggerFactory.getLogger(MessageCodecHandler.class);

    private final MessageCodec codec;

    /** @param codec the codec of the negotiated protocol */
    public MessageCodecHandler(MessageCodec codec) {
        super(ByteBuf.class, Message.class);
        this.codec = codec;
    }

    /** The codec in use. */
    public MessageCodec codec() {
        return codec;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Message msg, List<Object> out) {
        ByteBuf buf = ctx.alloc().buffer();
        try {
            codec.encode(msg, buf);
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
        out.add(buf);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf msg, List<Object> out) {
        if (!ctx.channel().isOpen()) {
            return;
        }
        Message m;
        try {
            m = codec.decode(msg);
        } catch (ProtocolException e) {
            LOG.warn("{}: can't decode message ({} bytes): {}; closing the connection",
                    ctx.channel().remoteAddress(), msg.readableBytes(), e.getMessage());
            ctx.close();
            return;
        }
        out.add(m);
    }
}
