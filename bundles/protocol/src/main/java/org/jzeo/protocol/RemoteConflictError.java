package org.jzeo.protocol;

import java.util.Map;
import org.jzeo.api.ConflictError;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;

/**
 * A conflict error received from a ZEO server whose class is not plain {@code ConflictError}
 * (e.g. {@code ReadConflictError}, {@code BTreesConflictError}) or whose message is not the
 * default one. It is still a {@link ConflictError}; the remote class name and the detail map are
 * kept, so that relaying it sends the same error reply.
 */
public class RemoteConflictError extends ConflictError {
    private static final long serialVersionUID = 1L;

    private final String remoteClassName;
    private final String remoteObjectClass;
    private final transient Map<Object, Object> details;

    /**
     * @param remoteClassName   the Python class name of the error
     * @param message           the remote {@code message} attribute
     * @param oid               the oid, or {@code null}
     * @param currentSerial     {@code serials[0]}, or {@code null}
     * @param oldSerial         {@code serials[1]}, or {@code null}
     * @param remoteObjectClass the {@code class_name} attribute, or {@code null}
     * @param details           the whole detail map as received
     */
    public RemoteConflictError(String remoteClassName, String message, Oid oid, Tid currentSerial,
            Tid oldSerial, String remoteObjectClass, Map<Object, Object> details) {
        super(message, oid, currentSerial, oldSerial);
        this.remoteClassName = remoteClassName;
        this.remoteObjectClass = remoteObjectClass;
        this.details = details;
    }

    /** The detail map as received (its wire order is kept). */
    public Map<Object, Object> details() {
        return details;
    }

    @Override
    public String className() {
        return remoteObjectClass;
    }

    @Override
    public String pythonClassName() {
        return remoteClassName;
    }
}
