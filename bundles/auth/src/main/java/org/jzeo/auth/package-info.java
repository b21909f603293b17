/**
 * Authentication for jzeo connections: a pluggable protocol SPI, the shipped {@code digest}
 * protocol, the password database behind {@code zeopasswd}, and the per-message MAC that protects
 * an authenticated connection. TLS contexts live in {@link org.jzeo.auth.tls}.
 *
 * <h2>Finding a protocol</h2>
 * An {@link org.jzeo.auth.AuthenticationProtocol} is known by its name (the server's
 * {@code authentication-protocol} key). {@link org.jzeo.auth.AuthenticationProtocols#get(String)}
 * finds it among the protocols registered with
 * {@link org.jzeo.auth.AuthenticationProtocols#register}, those a {@link java.util.ServiceLoader}
 * finds ({@code META-INF/services/org.jzeo.auth.AuthenticationProtocol}), and the built-in
 * {@link org.jzeo.auth.DigestAuthentication digest}.
 *
 * <h2>Wire protocol (jzeo extension of ZEO 5; see {@code docs/auth-protocol.md})</h2>
 * Python ZEO 5 has no authentication; a server configured with one only serves clients that
 * speak this extension. After the ordinary {@code M5}/{@code Z5} handshake and <em>before</em>
 * {@code register}:
 * <ol>
 *   <li>C&rarr;S sync call {@code jzeo_auth_start(protocol_name)}. The server replies with the
 *       protocol's first challenge (digest: the tuple {@code (realm, challenge, nonce)}, three
 *       str). If the name is not the server's protocol it sends the error reply
 *       {@code ZEO.Exceptions.AuthError} and closes the connection.</li>
 *   <li>C&rarr;S sync call {@code jzeo_auth_response(response)} with one argument (digest: the
 *       tuple {@code (user, challenge, response)}). The reply is {@code True} (authenticated),
 *       {@code False} (refused; the server closes the connection after sending it), or, for a
 *       multi-round protocol, the next challenge (any value other than a bool), answered by
 *       another {@code jzeo_auth_response}.</li>
 *   <li>After {@code True} both sides switch on the MAC with the session key of the exchange:
 *       the server right after queueing the reply, the client right after reading it. Every later
 *       frame, starting with the client's {@code register}, has the payload
 *       {@code MAC(20 bytes) || message}; the 4-byte length prefix counts both, and bit 31 is
 *       not used (unlike ZEO 4).</li>
 * </ol>
 * The MAC is HMAC-SHA-1 (RFC 2104) keyed with the session key and <em>chained</em>: each side
 * keeps one state per direction and the n-th MAC covers the concatenation of all message
 * payloads sent in that direction since activation ({@link org.jzeo.auth.SessionMac}), so an
 * altered, replayed, dropped or reordered message fails. A frame whose MAC does not match is
 * logged and closes the connection; it is not decoded.
 *
 * <p>Until the exchange succeeds the server closes the connection, without reading or answering
 * the message, on any call other than these two (heartbeats are ignored), and it answers no
 * {@code ruok} probe.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.jzeo.auth;
