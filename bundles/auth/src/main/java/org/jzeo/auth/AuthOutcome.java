package org.jzeo.auth;

import java.util.Objects;

/**
 * What a {@link ServerExchange} decided about a response: {@link #success}, {@link #failure} or
 * {@link #next} (another round).
 *
 * @param status     the decision
 * @param user       the authenticated user (success only)
 * @param sessionKey the MAC key (success only)
 * @param challenge  the next challenge (next only)
 * @param reason     why the client was refused (failure only; logged, never sent)
 */
public record AuthOutcome(Status status, String user, byte[] sessionKey, Object challenge, String reason) {
    /** The three decisions. */
    public enum Status {
        /** Authenticated: switch on the MAC. */
        SUCCESS,
        /** Refused: reply False and close. */
        FAILURE,
        /** Another round: reply with {@link #challenge()}. */
        NEXT
    }

    /** Checks the fields fit the status. */
    public AuthOutcome {
        Objects.requireNonNull(status, "status");
        if (status == Status.SUCCESS && (sessionKey == null || sessionKey.length == 0)) {
            throw new IllegalArgumentException("a successful authentication needs a session key");
        }
        if (status == Status.NEXT && (challenge == null || challenge instanceof Boolean)) {
            throw new IllegalArgumentException("a further challenge must be a value other than a bool");
        }
    }

    /** Authenticated as {@code user} with the MAC key {@code sessionKey}. */
    public static AuthOutcome success(String user, byte[] sessionKey) {
        return new AuthOutcome(Status.SUCCESS, user, sessionKey.clone(), null, null);
    }

    /** Refused, for {@code reason} (logged on the server only). */
    public static AuthOutcome failure(String reason) {
        return new AuthOutcome(Status.FAILURE, null, null, null, reason);
    }

    /** Another round with {@code challenge}. */
    public static AuthOutcome next(Object challenge) {
        return new AuthOutcome(Status.NEXT, null, null, challenge, null);
    }
}
