package org.jzeo.jca;

import jakarta.resource.spi.LocalTransactionException;
import org.jzeo.api.ConflictError;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;

/**
 * A commit failed because a write was based on a revision another transaction had replaced
 * (ZODB's ConflictError at vote). Nothing of the transaction was committed; the message names the
 * object, and {@link #getCause()} is the {@link ConflictError}. Retrying the whole unit of work with
 * fresh loads usually succeeds.
 */
public class ZeoConflictException extends LocalTransactionException {
    private static final long serialVersionUID = 1L;

    private final transient Oid oid;
    private final transient Tid currentSerial;
    private final transient Tid oldSerial;

    /** @param message the text, naming the oid @param cause the storage's conflict */
    public ZeoConflictException(String message, ConflictError cause) {
        super(message, cause);
        this.oid = cause.oid();
        this.currentSerial = cause.currentSerial();
        this.oldSerial = cause.oldSerial();
    }

    /** The object in conflict (may be {@code null} when the server did not say). */
    public Oid oid() {
        return oid;
    }

    /** The serial committed in the storage, or {@code null}. */
    public Tid currentSerial() {
        return currentSerial;
    }

    /** The serial the write was based on, or {@code null}. */
    public Tid oldSerial() {
        return oldSerial;
    }
}
