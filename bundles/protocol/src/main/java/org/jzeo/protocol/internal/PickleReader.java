package org.jzeo.protocol.internal;

import io.netty.buffer.ByteBuf;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jzeo.protocol.ProtocolException;
import org.jzeo.protocol.Tuple;
import org.jzeo.protocol.Values;

/**
 * A safe unpickler for plain data (protocols 0–5): None, bools, ints, floats, str, bytes,
 * tuples, lists and dicts, with memo opcodes (PUT/GET families, MEMOIZE) and FRAME. It never
 * resolves a global: GLOBAL, STACK_GLOBAL, REDUCE, BUILD, INST, OBJ, NEWOBJ(_EX), PERSID,
 * BINPERSID and EXT* are refused with a {@link ProtocolException}, as are sets and the
 * protocol-0 quoted string opcodes.
 *
 * <p>Limits: every length is checked against the bytes left; containers nest at most
 * {@link Limits#MAX_DEPTH} deep; values shared through the memo are copied when the result is
 * built, and the number of nodes built is bounded by a multiple of the pickle's size, so a
 * small pickle cannot expand into a huge value; cycles through the memo are refused.
 */
public final class PickleReader {
    private final boolean binstringAsText;

    /**
     * @param binstringAsText decode Python 2 {@code str} opcodes (STRING/BINSTRING/SHORT_BINSTRING)
     *                        as latin-1 text instead of bytes (useful for stored extensions)
     */
    public PickleReader(boolean binstringAsText) {
        this.binstringAsText = binstringAsText;
    }

    /** A list under construction. */
    private static final class PList extends ArrayList<Object> {
        private static final long serialVersionUID = 1L;
    }

    /** A dict under construction. */
    private static final class PDict extends LinkedHashMap<Object, Object> {
        private static final long serialVersionUID = 1L;
    }

    /** A tuple whose items may still contain containers under construction. */
    private record PTuple(Object[] items) {
    }

    /**
     * Reads one pickle from the readable bytes of {@code in} (advancing its reader index to just
     * after STOP; bytes after STOP are ignored, as Python's {@code loads} does).
     *
     * @throws ProtocolException if the pickle is malformed, truncated, uses a refused opcode or
     *                           exceeds a limit
     */
    public Object load(ByteBuf in) {
        int size = in.readableBytes();
        try {
            return new Run(in, size).run();
        } catch (ProtocolException e) {
            throw e;
        } catch (IndexOutOfBoundsException e) {
            throw new ProtocolException("truncated pickle", e);
        } catch (RuntimeException e) {
            throw new ProtocolException("undecodable pickle: " + e, e);
        }
    }

    private final class Run {
        private final ByteBuf in;
        private final int size;
        private final List<Object> stack = new ArrayList<>();
        private int[] marks = new int[16];
        private int markCount;
        private final Map<Long, Object> memo = new HashMap<>();
        private long budget;

        Run(ByteBuf in, int size) {
            this.in = in;
            this.size = size;
            this.budget = 16L * size + 1024;
        }

