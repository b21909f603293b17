package org.jzeo.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.jzeo.protocol.Tuple;
import org.jzeo.protocol.Values;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The digest formulas against the spec's worked example (§2.4, §2.5) and the exchange itself. */
class DigestAuthenticationTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final String HUP = "3056b69c7c964df42e39bbab5ce6c2c09acc7ead";

    @TempDir
    Path dir;

    @Test
    void workedExampleOfTheSpec() {
        assertEquals(HUP, DigestAuthentication.hashUserPassword("alice", "ZEO", "secret".toCharArray()));
        assertEquals("ea30e042b964a5a68f1269044773e8ec0f887158",
                DigestAuthentication.response(HUP, "14bb09ff3e3990ce254a50b6e4c25fdf98e33233"));
        byte[] key = DigestAuthentication.sessionKey(HUP, "fea15a7b513d8740c8e9d5079df09cc8697a6e49");
        assertEquals(60, key.length);
        assertEquals("817f094c471c3c892ee64d9dfcf5b03492347be2", HEX.formatHex(key, 0, 20));
        assertEquals(HUP, new String(key, 20, 40, StandardCharsets.US_ASCII));
    }

    @Test
    void chainedMacOfTheSpec() {
        byte[] key = DigestAuthentication.sessionKey(HUP, "fea15a7b513d8740c8e9d5079df09cc8697a6e49");
        SessionMac mac = new SessionMac(key);
        assertEquals("c414def6e01557ea193e4d2e77b00c116063854b", HEX.formatHex(mac.next("hello".getBytes())));
        assertEquals("8e0c5145d330246545584bb240ed6fe48b3e48f4", HEX.formatHex(mac.next("world".getBytes())));
        // Same as the plain HMAC of the concatenation.
        assertEquals("8e0c5145d330246545584bb240ed6fe48b3e48f4",
                HEX.formatHex(new SessionMac(key).next("helloworld".getBytes())));
    }

    @Test
    void registerFrameExampleOfTheAuthProtocolDoc() {
        byte[] key = DigestAuthentication.sessionKey(HUP, "fea15a7b513d8740c8e9d5079df09cc8697a6e49");
        byte[] payload = org.jzeo.protocol.MessageCodec.forProtocol("M5")
                .encode(org.jzeo.protocol.Message.call(3, "register", "1", false));
        assertEquals("9403c2a8726567697374657292a131c2", HEX.formatHex(payload));
        assertEquals("7ababcdd745e7b36c5b9b74c36d99bf0f695145c", HEX.formatHex(new SessionMac(key).next(payload)));
    }

    @Test
    void macMatchesTheJdkHmacForLongKeys() throws Exception {
        byte[] key = new byte[100];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) i;
        }
        javax.crypto.Mac jdk = javax.crypto.Mac.getInstance("HmacSHA1");
        jdk.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA1"));
        assertArrayEquals(jdk.doFinal("payload".getBytes()), new SessionMac(key).next("payload".getBytes()));
    }

    private Path database(String realm, String user, String password) throws Exception {
        PasswordDatabase db = PasswordDatabase.create(dir.resolve("passwd"), realm);
        db.add(user, DigestAuthentication.hashUserPassword(user, realm, password.toCharArray()));
        db.save();
        return db.path();
    }

    @Test
    void exchangeSucceedsWithTheRightPasswordAndBothSidesAgreeOnTheKey() throws Exception {
        ServerAuthenticator server = DigestAuthentication.INSTANCE.server(database("ZEO", "alice", "secret"), "ZEO");
        ServerExchange s = server.begin("test");
        ClientExchange c = DigestAuthentication.INSTANCE.client(new Credentials("alice", "secret".toCharArray(), "ZEO"));
        Object response = c.respond(s.challenge());
        AuthOutcome outcome = s.respond(response);
        assertEquals(AuthOutcome.Status.SUCCESS, outcome.status());
        assertEquals("alice", outcome.user());
        assertArrayEquals(c.sessionKey(), outcome.sessionKey());
        assertEquals(60, outcome.sessionKey().length);
    }

    @Test
    void wrongPasswordUnknownUserAndForeignChallengeFail() throws Exception {
        ServerAuthenticator server = DigestAuthentication.INSTANCE.server(database("ZEO", "alice", "secret"), null);
        ServerExchange s1 = server.begin("test");
        Object r1 = DigestAuthentication.INSTANCE.client(new Credentials("alice", "wrong".toCharArray(), null))
                .respond(s1.challenge());
        assertEquals(AuthOutcome.Status.FAILURE, s1.respond(r1).status());

        ServerExchange s2 = server.begin("test");
        Object r2 = DigestAuthentication.INSTANCE.client(new Credentials("bob", "secret".toCharArray(), null))
                .respond(s2.challenge());
        assertTrue(s2.respond(r2).reason().contains("no such user"));

        // A correct response to another connection's challenge is refused.
        ServerExchange s3 = server.begin("a");
        ServerExchange s4 = server.begin("b");
        Object r3 = DigestAuthentication.INSTANCE.client(new Credentials("alice", "secret".toCharArray(), null))
                .respond(s3.challenge());
        assertTrue(s4.respond(r3).reason().contains("invalid challenge"));
        // One response per challenge.
        assertEquals(AuthOutcome.Status.SUCCESS, s3.respond(r3).status());
        assertEquals(AuthOutcome.Status.FAILURE, s3.respond(r3).status());
    }

    @Test
    void challengesAreFreshAndTheClientChecksTheRealm() throws Exception {
        ServerAuthenticator server = DigestAuthentication.INSTANCE.server(database("ZEO", "alice", "secret"), "ZEO");
        List<Object> c1 = Values.sequence(server.begin("x").challenge());
        List<Object> c2 = Values.sequence(server.begin("x").challenge());
        assertEquals("ZEO", c1.get(0));
        assertTrue(!c1.get(1).equals(c2.get(1)) && !c1.get(2).equals(c2.get(2)));
        ClientExchange c = DigestAuthentication.INSTANCE.client(new Credentials("alice", "secret".toCharArray(), "other"));
        AuthenticationException e = assertThrows(AuthenticationException.class,
                () -> c.respond(Tuple.of("ZEO", "c", "n")));
        assertEquals("expected realm other, got realm ZEO", e.getMessage());
    }

    @Test
    void serverRefusesARealmMismatchOrNoRealm() throws Exception {
        Path db = database("ZEO", "alice", "secret");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DigestAuthentication.INSTANCE.server(db, "other"));
        assertEquals("password database realm ZEO does not match storage realm other", e.getMessage());
        Path none = dir.resolve("empty");
        Files.writeString(none, "");
        assertThrows(IllegalArgumentException.class, () -> DigestAuthentication.INSTANCE.server(none, null));
        assertThrows(IllegalArgumentException.class, () -> DigestAuthentication.INSTANCE.server(null, "ZEO"));
    }

    @Test
    void serverPicksUpDatabaseChangesForNewConnections() throws Exception {
        Path db = database("ZEO", "alice", "secret");
        ServerAuthenticator server = DigestAuthentication.INSTANCE.server(db, "ZEO");
        PasswordDatabase pd = PasswordDatabase.load(db);
        pd.add("bob", DigestAuthentication.hashUserPassword("bob", "ZEO", "pw".toCharArray()));
        pd.save();
        Files.setLastModifiedTime(db, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        ServerExchange s = server.begin("x");
        Object r = DigestAuthentication.INSTANCE.client(new Credentials("bob", "pw".toCharArray(), "ZEO"))
                .respond(s.challenge());
        assertEquals(AuthOutcome.Status.SUCCESS, s.respond(r).status());
    }

    @Test
    void registryFindsDigestAndRegisteredProtocols() {
        assertEquals(DigestAuthentication.INSTANCE, AuthenticationProtocols.get("digest"));
        AuthenticationProtocol custom = new AuthenticationProtocol() {
            @Override
            public String name() {
                return "test-custom";
            }

            @Override
            public ServerAuthenticator server(Path database, String realm) {
                return peer -> null;
            }

            @Override
            public ClientExchange client(Credentials credentials) {
                return null;
            }
        };
        AuthenticationProtocols.register(custom);
        try {
            assertEquals(custom, AuthenticationProtocols.get("test-custom"));
            assertTrue(AuthenticationProtocols.names().contains("test-custom"));
        } finally {
            AuthenticationProtocols.unregister(custom);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AuthenticationProtocols.get("test-custom"));
        assertTrue(e.getMessage().contains("digest"));
        assertTrue(AuthenticationProtocols.isNone("none") && AuthenticationProtocols.isNone(null));
    }
}
