package org.jzeo.shell.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.jzeo.auth.PasswordTool;
import org.osgi.framework.BundleContext;

/** {@code zeo:passwd}: adds, changes or deletes a user of a password database, like zeopasswd. */
@Command(scope = "zeo", name = "passwd",
        description = "Adds (default), changes (-c) or deletes (-d) a user of a ZEO password database. Without -f "
                + "the authentication-database of the running server is used (when exactly one server has one). "
                + "Without a password argument it is asked for twice.")
@Service
public class PasswdCommand implements Action {
    @Reference(optional = true)
    BundleContext context;

    @Reference(optional = true)
    Session session;

    @Option(name = "-f", aliases = "--filename", description = "Password database file")
    String file;

    @Option(name = "-p", aliases = "--protocol", description = "Authentication protocol (default digest)")
    String protocol;

    @Option(name = "-r", aliases = "--realm", description = "Realm (must equal the file's; a new file takes it)")
    String realm;

    @Option(name = "-d", aliases = "--delete", description = "Delete the user")
    boolean delete;

    @Option(name = "-c", aliases = "--change", description = "Change an existing user's password")
    boolean change;

    @Argument(index = 0, name = "username", required = true, description = "User name")
    String username;

    @Argument(index = 1, name = "password", required = false, description = "Password (asked for when missing)")
    String password;

    @Override
    public Object execute() throws Exception {
        String database = file != null ? file : serverDatabase();
        List<String> args = new ArrayList<>();
        if (protocol != null) {
            args.add("-p");
            args.add(protocol);
        }
        args.add("-f");
        args.add(database);
        if (realm != null) {
            args.add("-r");
            args.add(realm);
        }
        if (delete) {
            args.add("-d");
        } else if (change) {
            args.add("-c");
        }
        args.add(username);
        if (!delete) {
            args.add(password != null ? password : askTwice());
        }
        int status = PasswordTool.run(args.toArray(new String[0]), System.out, System.err);
        if (status != 0) {
            throw new IllegalStateException("zeo:passwd failed (status " + status + ")");
        }
        return null;
    }

    private String askTwice() throws Exception {
        if (session == null) {
            throw new IllegalArgumentException("give the password as the second argument");
        }
        String first = session.readLine("Password: ", '*');
        String second = session.readLine("Password again: ", '*');
        if (!Objects.equals(first, second)) {
            throw new IllegalArgumentException("the passwords differ");
        }
        return first;
    }

    private String serverDatabase() {
        List<Path> found = new ArrayList<>();
        if (context != null) {
            for (ZeoOps.Served s : Services.servers(context)) {
                Path db = s.server().config().authenticationDatabase();
                if (db != null && !found.contains(db)) {
                    found.add(db);
                }
            }
        }
        if (found.size() != 1) {
            throw new IllegalArgumentException(found.isEmpty()
                    ? "no running server has an authentication-database: give one with -f"
                    : "several servers have password databases " + found + ": choose one with -f");
        }
        return found.get(0).toString();
    }
}
