package org.jzeo.auth;

/** The client side of one connection's authentication. Used by one thread at a time. */
public interface ClientExchange {
    /**
     * Answers a challenge (the reply to {@code jzeo_auth_start}, or a further challenge).
     *
     * @return the argument of {@code jzeo_auth_response}
     * @throws AuthenticationException if the challenge is not acceptable (e.g. the wrong realm)
     */
    Object respond(Object challenge);

    /** The session key, once the server has replied {@code True}. */
    byte[] sessionKey();
}
