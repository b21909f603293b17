package org.jzeo.api.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One section of a parsed configuration, immutable: its type (lower case), optional name, the
 * {@code key value} entries in file order and the nested sections in file order. The root of a
 * file is a section of type {@link #ROOT_TYPE} without a name.
 *
 * <p>Repeated keys are kept (ZConfig "multikeys"); {@link #entry(String)} refuses them for
 * single-valued keys with an error naming both lines.
 */
public final class ConfigSection {
    /** The type of the section that stands for the whole file. */
    public static final String ROOT_TYPE = "";

    private final String type;
    private final String name;
    private final String source;
    private final int line;
    private final List<ConfigEntry> entries;
    private final List<ConfigSection> sections;
    private final List<String> imports;

    /**
     * @param type     the section type, stored in lower case
     * @param name     the section name as written, or {@code null}
     * @param source   the source the header came from
     * @param line     the header's 1-based line (0 for the root)
     * @param entries  the keys in order
     * @param sections the nested sections in order
     * @param imports  the {@code %import} package names (kept on the root section)
     */
    public ConfigSection(String type, String name, String source, int line, List<ConfigEntry> entries,
            List<ConfigSection> sections, List<String> imports) {
        this.type = Objects.requireNonNull(type, "type").toLowerCase(Locale.ROOT);
        this.name = name;
        this.source = source;
        this.line = line;
        this.entries = List.copyOf(entries);
        this.sections = List.copyOf(sections);
        this.imports = List.copyOf(imports);
    }

    /** The section type in lower case ({@code "zeo"}, {@code "filestorage"}); {@code ""} for the root. */
    public String type() {
        return type;
    }

    /** The section name as written, or {@code null} when the header has none. */
    public String name() {
        return name;
    }

    /** The name, or {@code fallback} when the header has none. */
    public String nameOr(String fallback) {
        return name == null ? fallback : name;
    }

    /** Where the section's header is (file name), or {@code null}. */
    public String source() {
        return source;
    }

    /** The header's 1-based line, 0 for the root. */
    public int line() {
        return line;
    }

    /** Every entry in file order. */
    public List<ConfigEntry> entries() {
        return entries;
    }

    /** Every nested section in file order. */
    public List<ConfigSection> sections() {
        return sections;
    }

    /** The {@code %import} names seen while parsing (root section only). */
    public List<String> imports() {
        return imports;
    }

    /** The distinct keys in order of first appearance. */
    public Set<String> keys() {
        Set<String> keys = new LinkedHashSet<>();
        for (ConfigEntry e : entries) {
            keys.add(e.key());
        }
        return keys;
    }

    /** Whether {@code key} (any case) is given. */
    public boolean has(String key) {
        return !entries(key).isEmpty();
    }

    /** The entries for {@code key} (any case), in order. */
    public List<ConfigEntry> entries(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        List<ConfigEntry> out = new ArrayList<>();
        for (ConfigEntry e : entries) {
            if (e.key().equals(k)) {
                out.add(e);
            }
        }
        return out;
    }

    /**
     * The single entry for {@code key}.
     *
     * @throws ConfigException if the key is given more than once
     */
    public Optional<ConfigEntry> entry(String key) {
        List<ConfigEntry> all = entries(key);
        if (all.size() > 1) {
            throw ConfigException.at(all.get(1), "key '" + all.get(1).key() + "' given more than once in "
                    + describe() + " (first at line " + all.get(0).line() + ")");
        }
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    /** The single value for {@code key}, see {@link #entry(String)}. */
    public Optional<String> value(String key) {
        return entry(key).map(ConfigEntry::value);
    }

    /** Every value for a multikey, in order. */
    public List<String> values(String key) {
        return entries(key).stream().map(ConfigEntry::value).toList();
    }

    /** The nested sections of {@code type} (any case), in order. */
    public List<ConfigSection> sections(String type) {
        String t = type.toLowerCase(Locale.ROOT);
        return sections.stream().filter(s -> s.type.equals(t)).toList();
    }

    /**
     * The single nested section of {@code type}.
     *
     * @throws ConfigException if there are several
     */
    public Optional<ConfigSection> section(String type) {
        List<ConfigSection> all = sections(type);
        if (all.size() > 1) {
            throw ConfigException.at(all.get(1), "section " + all.get(1).describe() + " given more than once in "
                    + describe() + " (first at line " + all.get(0).line() + ")");
        }
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    /**
     * Checks this section against a schema's names: the first key or nested section (in file
     * order) that is not listed raises an error naming its line.
     *
     * @param keys         the allowed keys (any case)
     * @param sectionTypes the allowed nested section types (any case)
     * @throws ConfigException {@code file line N: unknown key 'x' in <zeo>}
     */
    public void requireOnly(Collection<String> keys, Collection<String> sectionTypes) {
        Set<String> k = lower(keys);
        Set<String> t = lower(sectionTypes);
        for (ConfigEntry e : entries) {
            if (!k.contains(e.key())) {
                throw ConfigException.at(e, "unknown key '" + e.key() + "' in " + describe());
            }
        }
        for (ConfigSection s : sections) {
            if (!t.contains(s.type)) {
                throw ConfigException.at(s, "unknown section " + s.describe() + " in " + describe());
            }
        }
    }

    /**
     * The required single entry for {@code key}.
     *
     * @throws ConfigException naming this section's line if it is missing
     */
    public ConfigEntry require(String key) {
        return entry(key).orElseThrow(() -> ConfigException.at(this, describe() + " needs a '"
                + key.toLowerCase(Locale.ROOT) + "' key"));
    }

    /** The entries as a key to value map (last one wins), for APIs that take options. */
    public java.util.Map<String, String> asMap() {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        for (ConfigEntry e : entries) {
            m.put(e.key(), e.value());
        }
        return m;
    }

    /** The header as written in a config file, e.g. {@code <filestorage 1>}; {@code the top level} for the root. */
    public String describe() {
        if (type.isEmpty()) {
            return "the top level";
        }
        return name == null ? "<" + type + ">" : "<" + type + " " + name + ">";
    }

    private static Set<String> lower(Collection<String> names) {
        Set<String> out = new java.util.HashSet<>();
        for (String n : names) {
            out.add(n.toLowerCase(Locale.ROOT));
        }
        return out;
    }

    @Override
    public String toString() {
        return describe() + (source == null ? "" : " (" + source + " line " + line + ")");
    }
}
