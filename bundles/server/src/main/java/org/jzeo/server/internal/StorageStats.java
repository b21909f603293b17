package org.jzeo.server.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The counters of one served storage, as {@code server_status} and the monitor report them
 * (wire-protocol spec §9.3).
 */
final class StorageStats {
    final AtomicLong loads = new AtomicLong();
    final AtomicLong stores = new AtomicLong();
    final AtomicLong commits = new AtomicLong();
    final AtomicLong aborts = new AtomicLong();
    final AtomicLong activeTransactions = new AtomicLong();
    final AtomicLong conflicts = new AtomicLong();
    final AtomicLong conflictsResolved = new AtomicLong();
    final AtomicLong verifying = new AtomicLong();
}
