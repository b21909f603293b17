package org.jzeo.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Writes each outbound {@link ByteBuf} as one frame: a 4-byte big-endian length, then the
 * payload. Small payloads are copied behind the prefix into one buffer; large ones are sent as
 * prefix + the original buffer (no copy). Empty payloads are refused (no ZEO peer sends one).
 * Stateless and {@link Sharable}.
 */
@Sharable
public class FrameEncoder extends MessageToMessageEncoder<ByteBuf> {
    /** The shared instance. */
    public static final FrameEncoder INSTANCE = new FrameEncoder();

    private static final int COPY_LIMIT = 1024;

    /** Prefer {@link #INSTANCE}. */
    public FrameEncoder() {
        super(ByteBuf.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf msg, List<Object> out) {
        int length = msg.readableBytes();
        if (length == 0) {
            throw new EncoderException("refusing to send a zero-length frame");
        }
        if (length <= COPY_LIMIT) {
            out.add(ctx.alloc().buffer(4 + length).writeInt(length).writeBytes(msg));
        } else {
            out.add(ctx.alloc().buffer(4).writeInt(length));
            out.add(msg.retain());
        }
    }
}
