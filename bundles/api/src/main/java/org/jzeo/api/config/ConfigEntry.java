package org.jzeo.api.config;

import java.util.Objects;

/**
 * One {@code key value} line of a configuration section, after {@code $NAME} substitution.
 *
 * @param key    the key in lower case (ZConfig keys are case-insensitive)
 * @param value  the value with surrounding whitespace removed; empty when the line has only a key
 * @param source the file it came from ({@code %include}d files give their own name)
 * @param line   its 1-based line number in {@code source}
 */
public record ConfigEntry(String key, String value, String source, int line) {
    /** Validates. */
    public ConfigEntry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }

    /** The value as a ZConfig boolean: {@code true/yes/on} or {@code false/no/off}, any case. */
    public boolean asBoolean() {
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw error("not a boolean (use true/false, yes/no, on/off): '" + value + "'");
        };
    }

    /** The value as an integer. */
    public long asLong() {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw error("not an integer: '" + value + "'");
        }
    }

    /** The value as an {@code int}. */
    public int asInt() {
        long v = asLong();
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw error("integer out of range: '" + value + "'");
        }
        return (int) v;
    }

    /** The value as a float. */
    public double asDouble() {
        try {
            double d = Double.parseDouble(value);
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw error("not a number: '" + value + "'");
        }
    }

    /**
     * The value as a ZConfig byte-size: an integer with an optional case-insensitive {@code KB},
     * {@code MB} or {@code GB} suffix (powers of 1024), e.g. {@code 20MB} = 20 971 520.
     */
    public long asByteSize() {
        String v = value.trim().toUpperCase(java.util.Locale.ROOT);
        long factor = 1;
        if (v.endsWith("KB")) {
            factor = 1L << 10;
        } else if (v.endsWith("MB")) {
            factor = 1L << 20;
        } else if (v.endsWith("GB")) {
            factor = 1L << 30;
        }
        if (factor != 1) {
            v = v.substring(0, v.length() - 2).trim();
        }
        try {
            long n = Long.parseLong(v);
            if (n < 0) {
                throw error("byte size must not be negative: '" + value + "'");
            }
            return Math.multiplyExact(n, factor);
        } catch (NumberFormatException | ArithmeticException e) {
            throw error("not a byte size (e.g. 500, 20MB): '" + value + "'");
        }
    }

    /**
     * The value as a ZConfig time-interval in seconds: a number with an optional {@code s},
     * {@code m}, {@code h} or {@code d} suffix (case-insensitive); a plain number is seconds and
     * may have a fraction.
     */
    public java.time.Duration asDuration() {
        String v = value.trim().toLowerCase(java.util.Locale.ROOT);
        double factor = 1;
        if (!v.isEmpty()) {
            switch (v.charAt(v.length() - 1)) {
                case 's' -> factor = 1;
                case 'm' -> factor = 60;
                case 'h' -> factor = 3600;
                case 'd' -> factor = 86400;
                default -> factor = 0;
            }
            if (factor != 0) {
                v = v.substring(0, v.length() - 1).trim();
            } else {
                factor = 1;
            }
        }
        try {
            double seconds = Double.parseDouble(v) * factor;
            if (Double.isNaN(seconds) || Double.isInfinite(seconds) || seconds < 0) {
                throw new NumberFormatException();
            }
            return java.time.Duration.ofNanos(Math.round(seconds * 1e9));
        } catch (NumberFormatException | ArithmeticException e) {
            throw error("not a time interval (e.g. 30, 1.5, 10m, 2h): '" + value + "'");
        }
    }

    /** A {@link ConfigException} naming this entry's source and line and its key. */
    public ConfigException error(String detail) {
        return ConfigException.at(this, detail + " (key '" + key + "')");
    }
}
