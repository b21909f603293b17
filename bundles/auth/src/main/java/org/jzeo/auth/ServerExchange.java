package org.jzeo.auth;

/** The server side of one connection's authentication. Used by one thread at a time. */
public interface ServerExchange {
    /** The first challenge, the reply to {@code jzeo_auth_start} (a wire value: str, bytes, tuple …). */
    Object challenge();

    /**
     * Judges a {@code jzeo_auth_response} argument.
     *
     * @param response the decoded argument
     * @return success (with the session key), failure, or the next challenge
     */
    AuthOutcome respond(Object response);
}