        Object run() {
            while (true) {
                need(1);
                int op = in.readUnsignedByte();
                switch (op) {
                    case Opcodes.PROTO -> {
                        need(1);
                        int proto = in.readUnsignedByte();
                        if (proto > 5) {
                            throw new ProtocolException("unsupported pickle protocol " + proto);
                        }
                    }
                    case Opcodes.FRAME -> {
                        need(8);
                        long n = in.readLongLE();
                        if (n < 0 || n > in.readableBytes()) {
                            throw new ProtocolException("pickle FRAME larger than the data");
                        }
                    }
                    case Opcodes.STOP -> {
                        Object v = pop();
                        return freeze(v, 0);
                    }
                    case Opcodes.MARK -> {
                        if (markCount == marks.length) {
                            marks = Arrays.copyOf(marks, markCount * 2);
                        }
                        marks[markCount++] = stack.size();
                    }
                    case Opcodes.POP -> pop();
                    case Opcodes.POP_MARK -> popMark();
                    case Opcodes.DUP -> push(top());
                    case Opcodes.NONE -> push(null);
                    case Opcodes.NEWTRUE -> push(Boolean.TRUE);
                    case Opcodes.NEWFALSE -> push(Boolean.FALSE);
                    case Opcodes.BININT1 -> {
                        need(1);
                        push((long) in.readUnsignedByte());
                    }
                    case Opcodes.BININT2 -> {
                        need(2);
                        push((long) in.readUnsignedShortLE());
                    }
                    case Opcodes.BININT -> {
                        need(4);
                        push((long) in.readIntLE());
                    }
                    case Opcodes.LONG1 -> {
                        need(1);
                        push(readLong(in.readUnsignedByte()));
                    }
                    case Opcodes.LONG4 -> {
                        need(4);
                        int n = in.readIntLE();
                        if (n < 0) {
                            throw new ProtocolException("negative LONG4 length");
                        }
                        push(readLong(n));
                    }
                    case Opcodes.INT -> {
                        String line = readLine();
                        if (line.equals("00")) {
                            push(Boolean.FALSE);
                        } else if (line.equals("01")) {
                            push(Boolean.TRUE);
                        } else {
                            push(parseInt(line));
                        }
                    }
                    case Opcodes.LONG -> {
                        String line = readLine();
                        if (line.endsWith("L")) {
                            line = line.substring(0, line.length() - 1);
                        }
                        push(parseInt(line));
                    }
                    case Opcodes.FLOAT -> push(parseFloat(readLine()));
                    case Opcodes.BINFLOAT -> {
                        need(8);
                        push(Double.longBitsToDouble(in.readLong()));
                    }
                    case Opcodes.BINUNICODE -> push(readText(readLength32()));
                    case Opcodes.SHORT_BINUNICODE -> {
                        need(1);
                        push(readText(in.readUnsignedByte()));
                    }
                    case Opcodes.BINUNICODE8 -> push(readText(readLength64()));
                    case Opcodes.SHORT_BINBYTES -> {
                        need(1);
                        push(readBytes(in.readUnsignedByte()));
                    }
                    case Opcodes.BINBYTES -> push(readBytes(readLength32()));
                    case Opcodes.BINBYTES8, Opcodes.BYTEARRAY8 -> push(readBytes(readLength64()));
                    case Opcodes.SHORT_BINSTRING -> {
                        need(1);
                        push(binstring(readBytes(in.readUnsignedByte())));
                    }
                    case Opcodes.BINSTRING -> push(binstring(readBytes(readLength32())));
                    case Opcodes.EMPTY_TUPLE -> push(new PTuple(new Object[0]));
                    case Opcodes.TUPLE1, Opcodes.TUPLE2, Opcodes.TUPLE3 -> {
                        int n = op - Opcodes.TUPLE1 + 1;
                        if (stack.size() - currentMarkBase() < n) {
                            throw new ProtocolException("pickle stack underflow at TUPLE" + n);
                        }
                        Object[] items = new Object[n];
                        for (int i = n - 1; i >= 0; i--) {
                            items[i] = pop();
                        }
                        push(new PTuple(items));
                    }
                    case Opcodes.TUPLE -> push(new PTuple(popMark().toArray()));
                    case Opcodes.EMPTY_LIST -> push(new PList());
                    case Opcodes.LIST -> {
                        PList l = new PList();
                        l.addAll(popMark());
                        push(l);
                    }
                    case Opcodes.APPEND -> {
                        Object v = pop();
                        list(top(), "APPEND").add(v);
                        checkSize(list(top(), "APPEND").size());
                    }
                    case Opcodes.APPENDS -> {
                        List<Object> items = popMark();
                        PList l = list(top(), "APPENDS");
                        l.addAll(items);
                        checkSize(l.size());
                    }
                    case Opcodes.EMPTY_DICT -> push(new PDict());
                    case Opcodes.DICT -> {
                        List<Object> items = popMark();
                        PDict d = new PDict();
                        setItems(d, items);
                        push(d);
                    }
                    case Opcodes.SETITEM -> {
                        Object v = pop();
                        Object k = pop();
                        PDict d = dict(top(), "SETITEM");
                        d.put(key(k), v);
                        checkSize(d.size());
                    }
                    case Opcodes.SETITEMS -> {
                        List<Object> items = popMark();
                        setItems(dict(top(), "SETITEMS"), items);
                    }
                    case Opcodes.PUT -> memo.put(parseIndex(readLine()), top());
                    case Opcodes.BINPUT -> {
                        need(1);
                        memo.put((long) in.readUnsignedByte(), top());
                    }
                    case Opcodes.LONG_BINPUT -> {
                        need(4);
                        memo.put(in.readUnsignedIntLE(), top());
                    }
                    case Opcodes.MEMOIZE -> memo.put((long) memo.size(), top());
                    case Opcodes.GET -> push(memoGet(parseIndex(readLine())));
                    case Opcodes.BINGET -> {
                        need(1);
                        push(memoGet(in.readUnsignedByte()));
                    }
                    case Opcodes.LONG_BINGET -> {
                        need(4);
                        push(memoGet(in.readUnsignedIntLE()));
                    }
                    default -> {
                        String refused = Opcodes.refusedName(op);
                        if (refused != null) {
                            throw new ProtocolException("pickle opcode " + refused
                                    + " refused: objects are never built from classes named on the network");
                        }
                        String unsupported = Opcodes.unsupportedName(op);
                        if (unsupported != null) {
                            throw new ProtocolException("pickle opcode " + unsupported + " is not supported");
                        }
                        throw new ProtocolException(String.format("unknown pickle opcode 0x%02x at offset %d",
                                op, size - in.readableBytes() - 1));
                    }
                }
            }
        }

