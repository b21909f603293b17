package org.jzeo.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Configures logback programmatically from an {@code <eventlog>} section, and reopens log files
 * for rotation.
 *
 * <p>Without a {@code <logfile>}, messages go to the console on <b>stdout</b> (so that a command's
 * one-line error on stderr stands alone). {@code <logfile>} paths {@code STDOUT} and
 * {@code STDERR} name the console streams. Formats are Python {@code logging} formats, translated
 * to logback patterns by {@link #toLogbackPattern}.
 */
final class LogSetup {
    /** The format used when a {@code <logfile>} gives none. */
    static final String DEFAULT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s";
    /** ZConfig's default {@code dateformat}. */
    static final String DEFAULT_DATEFORMAT = "%Y-%m-%dT%H:%M:%S";

    private static final Pattern FIELD = Pattern.compile("%\\((\\w+)\\)([-#0 +]*)(\\d*)(?:\\.(\\d+))?([diouxXeEfFgGcrsa])");
    private static final List<FileAppender<ILoggingEvent>> FILES = new ArrayList<>();

    private LogSetup() {
    }

    private static volatile boolean configured;

    /**
     * Before a command configures logging: warnings only, on stderr (replaces logback's DEBUG
     * default, and keeps the tools' stdout clean).
     */
    static void bootstrap() {
        configure(new LogSettings("warn", List.of(new LogSettings.LogFile("STDERR", null, null, null))));
        configured = false;
    }

    /** Whether a command (runzeo) has configured logging since {@link #bootstrap()}. */
    static boolean configured() {
        return configured;
    }

    /**
     * Replaces the logback configuration.
     *
     * @throws CliException if a format cannot be translated or a log file cannot be opened
     */
    static synchronized void configure(LogSettings settings) {
        // Translate everything first, so that a bad format leaves the old configuration in place.
        Level rootLevel = level(settings.level());
        List<String> patterns = new ArrayList<>();
        for (LogSettings.LogFile f : settings.files()) {
            patterns.add(toLogbackPattern(f.format() == null ? DEFAULT_FORMAT : f.format(),
                    f.dateformat() == null ? DEFAULT_DATEFORMAT : f.dateformat()));
            if (f.level() != null) {
                level(f.level());
            }
        }
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        FILES.clear();
        configured = true;
        ch.qos.logback.classic.Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(rootLevel);
        // Netty is chatty at DEBUG about its own internals; keep it at INFO unless asked for TRACE.
        if (rootLevel.levelInt > Level.TRACE_INT) {
            ctx.getLogger("io.netty").setLevel(Level.toLevel(Math.max(rootLevel.levelInt, Level.INFO_INT), Level.INFO));
        }
        if (settings.files().isEmpty()) {
            root.addAppender(console(ctx, "STDOUT", toLogbackPattern(DEFAULT_FORMAT, DEFAULT_DATEFORMAT), null));
            return;
        }
        for (int i = 0; i < settings.files().size(); i++) {
            LogSettings.LogFile f = settings.files().get(i);
            String upper = f.path().toUpperCase(Locale.ROOT);
            if (upper.equals("STDOUT") || upper.equals("STDERR")) {
                root.addAppender(console(ctx, upper, patterns.get(i), f.level()));
            } else {
                FileAppender<ILoggingEvent> a = new FileAppender<>();
                a.setFile(f.path());
                a.setAppend(true);
                setup(ctx, a, "file" + i, patterns.get(i), f.level());
                if (!a.isStarted()) {
                    ctx.reset();
                    configure(LogSettings.defaults());
                    throw new CliException(CliException.USAGE, "cannot open log file " + f.path());
                }
                FILES.add(a);
                root.addAppender(a);
            }
        }
    }

    /**
     * Closes and reopens every log file under its configured name: after an operator renamed
     * the file, a new one is created (the SIGUSR2 half of rename-then-signal rotation).
     */
    static synchronized void reopen() {
        for (FileAppender<ILoggingEvent> a : FILES) {
            try {
                // openFile swaps the stream under the appender's own lock: no message is lost
                // or written to a closed stream while it happens.
                a.openFile(a.getFile());
            } catch (IOException e) {
                LoggerFactory.getLogger(LogSetup.class).error("cannot reopen log file {}: {}", a.getFile(), e.toString());
            }
        }
    }

    /** Flushes and closes every appender (at exit). */
    static void stop() {
        ((LoggerContext) LoggerFactory.getILoggerFactory()).stop();
    }

    private static OutputStreamAppender<ILoggingEvent> console(LoggerContext ctx, String target, String pattern, String level) {
        ConsoleAppender<ILoggingEvent> a = new ConsoleAppender<>();
        a.setTarget(target.equals("STDERR") ? "System.err" : "System.out");
        setup(ctx, a, "console-" + target, pattern, level);
        return a;
    }

    private static void setup(LoggerContext ctx, OutputStreamAppender<ILoggingEvent> a, String name, String pattern,
            String level) {
        PatternLayoutEncoder enc = new PatternLayoutEncoder();
        enc.setContext(ctx);
        enc.setPattern(pattern);
        enc.start();
        a.setContext(ctx);
        a.setName(name);
        a.setEncoder(enc);
        if (level != null) {
            ThresholdFilter t = new ThresholdFilter();
            t.setLevel(level(level).levelStr);
            t.setContext(ctx);
            t.start();
            a.addFilter(t);
        }
        a.start();
    }

    /**
     * A ZConfig logging level: a name (critical, fatal, error, warn, warning, info, blather, debug,
     * trace, all, notset) or a Python level number.
     *
     * @throws CliException for anything else
     */
    static Level level(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        switch (n) {
            case "critical", "fatal", "error":
                return Level.ERROR;
            case "warn", "warning":
                return Level.WARN;
            case "info":
                return Level.INFO;
            case "blather", "debug":
                return Level.DEBUG;
            case "trace":
                return Level.TRACE;
            case "all", "notset":
                return Level.ALL;
            default:
                break;
        }
        try {
            int v = Integer.parseInt(n);
            return v >= 40 ? Level.ERROR : v >= 30 ? Level.WARN : v >= 20 ? Level.INFO : v >= 10 ? Level.DEBUG
                    : v >= 1 ? Level.TRACE : Level.ALL;
        } catch (NumberFormatException e) {
            throw new CliException(CliException.USAGE, "unknown log level '" + name
                    + "' (use critical, error, warn, info, blather, debug, trace, all or a number)");
        }
    }

    /**
     * Translates a Python {@code logging} format to a logback pattern, ending with a newline.
     * Supported fields: asctime (with {@code dateformat}), levelname, levelno, name, message,
     * process, thread, threadName, module, funcName, lineno, filename, pathname, created, msecs,
     * relativeCreated; widths ({@code %(levelname)-8s}) and precisions are kept; {@code %%} is a
     * percent sign.
     *
     * @throws CliException for an unsupported field
     */
    static String toLogbackPattern(String format, String dateformat) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        Matcher m = FIELD.matcher(format);
        while (i < format.length()) {
            char c = format.charAt(i);
            if (c == '%') {
                if (format.startsWith("%%", i)) {
                    out.append("\\%");
                    i += 2;
                    continue;
                }
                if (m.find(i) && m.start() == i) {
                    out.append('%');
                    String width = m.group(3);
                    if (!width.isEmpty()) {
                        out.append(m.group(2).contains("-") ? "-" : "").append(width);
                    }
                    if (m.group(4) != null) {
                        out.append(".-").append(m.group(4));
                    }
                    out.append(conversion(m.group(1), dateformat));
                    i = m.end();
                    continue;
                }
                throw new CliException(CliException.USAGE, "bad log format at '" + format.substring(i)
                        + "' (expected %(name)s or %%)");
            }
            if (c == '(' || c == ')' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
            i++;
        }
        return out.append("%n").toString();
    }

    private static String conversion(String field, String dateformat) {
        return switch (field) {
            case "asctime" -> "d{\"" + toJavaDatePattern(dateformat) + "\"}";
            case "levelname", "levelno" -> "level";
            case "name" -> "logger";
            case "message" -> "msg";
            case "process" -> String.valueOf(ProcessHandle.current().pid());
            case "processName" -> "jzeo";
            case "thread", "threadName" -> "thread";
            case "module" -> "logger{0}";
            case "funcName" -> "method";
            case "lineno" -> "line";
            case "filename" -> "file";
            case "pathname" -> "class";
            case "created" -> "d{\"yyyy-MM-dd'T'HH:mm:ss.SSS\"}";
            case "msecs" -> "d{\"SSS\"}";
            case "relativeCreated" -> "relative";
            default -> throw new CliException(CliException.USAGE, "unsupported log format field %(" + field + ")");
        };
    }

    /**
     * Translates a Python {@code strftime} format to a {@link java.time.format.DateTimeFormatter}
     * pattern (literal text quoted).
     *
     * @throws CliException for an unsupported directive
     */
    static String toJavaDatePattern(String strftime) {
        StringBuilder out = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < strftime.length(); i++) {
            char c = strftime.charAt(i);
            if (c != '%' || i + 1 >= strftime.length()) {
                literal.append(c);
                continue;
            }
            char d = strftime.charAt(++i);
            if (d == '%') {
                literal.append('%');
                continue;
            }
            String p = switch (d) {
                case 'Y' -> "yyyy";
                case 'y' -> "yy";
                case 'm' -> "MM";
                case 'd' -> "dd";
                case 'e' -> "d";
                case 'H' -> "HH";
                case 'I' -> "hh";
                case 'M' -> "mm";
                case 'S' -> "ss";
                case 'f' -> "SSSSSS";
                case 'p' -> "a";
                case 'b', 'h' -> "MMM";
                case 'B' -> "MMMM";
                case 'a' -> "EEE";
                case 'A' -> "EEEE";
                case 'j' -> "DDD";
                case 'Z' -> "z";
                case 'z' -> "xx";
                case 'c' -> "EEE MMM d HH:mm:ss yyyy";
                case 'x' -> "MM/dd/yy";
                case 'X' -> "HH:mm:ss";
                default -> throw new CliException(CliException.USAGE, "unsupported date format directive %" + d);
            };
            flushLiteral(out, literal);
            out.append(p);
        }
        flushLiteral(out, literal);
        return out.toString();
    }

    private static void flushLiteral(StringBuilder out, StringBuilder literal) {
        if (literal.length() == 0) {
            return;
        }
        String s = literal.toString();
        literal.setLength(0);
        if (s.chars().anyMatch(ch -> Character.isLetter(ch) || ch == '\'' || ch == '[' || ch == ']' || ch == '{'
                || ch == '}' || ch == '#')) {
            out.append('\'').append(s.replace("'", "''")).append('\'');
        } else {
            out.append(s);
        }
    }
}
