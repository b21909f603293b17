package org.jzeo.protocol.internal;

import io.netty.buffer.ByteBuf;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;
import org.jzeo.protocol.Tuple;

/**
 * Writes a pickle (protocol 3) the way Python's pickler does for plain data, opcode for opcode:
 * PROTO 3, NONE, NEWTRUE/NEWFALSE, BININT1/BININT2/BININT/LONG1/LONG4, BINFLOAT, BINUNICODE,
 * SHORT_BINBYTES/BINBYTES, EMPTY_TUPLE/TUPLE1-3/MARK…TUPLE, EMPTY_LIST + APPEND/APPENDS and
 * EMPTY_DICT + SETITEM/SETITEMS (batches of 1000), STOP.
 *
 * <p>Without memo ({@code fast} mode, what ZEO sends) no PUT opcodes are written. With memo, a
 * BINPUT/LONG_BINPUT follows every str, bytes, non-empty tuple, list and dict, as Python's
 * default pickler writes them when no object is shared (this is what ZODB stores as a
 * transaction extension).
 */
public final class PickleWriter {
    private static final int BATCH = 1000;

    private final ByteBuf out;
    private final boolean memoize;
    private int memoCount;

    /**
     * @param out     where to write
     * @param memoize whether to write memo PUTs (see the class documentation)
     */
    public PickleWriter(ByteBuf out, boolean memoize) {
        this.out = out;
        this.memoize = memoize;
    }

    /** Writes one complete pickle of {@code value}: PROTO 3, the value, STOP. */
    public void dump(Object value) {
        out.writeByte(Opcodes.PROTO).writeByte(3);
        save(value, 0);
        out.writeByte(Opcodes.STOP);
    }

    private void save(Object v, int depth) {
        if (depth > 4 * Limits.MAX_DEPTH) {
            throw new IllegalArgumentException("value nested too deeply (cyclic?)");
        }
        if (v == null) {
            out.writeByte(Opcodes.NONE);
        } else if (v instanceof Boolean b) {
            out.writeByte(b ? Opcodes.NEWTRUE : Opcodes.NEWFALSE);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            saveLong(((Number) v).longValue());
        } else if (v instanceof BigInteger b) {
            if (b.bitLength() <= 63) {
                saveLong(b.longValue());
            } else {
                saveBig(b);
            }
        } else if (v instanceof Double || v instanceof Float) {
            out.writeByte(Opcodes.BINFLOAT);
            out.writeLong(Double.doubleToRawLongBits(((Number) v).doubleValue()));
        } else if (v instanceof String s) {
            byte[] b = Utf8.encode(s, true);
            out.writeByte(Opcodes.BINUNICODE);
            out.writeIntLE(b.length);
            out.writeBytes(b);
            memo();
        } else if (v instanceof byte[] b) {
            saveBytes(b);
        } else if (v instanceof Oid o) {
            saveBytes(o.toBytes());
        } else if (v instanceof Tid t) {
            saveBytes(t.toBytes());
        } else if (v instanceof Tuple t) {
            saveTuple(t.items(), depth);
        } else if (v instanceof List<?> l) {
            saveList(l, depth);
        } else if (v instanceof Map<?, ?> m) {
            saveDict(m, depth);
        } else {
            throw new IllegalArgumentException("cannot pickle a " + v.getClass().getName());
        }
    }

    private void saveLong(long x) {
        if (x >= 0 && x <= 0xff) {
            out.writeByte(Opcodes.BININT1).writeByte((int) x);
        } else if (x >= 0 && x <= 0xffff) {
            out.writeByte(Opcodes.BININT2).writeShortLE((int) x);
        } else if (x >= Integer.MIN_VALUE && x <= Integer.MAX_VALUE) {
            out.writeByte(Opcodes.BININT).writeIntLE((int) x);
        } else {
            saveBig(BigInteger.valueOf(x));
        }
    }

    private void saveBig(BigInteger x) {
        byte[] be = x.toByteArray(); // minimal two's complement, big-endian
        int n = be.length;
        if (n < 256) {
            out.writeByte(Opcodes.LONG1).writeByte(n);
        } else {
            out.writeByte(Opcodes.LONG4).writeIntLE(n);
        }
        for (int i = n - 1; i >= 0; i--) {
            out.writeByte(be[i]);
        }
    }

    private void saveBytes(byte[] b) {
        if (b.length < 256) {
            out.writeByte(Opcodes.SHORT_BINBYTES).writeByte(b.length);
        } else {
            out.writeByte(Opcodes.BINBYTES).writeIntLE(b.length);
        }
        out.writeBytes(b);
        memo();
    }

    private void saveTuple(List<Object> items, int depth) {
        int n = items.size();
        if (n == 0) {
            out.writeByte(Opcodes.EMPTY_TUPLE);
            return;
        }
        if (n <= 3) {
            for (Object item : items) {
                save(item, depth + 1);
            }
            out.writeByte(Opcodes.TUPLE1 + n - 1);
        } else {
            out.writeByte(Opcodes.MARK);
            for (Object item : items) {
                save(item, depth + 1);
            }
            out.writeByte(Opcodes.TUPLE);
        }
        memo();
    }

    private void saveList(List<?> items, int depth) {
        out.writeByte(Opcodes.EMPTY_LIST);
        memo();
        int n = items.size();
        Iterator<?> it = items.iterator();
        for (int done = 0; done < n; ) {
            int batch = Math.min(BATCH, n - done);
            if (batch == 1) {
                save(it.next(), depth + 1);
                out.writeByte(Opcodes.APPEND);
            } else {
                out.writeByte(Opcodes.MARK);
                for (int i = 0; i < batch; i++) {
                    save(it.next(), depth + 1);
                }
                out.writeByte(Opcodes.APPENDS);
            }
            done += batch;
        }
    }

    private void saveDict(Map<?, ?> m, int depth) {
        out.writeByte(Opcodes.EMPTY_DICT);
        memo();
        int n = m.size();
        Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
        for (int done = 0; done < n; ) {
            int batch = Math.min(BATCH, n - done);
            if (batch == 1) {
                Map.Entry<?, ?> e = it.next();
                save(e.getKey(), depth + 1);
                save(e.getValue(), depth + 1);
                out.writeByte(Opcodes.SETITEM);
            } else {
                out.writeByte(Opcodes.MARK);
                for (int i = 0; i < batch; i++) {
                    Map.Entry<?, ?> e = it.next();
                    save(e.getKey(), depth + 1);
                    save(e.getValue(), depth + 1);
                }
                out.writeByte(Opcodes.SETITEMS);
            }
            done += batch;
        }
    }

    private void memo() {
        if (!memoize) {
            return;
        }
        int idx = memoCount++;
        if (idx < 256) {
            out.writeByte(Opcodes.BINPUT).writeByte(idx);
        } else {
            out.writeByte(Opcodes.LONG_BINPUT).writeIntLE(idx);
        }
    }
}
