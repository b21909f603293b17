package org.jzeo.protocol;

import io.netty.channel.ChannelPipeline;

/**
 * Sets up the protocol handlers of a ZEO connection. After
 * {@link #addServerHandlers} or {@link #addClientHandlers}, add the application handler last; it
 * receives a {@link HandshakeCompleteEvent} (or, on a server, a {@link RuokProbeEvent}) as a user
 * event, then reads and writes {@link Message}s:
 *
 * <pre>{@code
 * ch.pipeline() // in a ChannelInitializer
 *   ZeoPipeline.addServerHandlers(ch.pipeline(), "M5", FrameDecoder.DEFAULT_MAX_FRAME_SIZE);
 *   ch.pipeline().addLast("zeo-server", new MyServerHandler());
 * }</pre>
 *
 * Resulting order: {@value #FRAME_DECODER}, {@value #FRAME_ENCODER}, {@value #HANDSHAKE} (replaced
 * by {@value #CODEC} after the handshake), then the application handler.
 */
public final class ZeoPipeline {
    /** Name of the {@link FrameDecoder}. */
    public static final String FRAME_DECODER = "zeo-frame-decoder";
    /** Name of the {@link FrameEncoder}. */
    public static final String FRAME_ENCODER = "zeo-frame-encoder";
    /** Name of the {@link HandshakeHandler}. */
    public static final String HANDSHAKE = "zeo-handshake";
    /** Name of the {@link MessageCodecHandler} installed by the handshake. */
    public static final String CODEC = "zeo-codec";

    private ZeoPipeline() {
    }

    /**
     * Adds framing and a server handshake announcing {@code protocol} ({@code "M5"} or {@code "Z5"}).
     *
     * @param maxFrameSize largest accepted payload (see {@link FrameDecoder})
     */
    public static ChannelPipeline addServerHandlers(ChannelPipeline p, String protocol, int maxFrameSize) {
        return p.addLast(FRAME_DECODER, new FrameDecoder(maxFrameSize))
                .addLast(FRAME_ENCODER, FrameEncoder.INSTANCE)
                .addLast(HANDSHAKE, HandshakeHandler.server(protocol));
    }

    /**
     * Adds framing and a client handshake.
     *
     * @param maxFrameSize largest accepted payload (see {@link FrameDecoder})
     */
    public static ChannelPipeline addClientHandlers(ChannelPipeline p, int maxFrameSize) {
        return p.addLast(FRAME_DECODER, new FrameDecoder(maxFrameSize))
                .addLast(FRAME_ENCODER, FrameEncoder.INSTANCE)
                .addLast(HANDSHAKE, HandshakeHandler.client());
    }
}
