package org.jzeo.auth;

/** Authentication failed or could not be carried out (the client side; Python's {@code ZEO.Exceptions.AuthError}). */
public class AuthenticationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong */
    public AuthenticationException(String message) {
        super(message);
    }

    /** @param message what went wrong
     *  @param cause   the underlying error */
    public AuthenticationException(String message, Throwable cause) {
        super(message, cause);
    }
}
