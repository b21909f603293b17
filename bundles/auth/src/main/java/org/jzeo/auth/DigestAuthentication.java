package org.jzeo.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.jzeo.protocol.Tuple;
import org.jzeo.protocol.Values;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code digest} protocol: an RFC 2069-style challenge-response (legacy spec §2), carried by
 * the {@code jzeo_auth_*} calls described in the package documentation.
 *
 * <ul>
 *   <li>The password database stores {@code H_UP = sha1hex(user ":" realm ":" password)}
 *       (UTF-8), see {@link PasswordDatabase}.</li>
 *   <li>Challenge: {@code (realm, challenge, nonce)}; challenge and nonce are 40 hex digits from
 *       a {@link SecureRandom}.</li>
 *   <li>Response: {@code (user, challenge, sha1hex(H_UP ":" challenge))}.</li>
 *   <li>Session key (60 bytes): {@code SHA1(H_UP ":" nonce)} raw, then the 40 ASCII hex digits of
 *       {@code H_UP}.</li>
 * </ul>
 * The password database is re-read when its modification time changes, so {@code zeopasswd}
 * changes apply to new connections without a restart. Like the original this gives
 * authentication and integrity, not confidentiality; combine it with TLS for that.
 */
public final class DigestAuthentication implements AuthenticationProtocol {
    /** The protocol name. */
    public static final String NAME = "digest";
    /** The shared instance. */
    public static final DigestAuthentication INSTANCE = new DigestAuthentication();

