package org.jzeo.protocol;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;

/**
 * Helpers for the decoded value model (see the package documentation): Python truthiness,
 * lenient conversions for method arguments, content equality and a Python-like {@code repr}.
 */
public final class Values {
    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private Values() {
    }

    /** Whether {@code v} is a sequence ({@link Tuple} or {@link List}). */
    public static boolean isSequence(Object v) {
        return v instanceof Tuple || v instanceof List;
    }

    /**
     * The elements of a tuple or list.
     *
     * @throws IllegalArgumentException if {@code v} is neither
     */
    @SuppressWarnings("unchecked")
    public static List<Object> sequence(Object v) {
        if (v instanceof Tuple t) {
            return t.items();
        }
        if (v instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new IllegalArgumentException("expected a sequence, got " + typeName(v));
    }

    /** Python truthiness: {@code None}, {@code False}, zero, and empty str/bytes/containers are false. */
    public static boolean truthy(Object v) {
        if (v == null) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof BigInteger b) {
            return b.signum() != 0;
        }
        if (v instanceof Double || v instanceof Float) {
            return ((Number) v).doubleValue() != 0.0;
        }
        if (v instanceof Number n) {
            return n.longValue() != 0;
        }
        if (v instanceof String s) {
            return !s.isEmpty();
        }
        if (v instanceof byte[] b) {
            return b.length != 0;
        }
        if (v instanceof Tuple t) {
            return !t.isEmpty();
        }
        if (v instanceof List<?> l) {
            return !l.isEmpty();
        }
        if (v instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return true;
    }

    /** Whether {@code v} is a Python int (a Boolean is not, here). */
    public static boolean isInteger(Object v) {
        return v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte
                || v instanceof BigInteger;
    }

    /**
     * An integer argument as a long ({@code bool} counts as 0/1, as in Python).
     *
     * @throws IllegalArgumentException if {@code v} is not an integer or does not fit a long
     */
    public static long toLong(Object v) {
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        if (v instanceof BigInteger b) {
            if (b.bitLength() > 63) {
                throw new IllegalArgumentException("integer out of range: " + b);
            }
            return b.longValue();
        }
        if (isInteger(v)) {
            return ((Number) v).longValue();
        }
        throw new IllegalArgumentException("expected an int, got " + typeName(v));
    }

    /**
     * Normalises an integer to the decoded form: a {@link Long} when it fits, else the
     * {@link BigInteger}.
     */
    public static Object normalizeInteger(BigInteger v) {
        return v.compareTo(LONG_MIN) >= 0 && v.compareTo(LONG_MAX) <= 0 ? (Object) v.longValue() : v;
    }

    /**
     * A bytes argument.
     *
     * @throws IllegalArgumentException if {@code v} is not {@code byte[]}
     */
    public static byte[] bytes(Object v) {
        if (v instanceof byte[] b) {
            return b;
        }
        throw new IllegalArgumentException("expected bytes, got " + typeName(v));
    }

    /**
     * A text argument, leniently: a {@code String}, or {@code byte[]} decoded as UTF-8 (as
     * Python 2 peers send native strings).
     *
     * @throws IllegalArgumentException for any other type
     */
    public static String text(Object v) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        throw new IllegalArgumentException("expected str, got " + typeName(v));
    }

    /** An 8-byte oid argument ({@code byte[8]} or an {@link Oid}). */
    public static Oid oid(Object v) {
        if (v instanceof Oid o) {
            return o;
        }
        byte[] b = bytes(v);
        if (b.length != 8) {
            throw new IllegalArgumentException("an oid must be 8 bytes, got " + b.length);
        }
        return Oid.of(b);
    }

    /** An 8-byte tid argument ({@code byte[8]} or a {@link Tid}). */
    public static Tid tid(Object v) {
        if (v instanceof Tid t) {
            return t;
        }
        byte[] b = bytes(v);
        if (b.length != 8) {
            throw new IllegalArgumentException("a tid must be 8 bytes, got " + b.length);
        }
        return Tid.of(b);
    }

