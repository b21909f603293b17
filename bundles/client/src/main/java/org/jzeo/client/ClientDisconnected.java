package org.jzeo.client;

import org.jzeo.api.StorageException;

/**
 * The client has no usable connection to a server: raised at once by calls that need the server
 * while disconnected (writes, cache misses), by calls whose connection dropped while they waited,
 * and by a waiting constructor when no server answered within the wait timeout.
 */
public class ClientDisconnected extends StorageException {
    private static final long serialVersionUID = 1L;

    /** @param message what could not be done */
    public ClientDisconnected(String message) {
        super(message);
    }

    /** @param message what could not be done @param cause the underlying error */
    public ClientDisconnected(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public String pythonClassName() {
        return "ZEO.Exceptions.ClientDisconnected";
    }
}
