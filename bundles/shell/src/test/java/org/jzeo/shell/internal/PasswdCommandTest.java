package org.jzeo.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.jzeo.auth.PasswordDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** zeo:passwd without Karaf: the command object with its fields set as the shell would. */
class PasswdCommandTest {
    @TempDir
    Path dir;

    private PasswdCommand command(Path file, String user, String password) {
        PasswdCommand c = new PasswdCommand();
        c.file = file.toString();
        c.realm = "zeo";
        c.username = user;
        c.password = password;
        return c;
    }

    @Test
    void addsChangesAndDeletesAUser() throws Exception {
        Path db = dir.resolve("passwd");
        command(db, "alice", "secret").execute();
        String first = PasswordDatabase.load(db).hash("alice").orElseThrow();
        assertThrows(IllegalStateException.class, () -> command(db, "alice", "again").execute(),
                "adding an existing user fails");
        PasswdCommand change = command(db, "alice", "other");
        change.change = true;
        change.execute();
        assertFalse(first.equals(PasswordDatabase.load(db).hash("alice").orElseThrow()), "the hash changed");
        PasswdCommand delete = command(db, "alice", null);
        delete.delete = true;
        delete.execute();
        assertTrue(PasswordDatabase.load(db).users().isEmpty());
        assertEquals("zeo", PasswordDatabase.load(db).realm());
    }

    @Test
    void withoutAFileOrARunningServerItSaysWhatIsMissing() {
        PasswdCommand c = new PasswdCommand();
        c.username = "bob";
        c.password = "x";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::execute);
        assertTrue(e.getMessage().contains("-f"), e.getMessage());
    }
}