        private void need(long n) {
            if (in.readableBytes() < n) {
                throw new ProtocolException("truncated pickle");
            }
        }

        private int readLength32() {
            need(4);
            long n = in.readUnsignedIntLE();
            need(n);
            return (int) n;
        }

        private int readLength64() {
            need(8);
            long n = in.readLongLE();
            if (n < 0) {
                throw new ProtocolException("pickle length out of range");
            }
            need(n);
            return (int) n;
        }

        private byte[] readBytes(int n) {
            need(n);
            byte[] b = new byte[n];
            in.readBytes(b);
            return b;
        }

        private String readText(int n) {
            return Utf8.decode(readBytes(n), 0, n, true);
        }

        private Object binstring(byte[] b) {
            return binstringAsText ? new String(b, StandardCharsets.ISO_8859_1) : b;
        }

        private Object readLong(int n) {
            if (n > Limits.MAX_INT_BYTES) {
                throw new ProtocolException("pickled integer of " + n + " bytes is too large");
            }
            if (n == 0) {
                return 0L;
            }
            byte[] le = readBytes(n);
            byte[] be = new byte[n];
            for (int i = 0; i < n; i++) {
                be[i] = le[n - 1 - i];
            }
            return Values.normalizeInteger(new BigInteger(be));
        }

        private String readLine() {
            int n = in.bytesBefore((byte) '\n');
            if (n < 0) {
                throw new ProtocolException("truncated pickle (no end of line)");
            }
            if (n > Limits.MAX_INT_BYTES) {
                throw new ProtocolException("pickle text argument too long");
            }
            byte[] b = new byte[n];
            in.readBytes(b);
            in.skipBytes(1);
            String s = new String(b, StandardCharsets.ISO_8859_1);
            return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
        }

        private Object parseInt(String s) {
            try {
                return Values.normalizeInteger(new BigInteger(s.trim()));
            } catch (NumberFormatException e) {
                throw new ProtocolException("bad pickle integer literal");
            }
        }

        private Double parseFloat(String s) {
            String t = s.trim();
            switch (t) {
                case "inf":
                    return Double.POSITIVE_INFINITY;
                case "-inf":
                    return Double.NEGATIVE_INFINITY;
                case "nan":
                    return Double.NaN;
                default:
                    try {
                        return Double.valueOf(t);
                    } catch (NumberFormatException e) {
                        throw new ProtocolException("bad pickle float literal");
                    }
            }
        }