    private static final Logger LOG = LoggerFactory.getLogger(DigestAuthentication.class);
    private static final HexFormat HEX = HexFormat.of();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Prefer {@link #INSTANCE}; public for {@link java.util.ServiceLoader}. */
    public DigestAuthentication() {
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Lowercase hex SHA-1 of the UTF-8 bytes of {@code s}. */
    public static String sha1hex(String s) {
        return HEX.formatHex(SessionMac.sha1().digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    /** {@code H_UP}: what the password database stores for a user. */
    public static String hashUserPassword(String user, String realm, char[] password) {
        return sha1hex(user + ":" + realm + ":" + new String(password));
    }

    /** The client's response to {@code challenge}. */
    public static String response(String hup, String challenge) {
        return sha1hex(hup + ":" + challenge);
    }

    /** The 60-byte session key. */
    public static byte[] sessionKey(String hup, String nonce) {
        byte[] head = SessionMac.sha1().digest((hup + ":" + nonce).getBytes(StandardCharsets.UTF_8));
        byte[] tail = hup.getBytes(StandardCharsets.US_ASCII);
        byte[] key = new byte[head.length + tail.length];
        System.arraycopy(head, 0, key, 0, head.length);
        System.arraycopy(tail, 0, key, head.length, tail.length);
        return key;
    }

    @Override
    public String passwordHash(String user, String realm, char[] password) {
        return hashUserPassword(user, realm, password);
    }

    /**
     * The server side. The realm is {@code realm}, or the database's when {@code realm} is null;
     * if both are set they must be equal.
     *
     * @throws IllegalArgumentException without a database, without any realm, or on a realm mismatch
     */
    @Override
    public ServerAuthenticator server(Path database, String realm) throws IOException {
        if (database == null) {
            throw new IllegalArgumentException("digest authentication needs an authentication-database");
        }
        PasswordDatabase db = PasswordDatabase.load(database);
        String dbRealm = db.realm();
        if (realm != null && dbRealm != null && !realm.equals(dbRealm)) {
            throw new IllegalArgumentException("password database realm " + dbRealm
                    + " does not match storage realm " + realm);
        }
        String effective = realm != null ? realm : dbRealm;
        if (effective == null) {
            throw new IllegalArgumentException("digest authentication needs a realm (authentication-realm or a "
                    + "realm line in " + database + ")");
        }
        return new Server(database, effective, db);
    }

    @Override
    public ClientExchange client(Credentials credentials) {
        return new Client(credentials);
    }

    private static String randomHex() {
        byte[] b = new byte[20];
        RANDOM.nextBytes(b);
        return HEX.formatHex(b);
    }

    /** Server side: holds the database, re-read when the file changes. */
    private static final class Server implements ServerAuthenticator {
        private final Path path;
        private final String realm;
        private PasswordDatabase db;
        private FileTime loadedAt;

        Server(Path path, String realm, PasswordDatabase db) throws IOException {
            this.path = path;
            this.realm = realm;
            this.db = db;
            this.loadedAt = Files.exists(path) ? Files.getLastModifiedTime(path) : null;
        }

        synchronized Optional<String> hash(String user) {
            try {
                FileTime now = Files.exists(path) ? Files.getLastModifiedTime(path) : null;
                if (now != null && !now.equals(loadedAt)) {
                    PasswordDatabase fresh = PasswordDatabase.load(path);
                    if (fresh.realm() == null || fresh.realm().equals(realm)) {
                        db = fresh;
                    } else {
                        LOG.error("password database {} now has realm {}, not {}; keeping the old contents",
                                path, fresh.realm(), realm);
                    }
                    loadedAt = now;
                }
            } catch (IOException e) {
                LOG.warn("cannot re-read password database {}: {}; using the old contents", path, e.toString());
            }
            return db.hash(user);
        }

        @Override
        public ServerExchange begin(String peer) {
            return new ServerExchange() {
                private final String challenge = randomHex();
                private final String nonce = randomHex();
                private boolean answered;

                @Override
                public Object challenge() {
                    return Tuple.of(realm, challenge, nonce);
                }

                @Override
                public AuthOutcome respond(Object response) {
                    if (answered) {
                        return AuthOutcome.failure("a second response to one challenge");
                    }
                    answered = true;
                    List<Object> r;
                    String user;
                    String theirChallenge;
                    String theirResponse;
                    try {
                        r = Values.sequence(response);
                        if (r.size() != 3) {
                            return AuthOutcome.failure("response is not (user, challenge, response)");
                        }
                        user = Values.text(r.get(0));
                        theirChallenge = Values.text(r.get(1));
                        theirResponse = Values.text(r.get(2));
                    } catch (RuntimeException e) {
                        return AuthOutcome.failure("malformed response: " + e.getMessage());
                    }
                    if (!challenge.equals(theirChallenge)) {
                        return AuthOutcome.failure("invalid challenge (user " + user + ")");
                    }
                    Optional<String> hup = hash(user);
                    if (hup.isEmpty()) {
                        return AuthOutcome.failure("no such user: " + user);
                    }
                    byte[] expected = response(hup.get(), challenge).getBytes(StandardCharsets.US_ASCII);
                    if (!MessageDigest.isEqual(expected, theirResponse.getBytes(StandardCharsets.US_ASCII))) {
                        return AuthOutcome.failure("wrong password for user " + user);
                    }
                    return AuthOutcome.success(user, sessionKey(hup.get(), nonce));
                }
            };
        }
    }

    /** Client side of one connection. */
    private static final class Client implements ClientExchange {
        private final Credentials credentials;
        private String hup;
        private String nonce;

        Client(Credentials credentials) {
            this.credentials = credentials;
        }

        @Override
        public Object respond(Object challenge) {
            if (hup != null) {
                throw new AuthenticationException("digest authentication has a single round");
            }
            List<Object> c;
            String realm;
            String ch;
            try {
                c = Values.sequence(challenge);
                if (c.size() != 3) {
                    throw new AuthenticationException("bad digest challenge: " + Values.repr(challenge));
                }
                realm = Values.text(c.get(0));
                ch = Values.text(c.get(1));
                nonce = Values.text(c.get(2));
            } catch (IllegalArgumentException | ClassCastException e) {
                throw new AuthenticationException("bad digest challenge: " + Values.repr(challenge), e);
            }
            if (credentials.realm() != null && !credentials.realm().equals(realm)) {
                throw new AuthenticationException("expected realm " + credentials.realm() + ", got realm " + realm);
            }
            char[] pw = credentials.password();
            try {
                hup = hashUserPassword(credentials.user(), realm, pw);
            } finally {
                java.util.Arrays.fill(pw, '\0');
            }
            return Tuple.of(credentials.user(), ch, response(hup, ch));
        }

        @Override
        public byte[] sessionKey() {
            if (hup == null) {
                throw new IllegalStateException("no challenge answered yet");
            }
            return DigestAuthentication.sessionKey(hup, nonce);
        }
    }
}
