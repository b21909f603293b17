package org.jzeo.auth;

import java.util.Objects;

/**
 * A client's credentials ({@code username}, {@code password}, {@code realm} of the
 * {@code <zeoclient>} section).
 *
 * @param user     the user name
 * @param password the password
 * @param realm    the realm the client expects, or null to accept the server's
 */
public record Credentials(String user, char[] password, String realm) {
    /** Checks user and password are present. */
    public Credentials {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        password = password.clone();
    }

    /** The password (a copy). */
    @Override
    public char[] password() {
        return password.clone();
    }

    /** Does not show the password. */
    @Override
    public String toString() {
        return "Credentials[user=" + user + ", realm=" + realm + "]";
    }
}
