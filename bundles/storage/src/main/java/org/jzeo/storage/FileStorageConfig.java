package org.jzeo.storage;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * How to open a {@link FileStorage}: the keys of a ZConfig {@code <filestorage>} section.
 *
 * @param name        the storage name (ZEO's default is {@code "1"})
 * @param path        the {@code Data.fs} file
 * @param create      start from an empty file, discarding any existing content
 * @param readOnly    open read-only (no lock is taken, every write and pack fails)
 * @param quota       the largest file size in bytes commits may produce, or {@code null} for none
 * @param packGc      whether pack also removes objects unreachable from the root
 * @param packKeepOld whether pack keeps the previous file as {@code <path>.old}
 */
public record FileStorageConfig(String name, Path path, boolean create, boolean readOnly, Long quota,
        boolean packGc, boolean packKeepOld) {

    /** Validates: name and path are required, create excludes read-only, the quota is not negative. */
    public FileStorageConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(path, "path");
        if (create && readOnly) {
            throw new IllegalArgumentException("a FileStorage cannot be both created and read-only: " + path);
        }
        if (quota != null && quota < 0) {
            throw new IllegalArgumentException("quota must not be negative: " + quota);
        }
    }

    /** A writable storage with every default: no create, no quota, pack-gc and pack-keep-old on. */
    public static FileStorageConfig of(String name, Path path) {
        return new FileStorageConfig(name, path, false, false, null, true, true);
    }

    /** {@link #of(String, Path)} with the default name {@code "1"}. */
    public static FileStorageConfig of(Path path) {
        return of("1", path);
    }

    /** A builder for {@code path}, starting from the defaults. */
    public static Builder builder(Path path) {
        return new Builder(path);
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder(path);
        b.name = name;
        b.create = create;
        b.readOnly = readOnly;
        b.quota = quota;
        b.packGc = packGc;
        b.packKeepOld = packKeepOld;
        return b;
    }

    /**
     * Reads the keys of a {@code <filestorage>} section (legacy-auth-and-monitor spec §5.5):
     * {@code path} (required), {@code create}, {@code read-only}, {@code quota} (a ZConfig
     * byte-size such as {@code 10MB}), {@code pack-gc}, {@code pack-keep-old}. {@code blob-dir} and
     * {@code packer} are refused with a clear message, as is any unknown key. Keys are
     * case-insensitive; booleans are {@code true/false/yes/no/on/off}.
     *
     * @param name    the section name (the storage name), {@code null} for {@code "1"}
     * @param options key to value
     * @throws IllegalArgumentException on a missing path, an unsupported or unknown key, or a bad value
     */
    public static FileStorageConfig fromOptions(String name, Map<String, String> options) {
        Builder b = null;
        String pathValue = null;
        for (Map.Entry<String, String> e : options.entrySet()) {
            if (e.getKey().equalsIgnoreCase("path")) {
                pathValue = e.getValue();
            }
        }
        if (pathValue == null || pathValue.isBlank()) {
            throw new IllegalArgumentException("<filestorage> needs a path");
        }
        b = builder(Path.of(pathValue.trim()));
        if (name != null) {
            b.name(name);
        }
        for (Map.Entry<String, String> e : options.entrySet()) {
            String key = e.getKey().toLowerCase(Locale.ROOT);
            String value = e.getValue() == null ? "" : e.getValue().trim();
            switch (key) {
                case "path" -> { }
                case "create" -> b.create(bool(key, value));
                case "read-only" -> b.readOnly(bool(key, value));
                case "quota" -> b.quota(byteSize(value));
                case "pack-gc" -> b.packGc(bool(key, value));
                case "pack-keep-old" -> b.packKeepOld(bool(key, value));
                case "blob-dir" -> throw new IllegalArgumentException(
                        "blobs not supported: jzeo's FileStorage has no blob-dir (got blob-dir " + value + ")");
                case "packer" -> throw new IllegalArgumentException(
                        "a custom packer is not supported by jzeo's FileStorage (got packer " + value + ")");
                default -> throw new IllegalArgumentException("unknown <filestorage> key: " + e.getKey());
            }
        }
        return b.build();
    }

    private static boolean bool(String key, String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException("not a boolean for " + key + ": " + value);
        };
    }

    /** A ZConfig byte-size: a number with an optional KB/MB/GB/TB suffix (powers of 1024). */
    static long byteSize(String value) {
        String v = value.trim().toUpperCase(Locale.ROOT);
        long factor = 1;
        String[] suffixes = {"KB", "MB", "GB", "TB"};
        for (int i = 0; i < suffixes.length; i++) {
            if (v.endsWith(suffixes[i])) {
                factor = 1L << (10 * (i + 1));
                v = v.substring(0, v.length() - 2).trim();
                break;
            }
        }
        try {
            long n = Long.parseLong(v);
            if (n < 0) {
                throw new IllegalArgumentException("byte size must not be negative: " + value);
            }
            return Math.multiplyExact(n, factor);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a byte size: " + value, e);
        }
    }

    /** Builds a {@link FileStorageConfig}. */
    public static final class Builder {
        private final Path path;
        private String name = "1";
        private boolean create;
        private boolean readOnly;
        private Long quota;
        private boolean packGc = true;
        private boolean packKeepOld = true;

        private Builder(Path path) {
            this.path = Objects.requireNonNull(path, "path");
        }

        /** The storage name. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Start from an empty file. */
        public Builder create(boolean create) {
            this.create = create;
            return this;
        }

        /** Open read-only. */
        public Builder readOnly(boolean readOnly) {
            this.readOnly = readOnly;
            return this;
        }

        /** The largest file size, or {@code null} for none. */
        public Builder quota(Long quota) {
            this.quota = quota;
            return this;
        }

        /** Garbage-collect on pack. */
        public Builder packGc(boolean packGc) {
            this.packGc = packGc;
            return this;
        }

        /** Keep {@code <path>.old} after pack. */
        public Builder packKeepOld(boolean packKeepOld) {
            this.packKeepOld = packKeepOld;
            return this;
        }

        /** The configuration. */
        public FileStorageConfig build() {
            return new FileStorageConfig(name, path, create, readOnly, quota, packGc, packKeepOld);
        }
    }
}
