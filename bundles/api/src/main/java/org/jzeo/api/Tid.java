package org.jzeo.api;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * A ZODB transaction id (serial): 8 bytes made by ZODB's TimeStamp rules
 * (wire-protocol spec §6.2). The high 32 bits count minutes since 1900-01-01 UTC with every month
 * taken as 31 days; the low 32 bits are the seconds within the minute times 2<sup>32</sup>/60.
 * Tids order as unsigned big-endian numbers.
 */
public final class Tid implements Comparable<Tid> {
    /** Eight zero bytes: "no transaction yet", the serial of a new object. */
    public static final Tid ZERO = new Tid(0);
    /** {@code 7fffffffffffffff}: {@code load(oid)} is {@code loadBefore(oid, MAX)}. */
    public static final Tid MAX = new Tid(Long.MAX_VALUE);

    /** Seconds per unit of the low word, computed as the C TimeStamp does. */
    private static final double SCONV = 60.0 / 65536.0 / 65536.0;
    /** Seconds from 1901-01-01 to 1970-01-01. */
    private static final double EPOCH_1901 = 2177452800.0;
    private static final long DAY_1901 = LocalDate.of(1901, 1, 1).toEpochDay();

    private final long value;

    private Tid(long value) {
        this.value = value;
    }

    /** The tid whose unsigned number is {@code value}. */
    public static Tid of(long value) {
        return value == 0 ? ZERO : new Tid(value);
    }

    /** Decodes exactly 8 big-endian bytes. */
    public static Tid of(byte[] bytes) {
        return of(Bytes8.toLong(bytes, "tid"));
    }

    /** Decodes 8 big-endian bytes at {@code offset}. */
    public static Tid of(byte[] bytes, int offset) {
        return of(Bytes8.toLong(bytes, offset));
    }

    /** Parses 16 hex digits (an optional {@code 0x} prefix is accepted). */
    public static Tid fromHex(String hex) {
        return of(Bytes8.parseHex(hex));
    }

    /**
     * Builds a tid from UTC calendar fields, validated as ZODB does: year at least 1900, a real
     * month, a day that exists in that month, hour 0..23, minute 0..59. The seconds are truncated
     * to the low word's resolution (about 14 ns) and must lie in [0, 60).
     */
    public static Tid fromFields(int year, int month, int day, int hour, int minute, double second) {
        if (year < 1900) {
            throw new IllegalArgumentException("year must be at least 1900: " + year);
        }
        if (month < 1 || month > 12) {
            throw new IllegalArgumentException("month must be in 1..12: " + month);
        }
        if (day < 1 || day > daysInMonth(year, month)) {
            throw new IllegalArgumentException("day must be in 1.." + daysInMonth(year, month) + ": " + day);
        }
        if (hour < 0 || hour > 23) {
            throw new IllegalArgumentException("hour must be in 0..23: " + hour);
        }
        if (minute < 0 || minute > 59) {
            throw new IllegalArgumentException("minute must be in 0..59: " + minute);
        }
        if (!(second >= 0 && second < 60)) {
            throw new IllegalArgumentException("second must be in [0, 60): " + second);
        }
        return pack(year, month, day, hour, minute, (long) (second / SCONV));
    }

    /**
     * The tid ZODB makes for a Unix time: {@code TimeStamp(*gmtime(t)[:5], t % 60)} (the formula of
     * ZODB's newTid and of pack times).
     *
     * @throws IllegalArgumentException for a time no date can hold, or past the last tid
     */
    public static Tid fromEpochSeconds(double unixTime) {
        long whole = (long) Math.floor(unixTime);
        LocalDateTime dt;
        try {
            dt = LocalDateTime.ofEpochSecond(whole, 0, ZoneOffset.UTC);
        } catch (java.time.DateTimeException e) {
            throw new IllegalArgumentException("Unix time out of range: " + unixTime, e);
        }
        double sec = unixTime % 60.0;
        if (sec < 0) {
            sec += 60.0;
        }
        return fromFields(dt.getYear(), dt.getMonthValue(), dt.getDayOfMonth(), dt.getHour(), dt.getMinute(), sec);
    }

    /** The tid of an instant (UTC). */
    public static Tid fromInstant(Instant instant) {
        return fromEpochSeconds(instant.getEpochSecond() + instant.getNano() / 1e9);
    }

    /** The tid of the current wall-clock time; use {@link #laterThan} to keep tids increasing. */
    public static Tid now() {
        return fromInstant(Instant.now());
    }

