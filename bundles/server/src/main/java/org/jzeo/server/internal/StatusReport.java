package org.jzeo.server.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code server_status} / {@code ruok} map of one storage (wire-protocol spec §9.3). */
final class StatusReport {
    private StatusReport() {
    }

    static Map<String, Object> of(ServerContext context, ServedStorage served) {
        StorageStats st = served.stats;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("start", context.startTime());
        m.put("storage", served.name);
        m.put("connections", (long) served.connectionCount());
        m.put("loads", st.loads.get());
        m.put("stores", st.stores.get());
        m.put("commits", st.commits.get());
        m.put("aborts", st.aborts.get());
        m.put("active_txns", st.activeTransactions.get());
        m.put("conflicts", st.conflicts.get());
        m.put("conflicts_resolved", st.conflictsResolved.get());
        long lockTime = served.commitLock.lockTimeMillis();
        m.put("lock_time", lockTime == 0 ? null : lockTime / 1000.0);
        m.put("waiting", (long) served.commitLock.waiting());
        m.put("timeout-thread-is-alive", context.config().transactionTimeout() == null ? "stub" : (Object) Boolean.TRUE);
        m.put("last-transaction", served.storage.lastTransaction().toHex());
        // jzeo extension: forces (fsyncs) of the storage since it was opened, for fsyncs_per_commit.
        m.put("forces", served.storage.forceCount());
        // jzeo extension: how long those forces took (µs), the floor under every commit's latency.
        org.jzeo.api.ForceLatency fl = served.storage.forceLatency();
        if (fl != null) {
            m.put("force_p50_us", fl.p50Micros());
            m.put("force_p99_us", fl.p99Micros());
            m.put("force_max_us", fl.maxMicros());
        }
        // jzeo extension: tells a jzeo client which jzeo methods exist (jzeo_verify: full cache
        // verification; jzeo_pack: pack with a gc flag).
        m.put("jzeo", "jzeo_verify jzeo_pack");
        return m;
    }
}
