package org.jzeo.monitor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.jzeo.server.StorageServer;
import org.jzeo.server.StorageStatistics;

/**
 * The monitor server's text report (legacy spec §3), one line per value, each ended by
 * {@code \n}:
 * <pre>
 * ZEO monitor server version &lt;jzeo version&gt;
 * &lt;now, ctime&gt;
 *
 * Storage: &lt;name&gt;                 (per storage, sorted by name)
 * Server started: &lt;ctime&gt;
 * Clients: &lt;n&gt;
 * Clients verifying: &lt;n&gt;
 * Active transactions: &lt;n&gt;
 * Commit lock held for: &lt;seconds&gt;   (only while the lock is held)
 * Commits: &lt;n&gt;
 * Aborts: &lt;n&gt;
 * Loads: &lt;n&gt;
 * Stores: &lt;n&gt;
 * Conflicts: &lt;n&gt;
 * Conflicts resolved: &lt;n&gt;
 *                                  (empty line after each storage)
 * </pre>
 * Times are C {@code ctime()} style ({@code Fri Apr  4 16:57:42 2003}) in the JVM's time zone.
 */
public final class MonitorReport {
    private static final DateTimeFormatter CTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ROOT);
    private static final String VERSION = readVersion();

    private MonitorReport() {
    }

    /** jzeo's version, as the first line shows it ({@code unknown} if it cannot be found). */
    public static String version() {
        return VERSION;
    }

    /** {@code instant} in C {@code ctime()} form in the JVM's time zone. */
    public static String ctime(Instant instant) {
        return CTIME.format(instant.atZone(ZoneId.systemDefault()));
    }

    /** The report for every storage of {@code server}, as of now. */
    public static String of(StorageServer server) {
        return render(VERSION, Instant.now(), server.storageNames().stream().map(server::stats).toList());
    }

    /**
     * The report text.
     *
     * @param version the version for the first line
     * @param now     the time of the report
     * @param stats   one snapshot per storage (sorted by name here)
     */
    public static String render(String version, Instant now, List<StorageStatistics> stats) {
        StringBuilder sb = new StringBuilder();
        sb.append("ZEO monitor server version ").append(version).append('\n');
        sb.append(ctime(now)).append('\n');
        sb.append('\n');
        for (StorageStatistics s : stats.stream().sorted(Comparator.comparing(StorageStatistics::storage)).toList()) {
            sb.append("Storage: ").append(s.storage()).append('\n');
            sb.append("Server started: ").append(ctime(s.serverStarted())).append('\n');
            sb.append("Clients: ").append(s.clients()).append('\n');
            sb.append("Clients verifying: ").append(s.clientsVerifying()).append('\n');
            sb.append("Active transactions: ").append(s.activeTransactions()).append('\n');
            Duration held = s.commitLockHeldFor(now);
            if (held != null) {
                sb.append("Commit lock held for: ").append(held.toSeconds()).append('\n');
            }
            sb.append("Commits: ").append(s.commits()).append('\n');
            sb.append("Aborts: ").append(s.aborts()).append('\n');
            sb.append("Loads: ").append(s.loads()).append('\n');
            sb.append("Stores: ").append(s.stores()).append('\n');
            sb.append("Conflicts: ").append(s.conflicts()).append('\n');
            sb.append("Conflicts resolved: ").append(s.conflictsResolved()).append('\n');
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String readVersion() {
        try (InputStream in = MonitorReport.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version");
            return v == null || v.isBlank() || v.startsWith("${") ? "unknown" : v.trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
