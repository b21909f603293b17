package org.jzeo.client;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.jzeo.cache.ClientCache;
import org.jzeo.cache.ClientCacheConfig;

/**
 * Opens client caches for tests: the real implementation ({@link ClientCache#open}) when the cache
 * module provides one, else {@link MemoryCache}s, the persistent ones kept by name here so that a
 * restarted client (same {@code TestCaches}) finds its cache again.
 */
final class TestCaches implements Function<ClientCacheConfig, ClientCache> {
    private final Map<String, MemoryCache> persistent = new HashMap<>();
    private final boolean real;

    TestCaches() {
        this(realAvailable());
    }

    TestCaches(boolean real) {
        this.real = real;
    }

    static boolean realAvailable() {
        try (ClientCache c = ClientCache.open(ClientCacheConfig.transientCache(1 << 20))) {
            return c != null;
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    boolean real() {
        return real;
    }

    @Override
    public synchronized ClientCache apply(ClientCacheConfig config) {
        if (real) {
            return ClientCache.open(config);
        }
        if (!config.isPersistent()) {
            return new MemoryCache();
        }
        String key = config.directory().toAbsolutePath() + "/" + config.name();
        MemoryCache c = persistent.get(key);
        if (c == null) {
            c = new MemoryCache();
            persistent.put(key, c);
            return c;
        }
        if (c.closed) {
            c.closed = false; // "reopened" with its contents
            return c;
        }
        throw new IllegalStateException("persistent cache " + key + " is already open");
    }
}
