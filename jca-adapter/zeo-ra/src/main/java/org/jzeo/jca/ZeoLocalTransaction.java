package org.jzeo.jca;

import jakarta.resource.ResourceException;

/**
 * A transaction on one {@link ZeoConnection}, driven by the application, for environments without a
 * transaction manager (OSGi, non-managed mode). Inside a JTA transaction it may not be used.
 */
@org.osgi.annotation.versioning.ProviderType
public interface ZeoLocalTransaction {
    /** Starts buffering writes. @throws ResourceException when a transaction is already active */
    void begin() throws ResourceException;

    /**
     * Sends the buffered writes through two-phase commit (vote, then finish).
     *
     * @throws ZeoConflictException when a write was based on a stale revision; nothing was committed
     * @throws ResourceException    for other failures, with the storage error as cause
     */
    void commit() throws ResourceException;

    /** Discards the buffered writes (nothing was sent). */
    void rollback() throws ResourceException;
}
