package org.jzeo.protocol;

import org.jzeo.api.StorageException;

/**
 * An error reply whose Python class has no Java counterpart (e.g. {@code builtins.ValueError}),
 * or an error a Java server wants to send with an exact Python class name and details.
 *
 * <p>{@link #pythonClassName()} is the remote class name, so an instance turns back into the same
 * error reply ({@link Message#errorReply(Object, Throwable)} sends {@code (className, details)}
 * verbatim). Python's client raises {@code ZEO.Exceptions.ServerException} for such replies.
 */
public class ServerException extends StorageException {
    private static final long serialVersionUID = 1L;

    private final String className;
    private final transient Object details;

    /**
     * @param className the Python class name, {@code "module.QualName"}
     * @param details   the exception's attribute dict ({@code Map}) or args ({@code Tuple})
     */
    public ServerException(String className, Object details) {
        super(className + Values.repr(details == null ? Tuple.EMPTY : details));
        this.className = className;
        this.details = details == null ? Tuple.EMPTY : details;
    }

    /** A {@code className(message)} error, details {@code (message,)}. */
    public static ServerException of(String className, String message) {
        return new ServerException(className, Tuple.of(message));
    }

    /** The Python class name. */
    public String className() {
        return className;
    }

    /** The details: an attribute map or an args tuple, as decoded. */
    public Object details() {
        return details;
    }

    @Override
    public String pythonClassName() {
        return className;
    }
}
