package org.jzeo.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** zeopasswd round trip: add, change, delete, the file format, errors and exit codes. */
class PasswordToolTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String stdin, String... args) {
        out.reset();
        err.reset();
        return PasswordTool.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void addChangeDeleteRoundTrip() throws Exception {
        Path f = dir.resolve("passwd");
        String file = f.toString();
        assertEquals(0, run("", "-p", "digest", "-f", file, "-r", "ZEO", "alice", "secret"));
        assertEquals("realm ZEO\nalice: 3056b69c7c964df42e39bbab5ce6c2c09acc7ead\n", Files.readString(f));
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(f));

        // The password from standard input; users are kept sorted; the realm comes from the file.
        assertEquals(0, run("pw2\n", "-f", file, "aaron"));
        String hashAaron = DigestAuthentication.hashUserPassword("aaron", "ZEO", "pw2".toCharArray());
        assertEquals("realm ZEO\naaron: " + hashAaron + "\nalice: 3056b69c7c964df42e39bbab5ce6c2c09acc7ead\n",
                Files.readString(f));

        // Adding an existing user fails and leaves the file alone.
        assertEquals(1, run("", "-f", file, "alice", "other"));
        assertTrue(stderr().contains("User alice already exists"), stderr());

        // Change the password.
        assertEquals(0, run("", "-f", file, "-c", "alice", "new"));
        PasswordDatabase db = PasswordDatabase.load(f);
        assertEquals(DigestAuthentication.hashUserPassword("alice", "ZEO", "new".toCharArray()),
                db.hash("alice").orElseThrow());
        assertEquals("ZEO", db.realm());

        // Delete, and delete again.
        assertEquals(0, run("", "-f", file, "-d", "alice"));
        assertEquals("realm ZEO\naaron: " + hashAaron + "\n", Files.readString(f));
        assertEquals(1, run("", "-f", file, "-d", "alice"));
        assertTrue(stderr().contains("No such user: alice"), stderr());
        assertEquals(1, run("", "-f", file, "-c", "nobody", "x"));
        assertTrue(stderr().contains("No such user: nobody"), stderr());
    }

    @Test
    void realmRulesAndUsageErrors() throws Exception {
        String file = dir.resolve("passwd").toString();
        assertEquals(1, run("", "-f", file, "alice", "pw"));
        assertTrue(stderr().contains("give one with -r"), stderr());
        assertEquals(0, run("", "-f", file, "-r", "ZEO", "alice", "pw"));
        assertEquals(1, run("", "-f", file, "-r", "Other", "bob", "pw"));
        assertTrue(stderr().contains("Specified realm Other differs from database realm ZEO"), stderr());
        assertEquals(2, run("", "-f", file));
        assertEquals(2, run("", "-C", "x.conf", "-f", file, "bob"));
        assertEquals(2, run("", "-f", file, "-x", "bob"));
        assertEquals(2, run("", "-f", file, "-d", "-c", "bob"));
        assertEquals(1, run("", "-p", "nosuch", "-f", file, "bob", "pw"));
        assertTrue(stderr().contains("unknown authentication protocol nosuch"), stderr());
        assertEquals(1, run("", "-f", file, "bad:name", "pw"));
        assertFalse(Files.readString(Path.of(file)).contains("bad"));
    }

    @Test
    void configFileGivesProtocolDatabaseAndRealm() throws Exception {
        Path f = dir.resolve("auth.db");
        Path conf = dir.resolve("zeo.conf");
        Files.writeString(conf, """
                # a server config
                <zeo>
                  address 127.0.0.1:8100
                  Authentication-Protocol digest
                  authentication-database %s
                  authentication-realm ZEO
                </zeo>
                <filestorage 1>
                  path Data.fs
                </filestorage>
                """.formatted(f));
        assertEquals(0, run("", "-C", conf.toString(), "alice", "secret"));
        assertEquals("realm ZEO\nalice: 3056b69c7c964df42e39bbab5ce6c2c09acc7ead\n", Files.readString(f));
        Files.writeString(conf, "<zeo>\n address 8100\n</zeo>\n");
        assertEquals(1, run("", "-C", conf.toString(), "alice", "secret"));
    }
}
