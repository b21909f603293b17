package org.jzeo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ch.qos.logback.classic.Level;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LogSetupTest {
    @Test
    void translatesPythonFormats() {
        assertEquals("%d{\"yyyy-MM-dd'T'HH:mm:ss\"} %level %logger %msg%n",
                LogSetup.toLogbackPattern(LogSetup.DEFAULT_FORMAT, LogSetup.DEFAULT_DATEFORMAT));
        assertEquals("\\(%-8level\\) [%thread] %.-20logger: %msg 100\\%%n",
                LogSetup.toLogbackPattern("(%(levelname)-8s) [%(threadName)s] %(name).20s: %(message)s 100%%", "%H"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "%Y-%m-%dT%H:%M:%S|yyyy-MM-dd'T'HH:mm:ss",
        "%d/%b/%Y %I:%M %p|dd/MMM/yyyy hh:mm a",
        "at %H o'clock|'at 'HH' o''clock'",
    })
    void translatesStrftime(String python, String java) {
        assertEquals(java, LogSetup.toJavaDatePattern(python));
        DateTimeFormatter.ofPattern(java).format(LocalDateTime.of(2024, 5, 4, 10, 55, 20));
    }

    @Test
    void rejectsWhatItCannotTranslate() {
        assertThrows(CliException.class, () -> LogSetup.toLogbackPattern("%(nosuch)s", "%H"));
        assertThrows(CliException.class, () -> LogSetup.toLogbackPattern("%s", "%H"));
        assertThrows(CliException.class, () -> LogSetup.toJavaDatePattern("%Q"));
    }

    @Test
    void levels() {
        assertEquals(Level.ERROR, LogSetup.level("CRITICAL"));
        assertEquals(Level.WARN, LogSetup.level("warning"));
        assertEquals(Level.DEBUG, LogSetup.level("blather"));
        assertEquals(Level.INFO, LogSetup.level("20"));
        assertEquals(Level.ALL, LogSetup.level("all"));
        assertThrows(CliException.class, () -> LogSetup.level("loud"));
    }
}
