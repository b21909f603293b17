package org.jzeo.cache.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.jzeo.api.Oid;
import org.jzeo.api.Tid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The optional access trace, in the record format of ZEO's cache trace (client-cache spec §7) so
 * ZEO's cache simulation tools can read it. Each record is 34 bytes, big-endian:
 * {@code i32 unix time | i32 (dlen << 8 | code) | u16 8 | tid[8] | end tid[8] | oid[8]}, with
 * absent tids written as eight zero bytes and dlen capped at 2<sup>23</sup>−1.
 *
 * <p>Codes: 0x00 trace start (on open), 0x10 invalidate miss, 0x1C invalidate hit (made
 * non-current), 0x1E invalidate hit (discarded), 0x20 load miss, 0x22 load hit, 0x24 loadBefore
 * miss (tid = the "before" tid), 0x26 loadBefore hit, 0x52 store current, 0x54 store non-current.
 *
 * <p>Records are appended through a buffer under this object's monitor; a trace is a diagnostic
 * tool, so its cost (one short lock per access) is only paid when it is configured.
 */
final class TraceWriter {
    private static final Logger LOG = LoggerFactory.getLogger(TraceWriter.class);

    static final int START = 0x00;
    static final int INVALIDATE_MISS = 0x10;
    static final int INVALIDATE_NONCURRENT = 0x1C;
    static final int INVALIDATE_DISCARD = 0x1E;
    static final int LOAD_MISS = 0x20;
    static final int LOAD_HIT = 0x22;
    static final int LOAD_BEFORE_MISS = 0x24;
    static final int LOAD_BEFORE_HIT = 0x26;
    static final int STORE_CURRENT = 0x52;
    static final int STORE_NONCURRENT = 0x54;

    private final Path path;
    private final OutputStream out;
    private final byte[] rec = new byte[34];
    private boolean failed;

    private TraceWriter(Path path, OutputStream out) {
        this.path = path;
        this.out = out;
    }

    static TraceWriter open(Path path) throws IOException {
        TraceWriter t = new TraceWriter(path, new BufferedOutputStream(Files.newOutputStream(path,
                StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND), 65536));
        t.record(START, null, null, null, 0);
        return t;
    }

    synchronized void record(int code, Oid oid, Tid tid, Tid end, int dlen) {
        if (failed) {
            return;
        }
        putInt(0, (int) (System.currentTimeMillis() / 1000));
        putInt(4, (Math.min(dlen, 0x7fffff) << 8) | code);
        rec[8] = 0;
        rec[9] = 8;
        putLong(10, tid == null ? 0 : tid.value());
        putLong(18, end == null ? 0 : end.value());
        putLong(26, oid == null ? 0 : oid.value());
        try {
            out.write(rec);
        } catch (IOException e) {
            // a diagnostic must not break the cache: stop tracing
            failed = true;
            LOG.warn("cannot write cache trace {}; tracing stopped", path, e);
        }
    }

    private void putInt(int off, int v) {
        rec[off] = (byte) (v >>> 24);
        rec[off + 1] = (byte) (v >>> 16);
        rec[off + 2] = (byte) (v >>> 8);
        rec[off + 3] = (byte) v;
    }

    private void putLong(int off, long v) {
        for (int i = 7; i >= 0; i--) {
            rec[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            LOG.warn("closing cache trace {}", path, e);
        }
    }
}
