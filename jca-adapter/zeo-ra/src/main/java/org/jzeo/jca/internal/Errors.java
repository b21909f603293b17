package org.jzeo.jca.internal;

import jakarta.resource.ResourceException;
import jakarta.resource.spi.CommException;
import javax.transaction.xa.XAException;
import org.jzeo.api.ConflictError;
import org.jzeo.api.POSKeyError;
import org.jzeo.api.StorageException;
import org.jzeo.client.ClientDisconnected;
import org.jzeo.jca.ZeoConflictException;
import org.jzeo.jca.ZeoObjectNotFoundException;
import org.jzeo.jca.ZeoStorageException;

/** Maps storage errors to the ResourceException and XAException the container and application see. */
final class Errors {
    private Errors() {
    }

    /** The ResourceException for a failure of {@code what}, with the error as cause. */
    static ResourceException map(String what, RuntimeException e) {
        if (e instanceof ClientDisconnected d) {
            return new CommException(what + ": ZEO server connection lost or unavailable: " + d.getMessage(), d);
        }
        if (e instanceof ConflictError c) {
            return new ZeoConflictException(conflictMessage(c), c);
        }
        if (e instanceof POSKeyError k) {
            return new ZeoObjectNotFoundException(k);
        }
        if (e instanceof StorageException s) {
            return new ZeoStorageException(what + " failed: " + s.getMessage(), s);
        }
        return new ResourceException(what + " failed: " + e, e);
    }

    /** The conflict's message, leading with the oid. */
    static String conflictMessage(ConflictError c) {
        return "ZEO conflict on oid " + (c.oid() == null ? "(unknown)" : c.oid()) + ", transaction rolled back: "
                + c.getMessage();
    }

    /** An XAException with a message, an XA error code and a cause. */
    static XAException xa(int code, String message, Throwable cause) {
        XAException x = new XAException(message);
        x.errorCode = code;
        if (cause != null) {
            x.initCause(cause);
        }
        return x;
    }

    /** Whether the ResourceException means the server connection is gone (the pool should drop it). */
    static boolean isConnectionLoss(Throwable e) {
        return e instanceof CommException || e instanceof ClientDisconnected;
    }
}
