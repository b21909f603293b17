package org.jzeo.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.Callable;
import org.jzeo.api.Tid;
import org.jzeo.server.ServerAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code zeopack}: packs storages through a running server (the wire {@code pack(t, wait)} call).
 *
 * <p>The pack time is {@code -t TIME} today (or now), minus {@code -d DAYS}. Exit status: 0 packed,
 * 1 the server cannot be reached or did not answer, 2 the server refused or failed the pack.
 *
 * <p>{@code --no-gc}: ZEO 5's {@code pack} call has no garbage-collection flag. Against a jzeo
 * server (its {@code server_status} names {@code jzeo_pack}) the jzeo extension
 * {@code jzeo_pack(t, wait, gc)} carries it; against a Python server a warning says it cannot be
 * sent, and the pack runs as the server's storage is configured ({@code pack-gc}).
 */
@Command(name = "zeopack", sortOptions = false, usageHelpAutoWidth = true,
        description = {"Pack storages of a running ZEO server.",
            "Exit status: 0 packed, 1 cannot connect / no answer, 2 pack failed."})
final class ZeoPack implements Callable<Integer> {
    @Mixin
    ServerTarget target;

    @Option(names = {"-S", "--storage"}, paramLabel = "NAME", description = "storage to pack (repeatable; default 1)")
    List<String> storages = List.of("1");

    @Option(names = {"-d", "--days"}, paramLabel = "DAYS", description = "pack to this many days before the pack time (default 0)")
    double days;

    @Option(names = {"-t", "--time"}, paramLabel = "TIME",
            description = "pack time: HH[:MM[:SS]] today (yesterday if still ahead) or yyyy-MM-ddTHH:MM[:SS]; default now")
    String time;

    @Option(names = {"-W", "--nowait"}, description = "do not wait for the pack to finish")
    boolean noWait;

    @Option(names = "--no-gc", description = "keep unreachable objects (jzeo servers; a Python server's pack-gc decides)")
    boolean noGc;

    @Option(names = "--pack-timeout", paramLabel = "SECONDS", description = "longest wait for a pack to finish (default: no limit)")
    double packTimeoutSeconds;

    @Option(names = "--help", usageHelp = true, description = "show this help")
    boolean help;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        PrintStream err = System.err;
        double packTime = packTime(Instant.now());
        ServerAddress address = target.address();
        Duration timeout = target.timeout();
        Duration packTimeout = packTimeoutSeconds > 0 ? Duration.ofMillis(Math.round(packTimeoutSeconds * 1000))
                : Duration.ofDays(3650);
        for (String storage : storages) {
            try (WireClient c = WireClient.connect(address, timeout)) {
                c.call("register", storage, Boolean.TRUE);
                Object r;
                if (noGc && supportsJzeoPack(c)) {
                    r = c.callWithTimeout(packTimeout, "jzeo_pack", packTime, noWait ? 0L : 1L, Boolean.FALSE);
                } else {
                    if (noGc) {
                        err.println("zeopack: warning: --no-gc cannot be sent to this server (ZEO 5's pack call has no gc"
                                + " flag); set 'pack-gc false' in its <filestorage> instead");
                    }
                    r = c.callWithTimeout(packTimeout, "pack", packTime, noWait ? 0L : 1L);
                }
                out.println("zeopack: " + (noWait ? "started packing" : "packed") + " storage '" + storage + "' on "
                        + address + " to " + Tid.fromEpochSeconds(packTime).toTimeString() + (r == null ? "" : " " + r));
            } catch (WireClient.RemoteError e) {
                err.println("zeopack: packing storage '" + storage + "' on " + address + " failed: " + e.getMessage());
                return 2;
            } catch (IOException e) {
                err.println("zeopack: cannot reach " + address + ": " + ZeoUp.why(e));
                return 1;
            }
        }
        return 0;
    }

    /** Whether the server is a jzeo server with {@code jzeo_pack} (asking {@code server_status} is safe on any ZEO 5 server). */
    private static boolean supportsJzeoPack(WireClient c) throws IOException {
        Object status = c.call("server_status");
        return status instanceof java.util.Map<?, ?> m && m.get("jzeo") instanceof String s
                && java.util.List.of(s.split(" ")).contains("jzeo_pack");
    }

    /** The pack time in Unix seconds. */
    double packTime(Instant now) {
        if (days < 0 || Double.isNaN(days) || Double.isInfinite(days)) {
            throw new CliException(CliException.USAGE, "-d/--days must not be negative");
        }
        double base = now.toEpochMilli() / 1000.0;
        if (time != null) {
            base = parseTime(time, now, ZoneId.systemDefault());
        }
        return base - days * 86400;
    }

    static double parseTime(String text, Instant now, ZoneId zone) {
        try {
            LocalDateTime t;
            if (text.contains("T") || text.contains("-")) {
                t = LocalDateTime.parse(text.length() == 16 ? text + ":00" : text);
            } else {
                String[] p = text.split(":");
                if (p.length > 3) {
                    throw new DateTimeParseException("too many fields", text, 0);
                }
                LocalTime lt = LocalTime.of(Integer.parseInt(p[0]), p.length > 1 ? Integer.parseInt(p[1]) : 0,
                        p.length > 2 ? Integer.parseInt(p[2]) : 0);
                LocalDate today = LocalDate.ofInstant(now, zone);
                t = LocalDateTime.of(today, lt);
                if (t.atZone(zone).toInstant().isAfter(now)) {
                    t = t.minusDays(1);
                }
            }
            return t.atZone(zone).toInstant().toEpochMilli() / 1000.0;
        } catch (java.time.DateTimeException | NumberFormatException e) {
            throw new CliException(CliException.USAGE, "bad -t/--time '" + text
                    + "': expected HH[:MM[:SS]] or yyyy-MM-ddTHH:MM[:SS]");
        }
    }
}
