package org.jzeo.protocol.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.math.BigInteger;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.MessageCodec;
import org.jzeo.protocol.ProtocolException;
import org.jzeo.protocol.Tuple;
import org.jzeo.protocol.Values;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.MessageUnpacker;

/**
 * The {@code M5} codec: msgpack as Python's {@code packb(use_bin_type=True)} writes it and
 * {@code unpackb(raw=False, use_list=False)} reads it. Arrays decode to {@link Tuple}s.
 */
public final class MsgpackCodec implements MessageCodec {
    /** The shared instance (stateless). */
    public static final MsgpackCodec INSTANCE = new MsgpackCodec();

    private static final MessagePack.PackerConfig PACKER = new MessagePack.PackerConfig().withBufferSize(512);
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private MsgpackCodec() {
    }

    @Override
    public String protocol() {
        return M5;
    }

    @Override
    public void encodeValue(Object value, ByteBuf out) {
        try (MessagePacker p = PACKER.newPacker(new ByteBufOutputStream(out))) {
            write(p, value, 0);
            p.flush();
        } catch (IOException e) {
            throw new IllegalStateException("cannot write to a buffer", e);
        }
    }

    private static void write(MessagePacker p, Object v, int depth) throws IOException {
        if (depth > 4 * Limits.MAX_DEPTH) {
            throw new IllegalArgumentException("value nested too deeply (cyclic?)");
        }
        if (v == null) {
            p.packNil();
        } else if (v instanceof Boolean b) {
            p.packBoolean(b);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            p.packLong(((Number) v).longValue());
        } else if (v instanceof BigInteger b) {
            if (b.bitLength() <= 63) {
                p.packLong(b.longValue());
            } else if (b.signum() > 0 && b.compareTo(UINT64_MAX) <= 0) {
                p.packBigInteger(b);
            } else {
                throw new IllegalArgumentException("integer out of msgpack range: " + b);
            }
        } else if (v instanceof Double || v instanceof Float) {
            p.packDouble(((Number) v).doubleValue());
        } else if (v instanceof String s) {
            byte[] b = Utf8.encode(s, false);
            p.packRawStringHeader(b.length);
            p.writePayload(b);
        } else if (v instanceof byte[] b) {
            p.packBinaryHeader(b.length);
            p.writePayload(b);
        } else if (v instanceof Oid o) {
            p.packBinaryHeader(8);
            p.writePayload(o.toBytes());
        } else if (v instanceof Tid t) {
            p.packBinaryHeader(8);
            p.writePayload(t.toBytes());
        } else if (v instanceof Tuple || v instanceof List) {
            List<Object> items = Values.sequence(v);
            p.packArrayHeader(items.size());
            for (Object item : items) {
                write(p, item, depth + 1);
            }
        } else if (v instanceof Map<?, ?> m) {
            p.packMapHeader(m.size());
            for (Map.Entry<?, ?> e : m.entrySet()) {
                write(p, e.getKey(), depth + 1);
                write(p, e.getValue(), depth + 1);
            }
        } else {
            throw new IllegalArgumentException("cannot encode a " + v.getClass().getName() + " in msgpack");
        }
    }

    @Override
    public Object decodeValue(ByteBuf payload) {
        int length = payload.readableBytes();
        if (length == 0) {
            throw new ProtocolException("empty msgpack payload");
        }
        // msgpack-core reads direct ByteBuffers through sun.nio.ch internals that Java 17 does not
        // export, so it only ever gets heap arrays (a direct buffer is copied once).
        byte[] array;
        int offset;
        if (payload.hasArray()) {
            array = payload.array();
            offset = payload.arrayOffset() + payload.readerIndex();
        } else {
            array = ByteBufUtil.getBytes(payload, payload.readerIndex(), length, false);
            offset = 0;
        }
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(array, offset, length)) {
            Object v = new Reader(u, length).read(0);
            if (u.hasNext()) {
                throw new ProtocolException("extra data after the msgpack value ("
                        + (length - u.getTotalReadBytes()) + " bytes)");
            }
            return v;
        } catch (ProtocolException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ProtocolException("undecodable msgpack payload: " + e, e);
        }
    }

    private static final class Reader {
        private final MessageUnpacker u;
        private final long length;

        Reader(MessageUnpacker u, long length) {
            this.u = u;
            this.length = length;
        }

        private long remaining() {
            return length - u.getTotalReadBytes();
        }

        private int checkCount(long n, long bytesPerItem, String what) {
            if (n < 0 || n > Limits.MAX_COLLECTION || n * bytesPerItem > remaining()) {
                throw new ProtocolException("msgpack " + what + " of " + n + " items does not fit the "
                        + remaining() + " remaining bytes");
            }
            return (int) n;
        }

        /** A str or bin: bounded by the frame (already in memory), not by the collection limit. */
        private int checkBytes(long n, String what) {
            if (n < 0 || n > remaining()) {
                throw new ProtocolException("msgpack " + what + " of " + n + " bytes does not fit the "
                        + remaining() + " remaining bytes");
            }
            return (int) n;
        }

        Object read(int depth) throws IOException {
            MessageFormat f = u.getNextFormat();
            switch (f.getValueType()) {
                case NIL:
                    u.unpackNil();
                    return null;
                case BOOLEAN:
                    return u.unpackBoolean();
                case INTEGER:
                    if (f == MessageFormat.UINT64) {
                        return Values.normalizeInteger(u.unpackBigInteger());
                    }
                    return u.unpackLong();
                case FLOAT:
                    return u.unpackDouble();
                case STRING: {
                    int n = checkBytes(Integer.toUnsignedLong(u.unpackRawStringHeader()), "str");
                    byte[] b = u.readPayload(n);
                    return Utf8.decode(b, 0, n, false);
                }
                case BINARY: {
                    int n = checkBytes(Integer.toUnsignedLong(u.unpackBinaryHeader()), "bin");
                    return u.readPayload(n);
                }
                case ARRAY: {
                    int n = checkCount(Integer.toUnsignedLong(u.unpackArrayHeader()), 1, "array");
                    checkDepth(depth);
                    Object[] items = new Object[n];
                    for (int i = 0; i < n; i++) {
                        items[i] = read(depth + 1);
                    }
                    return Tuple.of(items);
                }
                case MAP: {
                    int n = checkCount(Integer.toUnsignedLong(u.unpackMapHeader()), 2, "map");
                    checkDepth(depth);
                    Map<Object, Object> m = new LinkedHashMap<>(Math.min(n, 1024) * 2);
                    for (int i = 0; i < n; i++) {
                        Object k = read(depth + 1);
                        if (k instanceof Map) {
                            throw new ProtocolException("unhashable msgpack map key (a map)");
                        }
                        m.put(k, read(depth + 1));
                    }
                    return Collections.unmodifiableMap(m);
                }
                case EXTENSION:
                default:
                    throw new ProtocolException("msgpack type " + f + " is not used by ZEO");
            }
        }

        private static void checkDepth(int depth) {
            if (depth >= Limits.MAX_DEPTH) {
                throw new ProtocolException("msgpack value nested deeper than " + Limits.MAX_DEPTH);
            }
        }
    }
}
