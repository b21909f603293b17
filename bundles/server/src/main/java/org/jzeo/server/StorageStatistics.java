package org.jzeo.server;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jzeo.api.Tid;

/**
 * A read-only snapshot of one served storage's counters: what the monitor report, the JMX MBean,
 * {@code server_status} and {@code ruok} show (each counter is read atomically; the snapshot as a
 * whole is not). Counters count since the server started.
 *
 * @param storage              the storage name
 * @param serverStarted        when the server was created
 * @param clients              connections registered on the storage ("Clients"; {@code connections})
 * @param clientsVerifying     connections inside a full cache verification ({@code jzeo_verify})
 * @param activeTransactions   transactions between {@code tpc_begin} and finish or abort
 * @param commitLockHeldSince  when the current holder got the commit lock, or null when it is free
 * @param waiting              transactions queued for the commit lock
 * @param commits              {@code tpc_finish} calls that committed
 * @param aborts               {@code tpc_abort} calls that aborted a transaction
 * @param loads                {@code loadBefore} calls
 * @param stores               {@code storea} calls
 * @param conflicts            conflicts detected at vote (one per conflicting object)
 * @param conflictsResolved    conflicts resolved by the server (jzeo, like ZEO 5, never resolves: 0)
 * @param lastTransaction      the storage's last committed transaction id
 */
public record StorageStatistics(String storage, Instant serverStarted, int clients, long clientsVerifying,
        long activeTransactions, Instant commitLockHeldSince, int waiting, long commits, long aborts, long loads,
        long stores, long conflicts, long conflictsResolved, Tid lastTransaction) {
    /** Checks the required fields. */
    public StorageStatistics {
        Objects.requireNonNull(storage, "storage");
        Objects.requireNonNull(serverStarted, "serverStarted");
        Objects.requireNonNull(lastTransaction, "lastTransaction");
    }

    /** How long the commit lock has been held at {@code now}, or null when it is free. */
    public Duration commitLockHeldFor(Instant now) {
        if (commitLockHeldSince == null) {
            return null;
        }
        Duration d = Duration.between(commitLockHeldSince, now);
        return d.isNegative() ? Duration.ZERO : d;
    }
}
