package org.jzeo.jca;

import jakarta.resource.ResourceException;
import java.util.List;
import org.jzeo.api.HistoryEntry;
import org.jzeo.api.LoadResult;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionDescription;

/**
 * A handle on a ZEO storage, from {@link ZeoConnectionFactory#getConnection()}. Not thread-safe:
 * one thread uses a handle at a time; close it when done (the underlying connection returns to the
 * pool).
 *
 * <h2>Reads</h2>
 * Loads are answered by the client cache shared by every connection of the configuration, else by
 * the server. The cache follows the server's invalidations, so a load sees every transaction up to
 * {@link #lastTransaction()}; after a commit through any connection of the same factory
 * configuration, loads see that commit.
 *
 * <h2>Writes</h2>
 * {@link #store}, {@link #deleteObject}, {@link #checkCurrentSerial} and {@link #undo} are buffered
 * in the current transaction and sent to the server when it commits: in a JTA transaction at
 * prepare (ZEO's {@code tpc_vote}, taking the server's commit lock) and commit ({@code tpc_finish});
 * in a container-managed local transaction or a {@link #getLocalTransaction() ZeoLocalTransaction} in
 * one go at commit. A write outside any transaction fails with
 * {@link jakarta.resource.spi.IllegalStateException}. A rollback discards the buffer; nothing was sent.
 *
 * <h2>Errors</h2>
 * Every method throws {@link ResourceException}s whose cause is the storage's error: a
 * {@link jakarta.resource.spi.CommException} when the server cannot be reached (the pool then drops
 * the connection), {@link ZeoObjectNotFoundException} for a missing object, {@link ZeoConflictException}
 * for a conflict at commit, {@link ZeoStorageException} for other storage errors.
 */
@org.osgi.annotation.versioning.ProviderType
public interface ZeoConnection extends AutoCloseable {
    /** The storage's name as the server knows it (ZEO's default is {@code "1"}). */
    String storageName() throws ResourceException;

    /** A new object id, unique in the storage (allocated by the server, not persisted until stored). */
    Oid newOid() throws ResourceException;

    /** The current revision. @throws ZeoObjectNotFoundException when the object does not exist */
    LoadResult load(Oid oid) throws ResourceException;

    /**
     * The revision current just before {@code before}, or {@code null} when the object has no revision
     * before that tid.
     */
    LoadResult loadBefore(Oid oid, Tid before) throws ResourceException;

    /** The data of the revision written by {@code serial}. */
    byte[] loadSerial(Oid oid, Tid serial) throws ResourceException;

    /**
     * Buffers a new revision of {@code oid} in the current transaction.
     *
     * @param serial the serial the change is based on: {@link LoadResult#start()} of the revision read,
     *               or {@link Tid#ZERO} for a new object
     */
    void store(Oid oid, Tid serial, byte[] data) throws ResourceException;

    /** Buffers the deletion of {@code oid} in the current transaction. */
    void deleteObject(Oid oid, Tid serial) throws ResourceException;

    /** Makes the commit fail with a conflict unless {@code serial} is still current for {@code oid}. */
    void checkCurrentSerial(Oid oid, Tid serial) throws ResourceException;

    /** Buffers the undo of a transaction (an id from {@link #undoLog}) in the current transaction. */
    void undo(byte[] transactionId) throws ResourceException;

    /**
     * Sets the user and description recorded with the current transaction's commit (the last call
     * in a transaction wins). Without a transaction the values apply to the next one on this handle.
     */
    void setTransactionNote(String user, String description) throws ResourceException;

    /** Up to {@code size} revisions of the object, newest first. */
    List<HistoryEntry> history(Oid oid, int size) throws ResourceException;

    /** Undoable transactions, newest first, positions {@code first} (inclusive) to {@code last} (exclusive). */
    List<TransactionDescription> undoLog(int first, int last) throws ResourceException;

    /** The last transaction this client's view includes (the shared cache's last tid). */
    Tid lastTransaction() throws ResourceException;

    /**
     * The tid of the last transaction committed through this handle, or {@code null} when none was:
     * ZEO chooses the tid at commit, so it is known only afterwards.
     */
    Tid lastCommittedTid();

    /**
     * The application-driven transaction of this connection, for use without a transaction manager.
     *
     * @throws jakarta.resource.NotSupportedException inside a container that manages transactions,
     *                                              when the connection is in a JTA transaction
     */
    ZeoLocalTransaction getLocalTransaction() throws ResourceException;

    /** Closes the handle; an open transaction goes on without it (the container completes it). */
    @Override
    void close() throws ResourceException;
}
