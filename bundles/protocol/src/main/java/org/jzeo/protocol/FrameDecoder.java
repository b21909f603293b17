package org.jzeo.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits the byte stream into ZEO frames (a 4-byte big-endian unsigned length, then that many
 * payload bytes) and passes each payload on as a {@link ByteBuf} (the receiver releases it).
 *
 * <p>A length prefix above the configured maximum closes the connection at once, with a log
 * line. This differs from Python ZEO, which has no limit and waits for the announced body
 * (wire-protocol.md §2). A zero-length frame, which no ZEO peer produces, is a protocol error and
 * also closes the connection. After such an error all further input is discarded.
 */
public class FrameDecoder extends ByteToMessageDecoder {
    /** The default maximum payload size: 256 MiB. */
    public static final int DEFAULT_MAX_FRAME_SIZE = 256 << 20;
    /** The largest maximum that can be configured: 2 GiB − 1 (a Java array limit). */
    public static final int MAX_FRAME_SIZE_CAP = Integer.MAX_VALUE;

    private static final Logger LOG = LoggerFactory.getLogger(FrameDecoder.class);

    private final int maxFrameSize;
    private boolean failed;

    /** A decoder with the default maximum of 256 MiB. */
    public FrameDecoder() {
        this(DEFAULT_MAX_FRAME_SIZE);
    }

    /**
     * @param maxFrameSize the largest payload accepted, 1 … 2<sup>31</sup>−1 bytes
     */
    public FrameDecoder(int maxFrameSize) {
        if (maxFrameSize < 1) {
            throw new IllegalArgumentException("maxFrameSize must be positive: " + maxFrameSize);
        }
        this.maxFrameSize = maxFrameSize;
    }

    /** The largest payload accepted. */
    public int maxFrameSize() {
        return maxFrameSize;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < 4) {
            return;
        }
        long length = in.getUnsignedInt(in.readerIndex());
        if (length > maxFrameSize) {
            fail(ctx, in, "frame length prefix " + length + " exceeds the maximum message size " + maxFrameSize);
            return;
        }
        if (length == 0) {
            fail(ctx, in, "zero-length frame (protocol error)");
            return;
        }
        if (in.readableBytes() - 4 < length) {
            return;
        }
        in.skipBytes(4);
        out.add(in.readRetainedSlice((int) length));
    }

    private void fail(ChannelHandlerContext ctx, ByteBuf in, String why) {
        failed = true;
        in.skipBytes(in.readableBytes());
        LOG.warn("{}: {}; closing the connection", ctx.channel().remoteAddress(), why);
        ctx.close();
    }
}
