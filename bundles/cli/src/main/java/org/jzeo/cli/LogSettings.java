package org.jzeo.cli;

import java.util.List;

/**
 * The {@code <eventlog>} section: a root level and where to write.
 *
 * @param level the root logger level (ZConfig name: critical, error, warn, info, blather, debug, trace, all)
 * @param files the {@code <logfile>} handlers; empty means the console
 */
record LogSettings(String level, List<LogFile> files) {
    /** Console at INFO. */
    static LogSettings defaults() {
        return new LogSettings("info", List.of());
    }

    LogSettings {
        files = List.copyOf(files);
    }

    /**
     * One {@code <logfile>}.
     *
     * @param path       a file, or {@code STDOUT} / {@code STDERR}
     * @param format     a Python logging format ({@code %(asctime)s %(message)s})
     * @param dateformat a Python strftime format for {@code %(asctime)s}
     * @param level      this handler's threshold, or {@code null} for every message the root passes
     */
    record LogFile(String path, String format, String dateformat, String level) {
    }
}
