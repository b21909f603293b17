package org.jzeo.storage.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.jzeo.api.ForceLatency;
import org.junit.jupiter.api.Test;

class ForceTimesTest {
    @Test
    void percentilesAreBucketUpperEdgesAndTheMaximumIsExact() {
        ForceTimes t = new ForceTimes();
        assertEquals(new ForceLatency(0, 0, 0, 0), t.latency());
        for (int i = 0; i < 98; i++) {
            t.record(50_000); // 50 µs: bucket [50, 60)
        }
        t.record(5_000_000);
        t.record(25_000_000); // beyond the last bucket: counted as 10 ms in percentiles
        ForceLatency l = t.latency();
        assertEquals(100, l.count());
        assertEquals(100, t.count());
        assertEquals(60, l.p50Micros());
        assertEquals(5_010, l.p99Micros());
        assertEquals(25_000, l.maxMicros());
    }
}
