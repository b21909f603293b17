package org.jzeo.cache;

import java.nio.file.Path;

/**
 * How to open a {@link ClientCache}.
 *
 * @param maxBytes  the size bound (ZEO's {@code cache-size}, default 20 MB = 20 MiB)
 * @param directory the directory of a persistent cache ({@code var}); ignored when {@code name} is null
 * @param name      the persistent cache's name ({@code client} + storage), or {@code null} for a
 *                  transient cache (a temporary file removed on close)
 * @param traceFile where to append an access trace, or {@code null}
 */
public record ClientCacheConfig(long maxBytes, Path directory, String name, Path traceFile) {
    /** ZEO's default cache size, 20 MB. */
    public static final long DEFAULT_SIZE = 20L * 1024 * 1024;

    /** A transient cache of the given size. */
    public static ClientCacheConfig transientCache(long maxBytes) {
        return new ClientCacheConfig(maxBytes, null, null, null);
    }

    /** A persistent cache named {@code name} in {@code directory}. */
    public static ClientCacheConfig persistent(long maxBytes, Path directory, String name) {
        return new ClientCacheConfig(maxBytes, directory, name, null);
    }

    /** Whether the cache survives a restart. */
    public boolean isPersistent() {
        return name != null;
    }
}
