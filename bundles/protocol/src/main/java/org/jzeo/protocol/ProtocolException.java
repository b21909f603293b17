package org.jzeo.protocol;

/**
 * A violation of the ZEO wire protocol: an undecodable frame, a message that is not a
 * 4-element sequence, a refused pickle opcode, a bad handshake, an oversized frame. A Python
 * server closes the connection on these without a reply; jzeo does the same.
 */
public class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what was wrong */
    public ProtocolException(String message) {
        super(message);
    }

    /** @param message what was wrong @param cause the underlying error */
    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
