package org.jzeo.auth.tls;

/**
 * A client's {@code <ssl>} section.
 *
 * @param certificate    PEM file with the client certificate ({@code certificate}); null = none
 *                       (ZEO 5's schema requires one; jzeo servers only ask when configured to)
 * @param key            PEM file with the private key ({@code key}); null = in {@code certificate}
 * @param password       source of the key's password ({@code password-function}); null = unencrypted
 * @param authenticate   PEM CA file or directory to verify the server with ({@code authenticate});
 *                       null = the JVM's default trusted CAs
 * @param checkHostname  verify that the server certificate names the host ({@code check-hostname},
 *                       default true)
 * @param serverHostname the name to check ({@code server-hostname}); null = the host of the address
 */
public record ClientTls(java.nio.file.Path certificate, java.nio.file.Path key, PasswordSource password,
        java.nio.file.Path authenticate, boolean checkHostname, String serverHostname) {
    /** Only a trust anchor, hostname checked: the common case. */
    public static ClientTls trusting(java.nio.file.Path authenticate) {
        return new ClientTls(null, null, null, authenticate, true, null);
    }
}
