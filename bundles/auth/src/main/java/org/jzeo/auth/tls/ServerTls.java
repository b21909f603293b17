package org.jzeo.auth.tls;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A server's {@code <ssl>} section.
 *
 * @param certificate  PEM file with the server certificate (chain) ({@code certificate}, required);
 *                     may also hold the key
 * @param key          PEM file with the private key ({@code key}); null = in {@code certificate}
 * @param password     source of the key's password ({@code password-function}); null = unencrypted
 * @param authenticate PEM CA file or a directory of PEM files whose certificates client
 *                     certificates must chain to ({@code authenticate}); null = client
 *                     certificates are not requested (a documented difference from ZEO 5)
 */
public record ServerTls(Path certificate, Path key, PasswordSource password, Path authenticate) {
    /** Checks the certificate is given and {@code authenticate} is not {@code DYNAMIC}. */
    public ServerTls {
        Objects.requireNonNull(certificate, "ssl certificate");
        if (authenticate != null && authenticate.toString().equals("DYNAMIC")) {
            throw new IllegalArgumentException("ssl authenticate DYNAMIC is not supported by jzeo; "
                    + "name a CA file or directory, or leave it out to accept any client");
        }
    }

    /** Whether clients must present a certificate signed by one of {@link #authenticate()}. */
    public boolean requiresClientCertificates() {
        return authenticate != null;
    }
}