    private static Tid pack(int year, int month, int day, int hour, int minute, long low) {
        long a = ((((year - 1900L) * 12 + (month - 1)) * 31 + (day - 1)) * 24 + hour) * 60 + minute;
        return of((a << 32) | (low & 0xffffffffL));
    }

    private static int daysInMonth(int year, int month) {
        return LocalDate.of(year, month, 1).lengthOfMonth();
    }

    /** The unsigned 64-bit number, as a Java long. */
    public long value() {
        return value;
    }

    /** The 8-byte big-endian form. */
    public byte[] toBytes() {
        return Bytes8.toBytes(value);
    }

    /** 16 lowercase hex digits. */
    public String toHex() {
        return Bytes8.hex(value);
    }

    private long high() {
        return value >>> 32;
    }

    private long low() {
        return value & 0xffffffffL;
    }

    /** UTC year (decoding never validates: every 8-byte value decodes). */
    public int year() {
        return (int) (high() / 535680 + 1900);
    }

    /** Month 1..12. */
    public int month() {
        return (int) (high() / 44640 % 12 + 1);
    }

    /** Day 1..31 (may exceed the real month length for values no clock produced). */
    public int day() {
        return (int) (high() / 1440 % 31 + 1);
    }

    /** Hour 0..23. */
    public int hour() {
        return (int) (high() / 60 % 24);
    }

    /** Minute 0..59. */
    public int minute() {
        return (int) (high() % 60);
    }

    /** Seconds within the minute, {@code low word * 60 / 2^32}, as the C TimeStamp computes it. */
    public double second() {
        return SCONV * (double) low();
    }

    /**
     * Unix time as ZODB's C TimeStamp computes {@code timeTime()}:
     * {@code (seconds from 1901 to the minute + second) - 2177452800}, in doubles, in that order.
     */
    public double timeTime() {
        // The day may exceed the month length: it simply adds days (hence epochDay of the 1st + day - 1).
        long days = LocalDate.of(year(), month(), 1).toEpochDay() + (day() - 1) - DAY_1901;
        double secs1901 = (double) (days * 86400L + hour() * 3600L + minute() * 60L);
        return (secs1901 + second()) - EPOCH_1901;
    }

    /**
     * The smallest tid that is greater than {@code previous}, unless this one already is: the rule
     * every storage uses to keep tids strictly increasing when the clock stands still or goes back.
     * Adds one to the low word with carry; when the low word overflows, moves to the next minute
     * with real (leap-aware) month lengths, as the C TimeStamp does.
     */
    public Tid laterThan(Tid previous) {
        if (compareTo(previous) > 0) {
            return this;
        }
        if (previous.low() != 0xffffffffL) {
            return of(previous.value + 1);
        }
        int y = previous.year();
        int mo = previous.month();
        int d = previous.day();
        int h = previous.hour();
        int mi = previous.minute();
        if (mi < 59) {
            mi++;
        } else {
            mi = 0;
            if (h < 23) {
                h++;
            } else {
                h = 0;
                if (d == daysInMonth(y, mo)) {
                    d = 1;
                    if (mo == 12) {
                        mo = 1;
                        y++;
                    } else {
                        mo++;
                    }
                } else {
                    d++;
                }
            }
        }
        return pack(y, mo, d, h, mi, 0);
    }

    /** {@code value + 1}: ZODB's "state as of just after this tid", a plain 64-bit increment. */
    public Tid next() {
        return of(value + 1);
    }

    /** {@code value - 1}. */
    public Tid previous() {
        return of(value - 1);
    }

    /**
     * ZODB's text form ({@code str(TimeStamp)}): {@code YYYY-MM-DD hh:mm:ss.ssssss}, the seconds
     * rounded half-even from the exact binary value, so it can read {@code :60.000000}.
     */
    public String toTimeString() {
        String sec = new BigDecimal(second()).setScale(6, RoundingMode.HALF_EVEN).toPlainString();
        if (sec.length() < 9) {
            sec = "0".repeat(9 - sec.length()) + sec;
        }
        return String.format("%04d-%02d-%02d %02d:%02d:%s", year(), month(), day(), hour(), minute(), sec);
    }

    @Override
    public int compareTo(Tid o) {
        return Long.compareUnsigned(value, o.value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tid other && other.value == value;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(value);
    }

    /** 16 lowercase hex digits. */
    @Override
    public String toString() {
        return toHex();
    }
}
