package org.jzeo.storage.internal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.jzeo.api.ForceLatency;

/**
 * Counts a storage's forces and how long they took: 10 µs buckets up to 10 ms, so the median and
 * the 99th percentile behind every commit's latency can be read at any time without keeping
 * samples. Shared by all files of one storage (a pack's new file too); thread-safe.
 */
final class ForceTimes {
    private static final long BUCKET_NANOS = 10_000;
    private final AtomicLongArray buckets = new AtomicLongArray(1000);
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong maxNanos = new AtomicLong();

    void record(long nanos) {
        int b = (int) Math.min(buckets.length() - 1, Math.max(0, nanos) / BUCKET_NANOS);
        buckets.incrementAndGet(b);
        maxNanos.accumulateAndGet(nanos, Math::max);
        count.incrementAndGet();
    }

    long count() {
        return count.get();
    }

    ForceLatency latency() {
        long[] snapshot = new long[buckets.length()];
        long n = 0;
        for (int i = 0; i < snapshot.length; i++) {
            snapshot[i] = buckets.get(i);
            n += snapshot[i];
        }
        return new ForceLatency(n, percentileMicros(snapshot, n, 50), percentileMicros(snapshot, n, 99),
                maxNanos.get() / 1000);
    }

    /** The upper edge of the bucket holding the p-th percentile. */
    private static long percentileMicros(long[] b, long n, int p) {
        if (n == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(p / 100.0 * n);
        long seen = 0;
        for (int i = 0; i < b.length; i++) {
            seen += b[i];
            if (seen >= rank) {
                return (i + 1) * BUCKET_NANOS / 1000;
            }
        }
        return b.length * BUCKET_NANOS / 1000;
    }
}
