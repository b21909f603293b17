package org.jzeo.auth;

/** Names used on the wire and in the Netty pipeline by jzeo authentication (see the package documentation). */
public final class AuthWire {
    /** The first call: {@code jzeo_auth_start(protocol_name)} → first challenge. */
    public static final String START = "jzeo_auth_start";
    /** The answer: {@code jzeo_auth_response(response)} → {@code True}, {@code False} or a further challenge. */
    public static final String RESPONSE = "jzeo_auth_response";
    /** The Python class name of the error reply to a {@link #START} naming another protocol. */
    public static final String AUTH_ERROR = "ZEO.Exceptions.AuthError";
    /** Pipeline name of the {@link MacHandler}, placed right after the frame encoder. */
    public static final String MAC_HANDLER = "jzeo-mac";
    /** Pipeline name of the {@link ServerAuthHandler} or {@link ClientAuthHandler}. */
    public static final String AUTH_HANDLER = "jzeo-auth";

    private AuthWire() {
    }
}
