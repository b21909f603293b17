package org.jzeo.cache.internal;

/**
 * How a cache of {@code maxBytes} is cut into segments: the log is {@code segments} segments of
 * {@code segmentSize} bytes each, after a {@link SegmentFile#FILE_HEADER}-byte file header, so the
 * whole file is at most {@code maxBytes} long. A transient cache uses the same geometry (without a
 * file) so both kinds evict alike.
 *
 * <p>Eviction frees one segment at a time, so more segments mean finer eviction; but a record must
 * fit in one segment, so fewer segments admit larger records. Up to 16 segments of at least 4 KiB
 * are used; a record larger than {@link #maxRecord()} (about 1/16 of the cache for caches of 64 KiB
 * and more) is not cached.
 *
 * @param segments    number of segments (at least 2)
 * @param segmentSize bytes per segment, header included
 */
record Geometry(int segments, int segmentSize) {
    /** Smallest effective cache size: room for two segments that can hold small records. */
    static final long MIN_BYTES = 1024;
    private static final int MAX_SEGMENT = 1 << 30;

    static Geometry forMaxBytes(long maxBytes) {
        long avail = Math.max(maxBytes, MIN_BYTES) - SegmentFile.FILE_HEADER;
        long n = Math.max(2, Math.min(16, avail / 4096));
        // a segment is one memory mapping, and mappings are limited to 2 GiB
        while (avail / n > MAX_SEGMENT) {
            n *= 2;
        }
        return new Geometry((int) n, (int) (avail / n));
    }

    /** Largest record (header and checksum included) a segment can take beside its header and end marker. */
    int maxRecord() {
        return segmentSize - SegmentFile.SEG_HEADER - SegmentFile.END_SIZE;
    }

    /** Bytes of the file (or of the log, for a transient cache). */
    long totalBytes() {
        return SegmentFile.FILE_HEADER + (long) segments * segmentSize;
    }
}