        private long parseIndex(String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                throw new ProtocolException("bad pickle memo index");
            }
        }

        private Object memoGet(long idx) {
            if (!memo.containsKey(idx)) {
                throw new ProtocolException("pickle memo key " + idx + " not found");
            }
            return memo.get(idx);
        }

        private void push(Object v) {
            stack.add(v);
        }

        private int currentMarkBase() {
            return markCount == 0 ? 0 : marks[markCount - 1];
        }

        private Object pop() {
            if (stack.size() <= currentMarkBase()) {
                throw new ProtocolException("pickle stack underflow");
            }
            return stack.remove(stack.size() - 1);
        }

        private Object top() {
            if (stack.size() <= currentMarkBase()) {
                throw new ProtocolException("pickle stack underflow");
            }
            return stack.get(stack.size() - 1);
        }

        private List<Object> popMark() {
            if (markCount == 0) {
                throw new ProtocolException("pickle MARK missing");
            }
            int base = marks[--markCount];
            List<Object> tail = stack.subList(base, stack.size());
            List<Object> items = new ArrayList<>(tail);
            tail.clear();
            return items;
        }

        private PList list(Object v, String op) {
            if (v instanceof PList l) {
                return l;
            }
            throw new ProtocolException("pickle " + op + " on a " + kind(v));
        }

        private PDict dict(Object v, String op) {
            if (v instanceof PDict d) {
                return d;
            }
            throw new ProtocolException("pickle " + op + " on a " + kind(v));
        }

        private void setItems(PDict d, List<Object> items) {
            if (items.size() % 2 != 0) {
                throw new ProtocolException("pickle SETITEMS with an odd number of items");
            }
            for (int i = 0; i < items.size(); i += 2) {
                d.put(key(items.get(i)), items.get(i + 1));
            }
            checkSize(d.size());
        }

        private Object key(Object k) {
            if (k instanceof PList || k instanceof PDict) {
                throw new ProtocolException("unhashable dict key in pickle: " + kind(k));
            }
            return k;
        }

        private void checkSize(int n) {
            if (n > Limits.MAX_COLLECTION) {
                throw new ProtocolException("pickled container larger than " + Limits.MAX_COLLECTION);
            }
        }

        private String kind(Object v) {
            if (v instanceof PList) {
                return "list";
            }
            if (v instanceof PDict) {
                return "dict";
            }
            if (v instanceof PTuple) {
                return "tuple";
            }
            return Values.typeName(v);
        }

        /** Turns builders into the immutable value model, enforcing depth and node budget. */
        private Object freeze(Object v, int depth) {
            if (--budget < 0) {
                throw new ProtocolException("pickle expands to too many values (shared memo references)");
            }
            if (v instanceof PTuple || v instanceof PList || v instanceof PDict) {
                if (depth >= Limits.MAX_DEPTH) {
                    throw new ProtocolException("pickle nested deeper than " + Limits.MAX_DEPTH + " (or cyclic)");
                }
            }
            if (v instanceof PTuple t) {
                Object[] items = new Object[t.items().length];
                for (int i = 0; i < items.length; i++) {
                    items[i] = freeze(t.items()[i], depth + 1);
                }
                return Tuple.of(items);
            }
            if (v instanceof PList l) {
                List<Object> out = new ArrayList<>(l.size());
                for (Object item : l) {
                    out.add(freeze(item, depth + 1));
                }
                return Collections.unmodifiableList(out);
            }
            if (v instanceof PDict d) {
                Map<Object, Object> out = new LinkedHashMap<>(Math.max(16, d.size() * 2));
                for (Map.Entry<Object, Object> e : d.entrySet()) {
                    out.put(freeze(e.getKey(), depth + 1), freeze(e.getValue(), depth + 1));
                }
                return Collections.unmodifiableMap(out);
            }
            return v;
        }
    }
}
