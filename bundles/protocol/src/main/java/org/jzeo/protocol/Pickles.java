package org.jzeo.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jzeo.protocol.internal.PickleReader;
import org.jzeo.protocol.internal.PickleWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Standalone pickling of plain data (protocol 3), for uses outside the wire: the transaction
 * extension that FileStorage stores in {@code Data.fs} (filestorage-format.md §7.5).
 *
 * <p>Only plain data is supported (see the package value model); reading never instantiates a
 * class: GLOBAL/REDUCE and friends are refused.
 */
public final class Pickles {
    private static final Logger LOG = LoggerFactory.getLogger(Pickles.class);
    private static final PickleReader WIRE_READER = new PickleReader(false);
    private static final PickleReader TEXT_READER = new PickleReader(true);

    private Pickles() {
    }

    /**
     * Pickles {@code value} with protocol 3 and no memo opcodes (what ZEO puts on the wire).
     *
     * @throws IllegalArgumentException if the value holds a type outside the value model
     */
    public static byte[] dumps(Object value) {
        return dumps(value, false);
    }

    /**
     * Pickles {@code value} with protocol 3.
     *
     * @param memoize write a BINPUT after every str, bytes, tuple, list and dict, as Python's
     *                ordinary pickler does when no object is shared ({@code pickle.dumps(v, 3)})
     */
    public static byte[] dumps(Object value, boolean memoize) {
        ByteBuf buf = Unpooled.buffer(64);
        try {
            new PickleWriter(buf, memoize).dump(value);
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    /**
     * Unpickles plain data. Python 2 {@code str} values (BINSTRING opcodes) come back as
     * {@code byte[]}.
     *
     * @throws ProtocolException if the pickle is malformed or uses a refused opcode
     */
    public static Object loads(byte[] pickle) {
        return WIRE_READER.load(Unpooled.wrappedBuffer(pickle));
    }

    /**
     * The bytes to store for a transaction extension: empty for an empty (or {@code null}) map,
     * else the protocol-3 pickle of the dict, with memo PUTs as ZODB writes it.
     */
    public static byte[] dumpExtension(Map<String, ?> extension) {
        if (extension == null || extension.isEmpty()) {
            return new byte[0];
        }
        return dumps(extension, true);
    }

    /**
     * Reads a stored transaction extension: a dict with text keys. Empty bytes, an unreadable
     * pickle or a pickle that is not a dict give an empty map (logged at debug level); Python 2
     * byte-string keys and values are read as latin-1 text; entries with other key types are
     * skipped.
     */
    public static Map<String, Object> loadExtension(byte[] stored) {
        if (stored == null || stored.length == 0) {
            return Map.of();
        }
        Object v;
        try {
            v = TEXT_READER.load(Unpooled.wrappedBuffer(stored));
        } catch (ProtocolException e) {
            LOG.debug("unreadable transaction extension ({} bytes): {}", stored.length, e.getMessage());
            return Map.of();
        }
        if (!(v instanceof Map<?, ?> m)) {
            LOG.debug("transaction extension is a {}, not a dict", Values.typeName(v));
            return Map.of();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (e.getKey() instanceof String k) {
                out.put(k, e.getValue());
            }
        }
        return Collections.unmodifiableMap(out);
    }
}
