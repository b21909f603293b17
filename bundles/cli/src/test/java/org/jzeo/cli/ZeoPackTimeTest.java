package org.jzeo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ZeoPackTimeTest {
    private static final Instant NOW = Instant.parse("2024-05-04T10:55:20Z");

    @Test
    void timeOfDayIsTodayOrYesterday() {
        assertEquals(Instant.parse("2024-05-04T09:30:00Z").getEpochSecond(),
                ZeoPack.parseTime("09:30", NOW, ZoneOffset.UTC), 0.0);
        assertEquals(Instant.parse("2024-05-03T23:00:05Z").getEpochSecond(),
                ZeoPack.parseTime("23:00:05", NOW, ZoneOffset.UTC), 0.0);
        assertEquals(Instant.parse("2024-04-01T12:00:00Z").getEpochSecond(),
                ZeoPack.parseTime("2024-04-01T12:00", NOW, ZoneOffset.UTC), 0.0);
        assertThrows(CliException.class, () -> ZeoPack.parseTime("noon", NOW, ZoneOffset.UTC));
    }

    @Test
    void daysAreSubtracted() {
        ZeoPack p = new ZeoPack();
        new CommandLine(p).parseArgs("-d", "1.5", "-p", "9999", "-h", "example.org", "-S", "a", "-S", "b");
        assertEquals(NOW.getEpochSecond() - 1.5 * 86400, p.packTime(NOW), 0.001);
        assertEquals(java.util.List.of("a", "b"), p.storages);
        assertEquals("example.org:9999", p.target.address().toString());
        ZeoPack negative = new ZeoPack();
        new CommandLine(negative).parseArgs("-d", "-1");
        assertThrows(CliException.class, () -> negative.packTime(NOW));
    }
}
