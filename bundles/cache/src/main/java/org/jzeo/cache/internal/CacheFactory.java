package org.jzeo.cache.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;

import org.jzeo.api.StorageException;
import org.jzeo.cache.ClientCache;
import org.jzeo.cache.ClientCacheConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens caches for {@link ClientCache#open}: a transient cache lives in memory only (no file, the
 * same size bound and eviction); a persistent one is {@code <directory>/<name>.jzc} (format in
 * {@link SegmentFile}), locked through {@code <name>.jzc.lock} while open.
 */
public final class CacheFactory {
    private static final Logger LOG = LoggerFactory.getLogger(CacheFactory.class);

    private CacheFactory() {
    }

    /**
     * Opens a cache as configured.
     *
     * @throws StorageException         when the persistent cache is locked by another process (or
     *                                  is already open in this one), or its file cannot be used
     * @throws IllegalArgumentException for a negative size or a name that is not a plain file name
     */
    public static ClientCache open(ClientCacheConfig config) {
        Objects.requireNonNull(config, "config");
        if (config.maxBytes() < 0) {
            throw new IllegalArgumentException("cache size must not be negative: " + config.maxBytes());
        }
        Geometry geo = Geometry.forMaxBytes(config.maxBytes());
        TraceWriter trace = null;
        if (config.traceFile() != null) {
            try {
                trace = TraceWriter.open(config.traceFile());
            } catch (IOException e) {
                throw new StorageException("cannot open cache trace " + config.traceFile() + ": " + e, e);
            }
        }
        try {
            if (!config.isPersistent()) {
                CacheEngine engine = new CacheEngine("transient", config.maxBytes(), geo, CacheLog.NONE, trace, null);
                engine.start(null);
                return engine;
            }
            return openPersistent(config, geo, trace);
        } catch (RuntimeException e) {
            if (trace != null) {
                trace.close();
            }
            throw e;
        }
    }

    private static ClientCache openPersistent(ClientCacheConfig config, Geometry geo, TraceWriter trace) {
        String name = config.name();
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("cache name must be a plain file name: '" + name + "'");
        }
        Path dir = config.directory() != null ? config.directory() : Path.of("");
        Path file;
        try {
            if (!dir.toString().isEmpty()) {
                Files.createDirectories(dir);
            }
            file = SegmentFile.pathFor(dir, name);
        } catch (IOException e) {
            throw new StorageException("cannot create cache directory " + dir + ": " + e, e);
        }
        org.jzeo.api.LockFile lock = org.jzeo.api.LockFile.acquire(file.resolveSibling(file.getFileName() + ".lock"));
        SegmentFile sf = null;
        try {
            String thread = "zeo-cache-flush-" + name;
            sf = SegmentFile.open(file, geo, config.maxBytes(), thread);
            CacheEngine engine = new CacheEngine(name, config.maxBytes(), geo, sf, trace, lock);
            SegmentFile.Tail tail;
            try {
                tail = sf.recover(engine);
            } catch (RuntimeException e) {
                // The checks should catch every malformation; if one slips through, the file is
                // still only a cache: set it aside and start empty rather than fail the client.
                Path bad = file.resolveSibling(file.getFileName() + ".bad");
                LOG.warn("cache file {} could not be read ({}); moved to {} and starting afresh", file, e, bad);
                sf.close();
                sf = null;
                Files.move(file, bad, StandardCopyOption.REPLACE_EXISTING);
                sf = SegmentFile.open(file, geo, config.maxBytes(), thread);
                engine = new CacheEngine(name, config.maxBytes(), geo, sf, trace, lock);
                tail = sf.recover(engine);
            }
            engine.start(tail);
            LOG.info("opened cache {}: {} revisions, last tid {}", file, engine.size(), engine.lastTid());
            return engine;
        } catch (IOException | RuntimeException e) {
            if (sf != null) {
                try {
                    sf.close(); // its channel and flush thread must not outlive a failed open
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            lock.close();
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new StorageException("cannot open cache file " + file + ": " + e, e);
        }
    }
}
