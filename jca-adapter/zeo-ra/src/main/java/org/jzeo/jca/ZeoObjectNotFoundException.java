package org.jzeo.jca;

import jakarta.resource.spi.EISSystemException;
import org.jzeo.api.Oid;
import org.jzeo.api.POSKeyError;

/** The object (or the asked-for revision) does not exist: ZODB's POSKeyError, which is the cause. */
public class ZeoObjectNotFoundException extends EISSystemException {
    private static final long serialVersionUID = 1L;
    private final transient Oid oid;

    /** @param cause the storage's error */
    public ZeoObjectNotFoundException(POSKeyError cause) {
        super("no such object: " + cause.getMessage(), cause);
        this.oid = cause.oid();
    }

    /** The missing object. */
    public Oid oid() {
        return oid;
    }
}
