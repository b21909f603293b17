package org.jzeo.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.jzeo.protocol.internal.MsgpackCodec;
import org.jzeo.protocol.internal.PickleCodec;

/**
 * Encodes and decodes the payload of one frame (a {@link Message}, or any value of the value
 * model) in one of ZEO 5's two flavours. Implementations are stateless and thread-safe.
 *
 * <p>Decoding never advances the reader index of the given buffer and never releases it. Every
 * decoding problem is a {@link ProtocolException}; encoding a value outside the value model is an
 * {@link IllegalArgumentException}.
 */
public interface MessageCodec {
    /** The msgpack protocol string. */
    String M5 = "M5";
    /** The pickle protocol string. */
    String Z5 = "Z5";

    /**
     * The codec for a protocol string: {@code "M5"} (msgpack, byte-exact with Python's
     * {@code msgpack.packb(use_bin_type=True)}) or {@code "Z5"} (pickle protocol 3, byte-exact with
     * ZEO's fast-mode pickler).
     *
     * @throws IllegalArgumentException for any other protocol
     */
    static MessageCodec forProtocol(String protocol) {
        if (M5.equals(protocol)) {
            return MsgpackCodec.INSTANCE;
        }
        if (Z5.equals(protocol)) {
            return PickleCodec.INSTANCE;
        }
        throw new IllegalArgumentException("unsupported ZEO protocol: " + protocol);
    }

    /** The protocol string, {@code "M5"} or {@code "Z5"}. */
    String protocol();

    /** Appends the encoding of {@code message} (the payload only, no length prefix) to {@code out}. */
    default void encode(Message message, ByteBuf out) {
        encodeValue(message.toValue(), out);
    }

    /** The payload bytes of {@code message}. */
    default byte[] encode(Message message) {
        ByteBuf buf = Unpooled.buffer(64);
        try {
            encode(message, buf);
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    /**
     * Decodes the readable bytes of {@code payload} as a message.
     *
     * @throws ProtocolException if it is not a valid encoding of a 4-element sequence
     *                           {@code (msgid, flag, name, args)} with a text name
     */
    default Message decode(ByteBuf payload) {
        return Message.fromValue(decodeValue(payload));
    }

    /** Decodes a payload held in a byte array. */
    default Message decode(byte[] payload) {
        return decode(Unpooled.wrappedBuffer(payload));
    }

    /** Appends the encoding of any value of the value model to {@code out}. */
    void encodeValue(Object value, ByteBuf out);

    /** The encoding of any value of the value model. */
    default byte[] encodeValue(Object value) {
        ByteBuf buf = Unpooled.buffer(64);
        try {
            encodeValue(value, buf);
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    /**
     * Decodes the readable bytes of {@code payload} as one value.
     *
     * @throws ProtocolException if they are not a valid encoding
     */
    Object decodeValue(ByteBuf payload);

    /** Decodes one value held in a byte array. */
    default Object decodeValue(byte[] payload) {
        return decodeValue(Unpooled.wrappedBuffer(payload));
    }
}
