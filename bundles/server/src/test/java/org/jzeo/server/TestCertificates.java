package org.jzeo.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test-only certificates made at test time with the JDK's keytool (EC P-256, valid 2 days): a CA,
 * a server certificate for localhost/127.0.0.1 and a client certificate signed by it, and a
 * self-signed "rogue" client certificate. Keys are written as unencrypted PKCS#8 PEM.
 */
public final class TestCertificates {
    private static final String PASS = "changeit";

    public final Path caCert;
    public final Path serverCert;
    public final Path serverKey;
    public final Path clientCert;
    public final Path clientKey;
    public final Path rogueCert;
    public final Path rogueKey;

    public TestCertificates(Path dir) throws Exception {
        Path ca = dir.resolve("ca.p12");
        genkey(ca, "ca", "CN=jzeo-test-ca", "-ext", "bc:c");
        caCert = dir.resolve("ca.pem");
        keytool("-exportcert", "-keystore", ca.toString(), "-storepass", PASS, "-alias", "ca", "-rfc", "-file",
                caCert.toString());
        serverCert = dir.resolve("server.pem");
        serverKey = dir.resolve("server.key");
        signed(dir, ca, "server", "CN=localhost", serverCert, serverKey, "-ext", "san=dns:localhost,ip:127.0.0.1");
        clientCert = dir.resolve("client.pem");
        clientKey = dir.resolve("client.key");
        signed(dir, ca, "client", "CN=jzeo-test-client", clientCert, clientKey);
        Path rogue = dir.resolve("rogue.p12");
        genkey(rogue, "rogue", "CN=jzeo-test-client");
        rogueCert = dir.resolve("rogue.pem");
        keytool("-exportcert", "-keystore", rogue.toString(), "-storepass", PASS, "-alias", "rogue", "-rfc", "-file",
                rogueCert.toString());
        rogueKey = dir.resolve("rogue.key");
        writeKey(rogue, "rogue", rogueKey);
    }

    private static void signed(Path dir, Path ca, String alias, String dname, Path cert, Path key, String... ext)
            throws Exception {
        Path store = dir.resolve(alias + ".p12");
        genkey(store, alias, dname);
        Path csr = dir.resolve(alias + ".csr");
        keytool("-certreq", "-keystore", store.toString(), "-storepass", PASS, "-alias", alias, "-file", csr.toString());
        List<String> args = new ArrayList<>(List.of("-gencert", "-keystore", ca.toString(), "-storepass", PASS,
                "-alias", "ca", "-infile", csr.toString(), "-outfile", cert.toString(), "-rfc", "-validity", "2"));
        args.addAll(List.of(ext));
        keytool(args.toArray(String[]::new));
        writeKey(store, alias, key);
    }

    private static void genkey(Path store, String alias, String dname, String... ext) throws Exception {
        List<String> args = new ArrayList<>(List.of("-genkeypair", "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", PASS, "-keypass", PASS, "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", dname, "-validity", "2"));
        args.addAll(List.of(ext));
        keytool(args.toArray(String[]::new));
    }

    private static void writeKey(Path store, String alias, Path out) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, PASS.toCharArray());
        }
        PrivateKey key = (PrivateKey) ks.getKey(alias, PASS.toCharArray());
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded());
        Files.writeString(out, "-----BEGIN PRIVATE KEY-----\n" + b64 + "\n-----END PRIVATE KEY-----\n");
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.add("-noprompt");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("keytool " + String.join(" ", args) + " failed: " + output);
        }
    }
}
