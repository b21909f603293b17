package org.jzeo.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the Python-made fixtures and converts their JSON form to the value model. */
final class Fixtures {
    private Fixtures() {
    }

    static File dir() {
        return new File(System.getProperty("jzeo.fixtures", "../../../shared/fixtures"));
    }

    static JsonNode json(String path) {
        try {
            return new ObjectMapper().readTree(new File(dir(), path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /**
     * The fixture JSON form to the value model: arrays become {@link Tuple}s (the JSON does not
     * distinguish lists), {@code $bytes} byte arrays, {@code $dict} ordered maps, {@code $float}
     * doubles.
     */
    static Object toValue(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isIntegralNumber()) {
            return Values.normalizeInteger(n.bigIntegerValue());
        }
        if (n.isFloatingPointNumber()) {
            return n.doubleValue();
        }
        if (n.isTextual()) {
            return n.textValue();
        }
        if (n.isArray()) {
            List<Object> items = new ArrayList<>();
            n.forEach(x -> items.add(toValue(x)));
            return new Tuple(items);
        }
        if (n.has("$bytes")) {
            return hex(n.get("$bytes").textValue());
        }
        if (n.has("$float")) {
            return Double.valueOf(n.get("$float").textValue());
        }
        if (n.has("$dict")) {
            Map<Object, Object> m = new LinkedHashMap<>();
            for (JsonNode pair : n.get("$dict")) {
                m.put(toValue(pair.get(0)), toValue(pair.get(1)));
            }
            return m;
        }
        throw new IllegalArgumentException("unknown fixture node " + n);
    }

    /** Replaces every List by a Tuple, so that a decoded value compares with {@link #toValue}. */
    static Object listsAsTuples(Object v) {
        if (v instanceof Tuple t) {
            List<Object> items = new ArrayList<>();
            t.items().forEach(x -> items.add(listsAsTuples(x)));
            return new Tuple(items);
        }
        if (v instanceof List<?> l) {
            List<Object> items = new ArrayList<>();
            l.forEach(x -> items.add(listsAsTuples(x)));
            return new Tuple(items);
        }
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(listsAsTuples(k), listsAsTuples(x)));
            return out;
        }
        return v;
    }

    static BigInteger big(String s) {
        return new BigInteger(s);
    }
}
