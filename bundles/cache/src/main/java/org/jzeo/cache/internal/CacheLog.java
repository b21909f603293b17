package org.jzeo.cache.internal;

import org.jzeo.api.Oid;
import org.jzeo.api.Tid;

/**
 * Where the engine's log records go. The engine decides every record's place (segment and offset)
 * under its write lock and calls these methods in log order, so the file always holds a prefix of
 * the operations (what crash recovery relies on). A transient cache uses {@link #NONE}.
 */
interface CacheLog {
    /** Starts a new generation of segment {@code seg} (its old records become invalid). */
    void beginSegment(int seg, long gen, Tid lastTid);

    /** A revision; {@code end == null} for a current one. */
    void writeStore(int seg, int off, Oid oid, Tid start, Tid end, byte[] data);

    /** An invalidation; {@code tid == null} drops every revision of the oid. */
    void writeInvalidate(int seg, int off, Oid oid, Tid tid);

    /** The last tid (may overwrite the previous such record in place when it is the log's tail). */
    void writeLastTid(int seg, int off, Tid tid);

    /** Marks the end of a segment that is complete, and starts making it durable. */
    void seal(int seg, int off);

    /** Forgets every segment. */
    void clear();

    /** Makes everything durable and releases the file. */
    void close();

    /** The log of a transient cache: nothing is written. */
    CacheLog NONE = new CacheLog() {
        @Override
        public void beginSegment(int seg, long gen, Tid lastTid) {
        }

        @Override
        public void writeStore(int seg, int off, Oid oid, Tid start, Tid end, byte[] data) {
        }

        @Override
        public void writeInvalidate(int seg, int off, Oid oid, Tid tid) {
        }

        @Override
        public void writeLastTid(int seg, int off, Tid tid) {
        }

        @Override
        public void seal(int seg, int off) {
        }

        @Override
        public void clear() {
        }

        @Override
        public void close() {
        }
    };
}
