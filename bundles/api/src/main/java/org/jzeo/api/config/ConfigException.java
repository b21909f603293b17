package org.jzeo.api.config;

/**
 * A configuration file that cannot be read or does not fit its schema. The message names the
 * source and line, e.g. {@code zeo.conf line 7: unknown key 'adress' in <zeo>}.
 */
public class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;

    /**
     * @param source the file (or other source) name, or {@code null}
     * @param line   the 1-based line number, or 0 when no line applies
     * @param detail what is wrong
     */
    public ConfigException(String source, int line, String detail) {
        super(format(source, line, detail));
        this.source = source;
        this.line = line;
    }

    /** @param source the source name, {@code line} the line, {@code detail} what is wrong, {@code cause} the cause */
    public ConfigException(String source, int line, String detail, Throwable cause) {
        super(format(source, line, detail), cause);
        this.source = source;
        this.line = line;
    }

    /** An error about one entry, naming its source and line. */
    public static ConfigException at(ConfigEntry entry, String detail) {
        return new ConfigException(entry.source(), entry.line(), detail);
    }

    /** An error about one section, naming the line of its header. */
    public static ConfigException at(ConfigSection section, String detail) {
        return new ConfigException(section.source(), section.line(), detail);
    }

    /** The source name, or {@code null}. */
    public String source() {
        return source;
    }

    /** The 1-based line number, 0 when unknown. */
    public int line() {
        return line;
    }

    private static String format(String source, int line, String detail) {
        StringBuilder b = new StringBuilder();
        if (source != null) {
            b.append(source);
        }
        if (line > 0) {
            b.append(b.length() > 0 ? " line " : "line ").append(line);
        }
        return b.length() == 0 ? detail : b.append(": ").append(detail).toString();
    }
}
