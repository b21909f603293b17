package org.jzeo.monitor;

/**
 * One served storage's counters over JMX, registered by {@link JmxStatistics} as
 * {@code org.jzeo:type=StorageServer,storage=<name>}. Every read takes a fresh
 * {@link org.jzeo.server.StorageStatistics} snapshot; the meanings are those of the monitor report.
 */
public interface StorageStatisticsMXBean {
    /** The storage name. */
    String getStorage();

    /** Server start, ctime form ("Server started"). */
    String getServerStarted();

    /** Registered connections ("Clients"). */
    int getClients();

    /** Connections verifying their cache ("Clients verifying"). */
    long getClientsVerifying();

    /** Transactions in progress ("Active transactions"). */
    long getActiveTransactions();

    /** Seconds the commit lock has been held, or -1 when it is free ("Commit lock held for"). */
    long getCommitLockHeldSeconds();

    /** Transactions waiting for the commit lock. */
    int getWaiting();

    /** Committed transactions ("Commits"). */
    long getCommits();

    /** Aborted transactions ("Aborts"). */
    long getAborts();

    /** loadBefore calls ("Loads"). */
    long getLoads();

    /** storea calls ("Stores"). */
    long getStores();

    /** Conflicts at vote ("Conflicts"). */
    long getConflicts();

    /** Conflicts resolved by the server ("Conflicts resolved"). */
    long getConflictsResolved();

    /** The last committed transaction id, 16 hex digits. */
    String getLastTransaction();
}
