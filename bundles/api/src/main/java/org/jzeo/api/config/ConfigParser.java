package org.jzeo.api.config;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the ZConfig file format into a {@link ConfigSection} tree.
 *
 * <p>The syntax, line by line (leading and trailing whitespace is ignored):
 * <ul>
 *   <li>an empty line, or a comment line whose first non-blank character is {@code #}
 *       (a {@code #} later in a line is part of the value);</li>
 *   <li>{@code key value}: the key is every character up to the first whitespace (no
 *       parentheses, case-insensitive); the value is the rest of the line, trimmed, possibly
 *       empty;</li>
 *   <li>{@code <type [name]>} opens a section that {@code </type>} closes; sections nest;
 *       {@code <type [name]/>} is an empty section;</li>
 *   <li>{@code %define NAME [value]}: NAME is letters, digits and underscores, not starting
 *       with a digit, case-insensitive; it may not be redefined with a different value. Values,
 *       section names, {@code %define} values and {@code %include} paths may then refer to it as
 *       {@code $NAME} or {@code ${NAME}}; {@code $$} is one {@code $}; an undefined name is an
 *       error;</li>
 *   <li>{@code %include PATH} reads another file in place, resolved against the including
 *       file's directory (the working directory for text parsed without a file); it must close
 *       the sections it opens; {@code %define}s are shared;</li>
 *   <li>{@code %import PACKAGE} is recorded in {@link ConfigSection#imports()} and otherwise
 *       ignored (jzeo has no schema components to load).</li>
 * </ul>
 * Every error is a {@link ConfigException} naming the file and line.
 *
 * <p>Thread-safe: every call uses its own state.
 */
public final class ConfigParser {
    private static final Pattern DIRECTIVE = Pattern.compile("%([A-Za-z]+)\\s*(.*)");
    private static final Pattern DEFINE = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)(?:\\s+(.*))?");
    private static final Pattern START = Pattern.compile("<\\s*([^\\s<>/()]+)(?:\\s+([^\\s<>()]+?))?\\s*(/?)>");
    private static final Pattern END = Pattern.compile("</\\s*([^\\s<>/()]+)\\s*>");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final int MAX_INCLUDE_DEPTH = 20;

    private final Map<String, String> defines = new HashMap<>();
    private final List<String> imports = new ArrayList<>();
    private final Deque<Builder> stack = new ArrayDeque<>();
    private final Set<Path> including = new HashSet<>();

    private ConfigParser() {
    }

    /**
     * Parses a file.
     *
     * @throws ConfigException if the file cannot be read (the message says why) or is malformed
     */
    public static ConfigSection parse(Path file) {
        ConfigParser p = new ConfigParser();
        p.stack.push(new Builder(ConfigSection.ROOT_TYPE, null, file.toString(), 0));
        p.includeFile(file, null, 0);
        return p.finish();
    }

    /**
     * Parses text; {@code %include}s are resolved against the working directory.
     *
     * @param text       the configuration
     * @param sourceName the name errors give for it, e.g. {@code "<string>"}
     */
    public static ConfigSection parse(String text, String sourceName) {
        return parse(new StringReader(text), sourceName, Path.of(""));
    }

    /**
     * Parses a stream.
     *
     * @param reader     the configuration (not closed)
     * @param sourceName the name errors give for it
     * @param baseDir    where relative {@code %include} paths are resolved
     */
    public static ConfigSection parse(Reader reader, String sourceName, Path baseDir) {
        ConfigParser p = new ConfigParser();
        p.stack.push(new Builder(ConfigSection.ROOT_TYPE, null, sourceName, 0));
        try {
            p.read(reader, sourceName, baseDir);
        } catch (IOException e) {
            throw new ConfigException(sourceName, 0, "cannot read: " + e.getMessage(), e);
        }
        return p.finish();
    }

    private ConfigSection finish() {
        Builder open = stack.peek();
        if (stack.size() > 1) {
            throw new ConfigException(open.source, open.line, "section " + open.describe() + " is never closed (expected </"
                    + open.type + ">)");
        }
        return stack.pop().build(imports);
    }

    private void includeFile(Path file, String fromSource, int fromLine) {
        Path real = file.toAbsolutePath().normalize();
        if (including.size() >= MAX_INCLUDE_DEPTH || !including.add(real)) {
            throw new ConfigException(fromSource, fromLine, "%include loop or nesting too deep at " + file);
        }
        String name = file.toString();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            read(r, name, real.getParent() == null ? Path.of("") : real.getParent());
        } catch (NoSuchFileException e) {
            throw new ConfigException(fromSource, fromLine, "config file not found: " + file, e);
        } catch (AccessDeniedException e) {
            throw new ConfigException(fromSource, fromLine, "cannot read config file " + file + ": permission denied", e);
        } catch (IOException | UncheckedIOException e) {
            throw new ConfigException(fromSource, fromLine, "cannot read config file " + file + ": " + e.getMessage(), e);
        } finally {
            including.remove(real);
        }
    }

    private void read(Reader reader, String source, Path baseDir) throws IOException {
        BufferedReader r = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
        int depthAtStart = stack.size();
        int lineNo = 0;
        String raw;
        while ((raw = r.readLine()) != null) {
            lineNo++;
            String line = raw.strip();
            if (lineNo == 1 && line.startsWith("\uFEFF")) {
                line = line.substring(1).strip();
            }
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("%")) {
                directive(line, source, lineNo, baseDir);
            } else if (line.startsWith("</")) {
                endSection(line, source, lineNo, depthAtStart);
            } else if (line.startsWith("<")) {
                startSection(line, source, lineNo);
            } else {
                keyValue(line, source, lineNo);
            }
        }
        if (stack.size() > depthAtStart) {
            Builder open = stack.peek();
            throw new ConfigException(open.source, open.line, "section " + open.describe()
                    + " is never closed (expected </" + open.type + ">)");
        }
    }

    private void directive(String line, String source, int lineNo, Path baseDir) {
        Matcher m = DIRECTIVE.matcher(line);
        if (!m.matches()) {
            throw new ConfigException(source, lineNo, "malformed directive: " + line);
        }
        String keyword = m.group(1).toLowerCase(Locale.ROOT);
        String rest = m.group(2).strip();
        switch (keyword) {
            case "define" -> {
                Matcher d = DEFINE.matcher(rest);
                if (!d.matches()) {
                    throw new ConfigException(source, lineNo, "%define needs a name of letters, digits and underscores: " + line);
                }
                String name = d.group(1).toLowerCase(Locale.ROOT);
                String value = d.group(2) == null ? "" : substitute(d.group(2).strip(), source, lineNo);
                String old = defines.get(name);
                if (old != null && !old.equals(value)) {
                    throw new ConfigException(source, lineNo, "cannot redefine $" + d.group(1) + " (already '" + old + "')");
                }
                defines.put(name, value);
            }
            case "include" -> {
                if (rest.isEmpty()) {
                    throw new ConfigException(source, lineNo, "%include needs a path");
                }
                String target = substitute(rest, source, lineNo);
                if (target.startsWith("file://")) {
                    target = target.substring("file://".length());
                }
                includeFile(baseDir.resolve(target), source, lineNo);
            }
            case "import" -> {
                if (rest.isEmpty()) {
                    throw new ConfigException(source, lineNo, "%import needs a package name");
                }
                imports.add(rest);
            }
            default -> throw new ConfigException(source, lineNo, "unknown directive %" + m.group(1)
                    + " (expected %define, %include or %import)");
        }
    }

    private void startSection(String line, String source, int lineNo) {
        Matcher m = START.matcher(line);
        if (!m.matches()) {
            throw new ConfigException(source, lineNo, "malformed section header: " + line);
        }
        String name = m.group(2) == null ? null : substitute(m.group(2), source, lineNo);
        Builder b = new Builder(m.group(1), name, source, lineNo);
        if (m.group(3).isEmpty()) {
            stack.push(b);
        } else {
            stack.peek().sections.add(b.build(List.of()));
        }
    }

    private void endSection(String line, String source, int lineNo, int depthAtStart) {
        Matcher m = END.matcher(line);
        if (!m.matches()) {
            throw new ConfigException(source, lineNo, "malformed section end: " + line);
        }
        String type = m.group(1).toLowerCase(Locale.ROOT);
        if (stack.size() <= depthAtStart) {
            throw new ConfigException(source, lineNo, "</" + type + "> closes no open section");
        }
        Builder open = stack.peek();
        if (!open.type.equals(type)) {
            throw new ConfigException(source, lineNo, "</" + type + "> does not match " + open.describe()
                    + " opened at line " + open.line);
        }
        stack.pop();
        stack.peek().sections.add(open.build(List.of()));
    }

    private void keyValue(String line, String source, int lineNo) {
        int ws = 0;
        while (ws < line.length() && !Character.isWhitespace(line.charAt(ws))) {
            ws++;
        }
        String key = line.substring(0, ws);
        if (key.indexOf('(') >= 0 || key.indexOf(')') >= 0 || key.indexOf('>') >= 0) {
            throw new ConfigException(source, lineNo, "malformed key: " + key);
        }
        String value = substitute(line.substring(ws).strip(), source, lineNo);
        stack.peek().entries.add(new ConfigEntry(key.toLowerCase(Locale.ROOT), value, source, lineNo));
    }

    private String substitute(String text, String source, int lineNo) {
        if (text.indexOf('$') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '$') {
                out.append(c);
                i++;
                continue;
            }
            if (i + 1 >= text.length()) {
                throw new ConfigException(source, lineNo, "'$' at the end of a value (write $$ for a literal $)");
            }
            char next = text.charAt(i + 1);
            String name;
            if (next == '$') {
                out.append('$');
                i += 2;
                continue;
            } else if (next == '{') {
                int close = text.indexOf('}', i + 2);
                if (close < 0) {
                    throw new ConfigException(source, lineNo, "unterminated ${ in: " + text);
                }
                name = text.substring(i + 2, close);
                if (!NAME.matcher(name).matches()) {
                    throw new ConfigException(source, lineNo, "bad substitution name ${" + name + "}");
                }
                i = close + 1;
            } else {
                Matcher m = NAME.matcher(text).region(i + 1, text.length());
                if (!m.lookingAt()) {
                    throw new ConfigException(source, lineNo, "'$' must be followed by a name, {name} or $: " + text);
                }
                name = m.group();
                i = m.end();
            }
            String v = defines.get(name.toLowerCase(Locale.ROOT));
            if (v == null) {
                throw new ConfigException(source, lineNo, "undefined name $" + name + " (use %define first)");
            }
            out.append(v);
        }
        return out.toString();
    }

    private static final class Builder {
        final String type;
        final String name;
        final String source;
        final int line;
        final List<ConfigEntry> entries = new ArrayList<>();
        final List<ConfigSection> sections = new ArrayList<>();

        Builder(String type, String name, String source, int line) {
            this.type = type.toLowerCase(Locale.ROOT);
            this.name = name;
            this.source = source;
            this.line = line;
        }

        String describe() {
            return name == null ? "<" + type + ">" : "<" + type + " " + name + ">";
        }

        ConfigSection build(List<String> imports) {
            return new ConfigSection(type, name, source, line, entries, sections, imports);
        }
    }
}