    /** The Python type name of a value, for error messages. */
    public static String typeName(Object v) {
        if (v == null) {
            return "NoneType";
        }
        if (v instanceof Boolean) {
            return "bool";
        }
        if (isInteger(v)) {
            return "int";
        }
        if (v instanceof Double || v instanceof Float) {
            return "float";
        }
        if (v instanceof String) {
            return "str";
        }
        if (v instanceof byte[] || v instanceof Oid || v instanceof Tid) {
            return "bytes";
        }
        if (v instanceof Tuple) {
            return "tuple";
        }
        if (v instanceof List) {
            return "list";
        }
        if (v instanceof Map) {
            return "dict";
        }
        return v.getClass().getName();
    }

    /**
     * Content equality of decoded values: {@code byte[]} by content, integers by value whatever
     * their Java type, doubles by {@link Double#equals}, tuples and lists element-wise (a tuple
     * never equals a list), maps entry by entry <b>in iteration order</b>.
     */
    public static boolean deepEquals(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (isInteger(a) && isInteger(b)) {
            return toBig(a).equals(toBig(b));
        }
        if (a instanceof byte[] x && b instanceof byte[] y) {
            return Arrays.equals(x, y);
        }
        if (a instanceof Tuple x && b instanceof Tuple y) {
            return listEquals(x.items(), y.items());
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            return listEquals(x, y);
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            Iterator<? extends Map.Entry<?, ?>> i = x.entrySet().iterator();
            Iterator<? extends Map.Entry<?, ?>> j = y.entrySet().iterator();
            while (i.hasNext()) {
                Map.Entry<?, ?> e = i.next();
                Map.Entry<?, ?> f = j.next();
                if (!deepEquals(e.getKey(), f.getKey()) || !deepEquals(e.getValue(), f.getValue())) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Float || a instanceof Double) {
            return (b instanceof Float || b instanceof Double)
                    && Double.valueOf(((Number) a).doubleValue()).equals(((Number) b).doubleValue());
        }
        return a.equals(b);
    }

    private static boolean listEquals(List<?> x, List<?> y) {
        if (x.size() != y.size()) {
            return false;
        }
        for (int k = 0; k < x.size(); k++) {
            if (!deepEquals(x.get(k), y.get(k))) {
                return false;
            }
        }
        return true;
    }

    private static BigInteger toBig(Object v) {
        return v instanceof BigInteger b ? b : BigInteger.valueOf(((Number) v).longValue());
    }

    /** A Python-like {@code repr} of a value, for logs and error messages (long bytes are cut). */
    public static String repr(Object v) {
        StringBuilder b = new StringBuilder();
        repr(v, b, 0);
        return b.toString();
    }

    private static void repr(Object v, StringBuilder b, int depth) {
        if (depth > 50 || b.length() > 10_000) {
            b.append("...");
            return;
        }
        if (v == null) {
            b.append("None");
        } else if (v instanceof Boolean x) {
            b.append(x ? "True" : "False");
        } else if (v instanceof String s) {
            b.append('\'');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '\'' -> b.append("\\'");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    default -> {
                        if (c < 0x20 || c == 0x7f) {
                            b.append(String.format("\\x%02x", (int) c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            b.append('\'');
        } else if (v instanceof byte[] x) {
            b.append("b'");
            int n = Math.min(x.length, 256);
            for (int i = 0; i < n; i++) {
                int c = x[i] & 0xff;
                if (c == '\'' || c == '\\') {
                    b.append('\\').append((char) c);
                } else if (c >= 0x20 && c < 0x7f) {
                    b.append((char) c);
                } else {
                    b.append(String.format("\\x%02x", c));
                }
            }
            b.append('\'');
            if (n < x.length) {
                b.append("...(").append(x.length).append(" bytes)");
            }
        } else if (v instanceof Tuple t) {
            b.append('(');
            sequenceRepr(t.items(), b, depth);
            if (t.size() == 1) {
                b.append(',');
            }
            b.append(')');
        } else if (v instanceof List<?> l) {
            b.append('[');
            sequenceRepr(l, b, depth);
            b.append(']');
        } else if (v instanceof Map<?, ?> m) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    b.append(", ");
                }
                first = false;
                repr(e.getKey(), b, depth + 1);
                b.append(": ");
                repr(e.getValue(), b, depth + 1);
            }
            b.append('}');
        } else {
            b.append(v);
        }
    }

    private static void sequenceRepr(List<?> items, StringBuilder b, int depth) {
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                b.append(", ");
            }
            repr(items.get(i), b, depth + 1);
        }
    }
}
