package org.jzeo.auth;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;

/**
 * {@code zeopasswd}: adds, changes and deletes users of a password database.
 *
 * <pre>
 * zeopasswd [-C zeo.conf | [-p protocol] -f passwd-file [-r realm]] [-d | -c] username [password]
 * </pre>
 * <ul>
 *   <li>{@code -C/--configure FILE}: take protocol, database and realm from the
 *       {@code authentication-*} keys of the config file's {@code <zeo>} section (not combinable
 *       with {@code -p}/{@code -f}; only plain {@code key value} lines are read, no
 *       {@code %define} substitution);</li>
 *   <li>{@code -p/--protocol NAME} (default {@code digest}), {@code -f/--filename FILE},
 *       {@code -r/--realm REALM}: a realm given must equal the file's; a new file takes it;</li>
 *   <li>no flag: add the user (an existing one is an error: "User … already exists");
 *       {@code -c/--change}: change an existing user's password (a jzeo addition);
 *       {@code -d/--delete}: delete the user ("No such user: …" if missing);</li>
 *   <li>without a password argument it is prompted for twice (or read as one line from standard
 *       input when there is no console).</li>
 * </ul>
 * Exit status 0 on success, 1 on an error, 2 on a usage error.
 */
public final class PasswordTool {
    static final String USAGE = "usage: zeopasswd [-C zeo.conf | [-p protocol] -f passwd-file [-r realm]] "
            + "[-d | -c] username [password]";

    private PasswordTool() {
    }

    /** Command-line entry point. */
    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err));
    }

    /** Runs the command with standard input for prompts; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, System.in, out, err);
    }

    /** Runs the command; a password not given as argument is read from {@code in} unless there is a console. */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        String config = null;
        String protocolName = null;
        String file = null;
        String realm = null;
        boolean delete = false;
        boolean change = false;
        List<String> positional = new ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "-C", "--configure" -> config = value(args, ++i, a);
                    case "-p", "--protocol" -> protocolName = value(args, ++i, a);
                    case "-f", "--filename" -> file = value(args, ++i, a);
                    case "-r", "--realm" -> realm = value(args, ++i, a);
                    case "-d", "--delete" -> delete = true;
                    case "-c", "--change" -> change = true;
                    case "-h", "--help" -> {
                        out.println(USAGE);
                        return 0;
                    }
                    default -> {
                        if (a.startsWith("-") && a.length() > 1) {
                            throw new UsageException("unknown option " + a);
                        }
                        positional.add(a);
                    }
                }
            }
            if (config != null && (protocolName != null || file != null)) {
                throw new UsageException("-C cannot be combined with -p or -f");
            }
            if (delete && change) {
                throw new UsageException("-d and -c exclude each other");
            }
            if (positional.isEmpty() || positional.size() > 2 || delete && positional.size() > 1) {
                throw new UsageException(positional.isEmpty() ? "a username is required" : "too many arguments");
            }
            if (config != null) {
                String[] keys = readZeoSection(Path.of(config));
                protocolName = keys[0];
                file = keys[1];
                if (realm == null) {
                    realm = keys[2];
                }
                if (AuthenticationProtocols.isNone(protocolName) || file == null) {
                    throw new IllegalArgumentException(config
                            + ": the <zeo> section needs authentication-protocol and authentication-database");
                }
            }
            if (file == null) {
                throw new UsageException("a password file is required (-f or -C)");
            }
            AuthenticationProtocol protocol = AuthenticationProtocols.get(protocolName == null
                    ? DigestAuthentication.NAME : protocolName);
            Path path = Path.of(file);
            PasswordDatabase db = PasswordDatabase.load(path);
            if (realm != null && db.realm() != null && !realm.equals(db.realm())) {
                throw new IllegalArgumentException("Specified realm " + realm + " differs from database realm "
                        + db.realm());
            }
            if (db.realm() == null) {
                if (realm == null) {
                    throw new IllegalArgumentException(path + " has no realm: give one with -r");
                }
                db.setRealm(realm);
            }
            String user = positional.get(0);
            if (delete) {
                db.delete(user);
                db.save();
                out.println("deleted user " + user);
                return 0;
            }
            if (!change && db.hash(user).isPresent()) {
                throw new IllegalStateException("User " + user + " already exists (use -c to change the password)");
            }
            if (change && db.hash(user).isEmpty()) {
                throw new NoSuchElementException("No such user: " + user);
            }
            char[] password = positional.size() == 2 ? positional.get(1).toCharArray() : prompt(in);
            try {
                String hash = protocol.passwordHash(user, db.realm(), password);
                if (change) {
                    db.change(user, hash);
                } else {
                    db.add(user, hash);
                }
            } finally {
                Arrays.fill(password, '\0');
            }
            db.save();
            out.println((change ? "changed password of user " : "added user ") + user);
            return 0;
        } catch (UsageException e) {
            err.println("zeopasswd: " + e.getMessage());
            err.println(USAGE);
            return 2;
        } catch (IOException e) {
            err.println("zeopasswd: " + e);
            return 1;
        } catch (RuntimeException e) {
            err.println("zeopasswd: " + e.getMessage());
            return 1;
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new UsageException(option + " needs a value");
        }
        return args[i];
    }

    private static char[] prompt(InputStream in) throws IOException {
        Console console = System.console();
        if (console != null) {
            char[] first = console.readPassword("Password: ");
            char[] second = console.readPassword("Verify password: ");
            if (first == null || second == null || !Arrays.equals(first, second)) {
                throw new IllegalArgumentException("passwords do not match");
            }
            Arrays.fill(second, '\0');
            return first;
        }
        String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
        if (line == null || line.isEmpty()) {
            throw new IllegalArgumentException("no password given");
        }
        return line.toCharArray();
    }

    /** Protocol, database and realm from the {@code <zeo>} section of a ZConfig file (nulls when absent). */
    static String[] readZeoSection(Path config) throws IOException {
        String[] keys = new String[3];
        boolean inZeo = false;
        for (String raw : Files.readAllLines(config, StandardCharsets.UTF_8)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("<zeo") && (lower.length() == 4 || lower.charAt(4) == '>' || lower.charAt(4) == ' ')) {
                inZeo = true;
                continue;
            }
            if (lower.startsWith("</zeo")) {
                inZeo = false;
                continue;
            }
            if (!inZeo || line.startsWith("<")) {
                continue;
            }
            String[] kv = line.split("\\s+", 2);
            String value = kv.length > 1 ? kv[1].strip() : "";
            switch (kv[0].toLowerCase(Locale.ROOT)) {
                case "authentication-protocol" -> keys[0] = value;
                case "authentication-database" -> keys[1] = value;
                case "authentication-realm" -> keys[2] = value;
                default -> {
                }
            }
        }
        return keys;
    }

    private static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
