package org.jzeo.api;

/**
 * How long a storage's forces (fsync) took since it was opened: the floor under every commit's
 * latency, since an acknowledged commit was forced first. Percentiles have a resolution of 10 µs
 * up to 10 ms; anything longer counts as 10 ms in them (the maximum is exact).
 *
 * @param count      forces measured
 * @param p50Micros  median, in microseconds
 * @param p99Micros  99th percentile, in microseconds
 * @param maxMicros  the longest, in microseconds
 */
public record ForceLatency(long count, long p50Micros, long p99Micros, long maxMicros) {
}
