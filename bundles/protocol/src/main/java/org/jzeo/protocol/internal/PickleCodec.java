package org.jzeo.protocol.internal;

import io.netty.buffer.ByteBuf;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.MessageCodec;
import org.jzeo.protocol.ProtocolException;

/**
 * The {@code Z5} codec: one protocol-3 pickle per message, written like Python's fast-mode
 * pickler (no memo), read by the safe {@link PickleReader}.
 */
public final class PickleCodec implements MessageCodec {
    /** The shared instance (stateless). */
    public static final PickleCodec INSTANCE = new PickleCodec();

    private static final PickleReader READER = new PickleReader(false);

    private PickleCodec() {
    }

    @Override
    public String protocol() {
        return Z5;
    }

    @Override
    public void encodeValue(Object value, ByteBuf out) {
        new PickleWriter(out, false).dump(value);
    }

    @Override
    public Object decodeValue(ByteBuf payload) {
        if (!payload.isReadable()) {
            throw new ProtocolException("empty pickle payload");
        }
        return READER.load(payload.duplicate());
    }
}
