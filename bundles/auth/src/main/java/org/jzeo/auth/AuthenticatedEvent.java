package org.jzeo.auth;

/**
 * Fired down the pipeline (as a user event) by {@link ServerAuthHandler} once a client has
 * authenticated and the MAC is on.
 *
 * @param user     the authenticated user
 * @param protocol the protocol name
 */
public record AuthenticatedEvent(String user, String protocol) {
}
