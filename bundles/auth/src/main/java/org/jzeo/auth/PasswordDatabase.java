package org.jzeo.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A password database file (legacy spec §2.2), as {@code zeopasswd} manages it:
 * <pre>
 * realm &lt;realm-name&gt;          (optional first line)
 * &lt;username&gt;: &lt;hash&gt;           (one line per user, sorted by user name)
 * </pre>
 * Parsing: a first line starting with {@code "realm "} gives the realm (rest of the line,
 * stripped); every other non-blank line is split at its first {@code ':'}, the user name is the
 * left part as is, the hash the right part stripped. A missing or empty file has no users.
 * {@link #save} rewrites the whole file (UTF-8, {@code \n} line ends, owner-only permissions where
 * the file system supports them). Guard the file like plaintext passwords: a hash is enough to
 * authenticate.
 *
 * <p>Not thread-safe.
 */
public final class PasswordDatabase {
    private final Path path;
    private String realm;
    private final TreeMap<String, String> users = new TreeMap<>();

    private PasswordDatabase(Path path, String realm) {
        this.path = path;
        this.realm = realm;
    }

    /**
     * Reads {@code path}; a missing file gives an empty database without realm.
     *
     * @throws IOException if the file exists but cannot be read
     */
    public static PasswordDatabase load(Path path) throws IOException {
        PasswordDatabase db = new PasswordDatabase(path, null);
        List<String> lines;
        try {
            lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return db;
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (i == 0 && line.startsWith("realm ")) {
                db.realm = line.substring("realm ".length()).strip();
                continue;
            }
            if (line.isBlank()) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                throw new IOException(path + " line " + (i + 1) + ": expected 'user: hash'");
            }
            db.users.put(line.substring(0, colon), line.substring(colon + 1).strip());
        }
        return db;
    }

    /** An empty database for {@code path} with {@code realm} (nothing is written until {@link #save}). */
    public static PasswordDatabase create(Path path, String realm) {
        checkRealm(realm);
        return new PasswordDatabase(path, realm);
    }

    /** The file. */
    public Path path() {
        return path;
    }

    /** The realm of the file, or null if it has none. */
    public String realm() {
        return realm;
    }

    /** Sets the realm written by {@link #save} (existing hashes are not recomputed). */
    public void setRealm(String realm) {
        checkRealm(realm);
        this.realm = realm;
    }

    /** User names and their hashes, sorted by name. */
    public Map<String, String> users() {
        return Collections.unmodifiableMap(users);
    }

    /** The stored hash of {@code user}. */
    public Optional<String> hash(String user) {
        return Optional.ofNullable(users.get(user));
    }

    /**
     * Adds a user with an already computed hash.
     *
     * @throws IllegalStateException    if the user exists ("User … already exists")
     * @throws IllegalArgumentException for a name with {@code ':'}, a line break, or empty
     */
    public void add(String user, String hash) {
        checkUser(user);
        checkHash(hash);
        if (users.containsKey(user)) {
            throw new IllegalStateException("User " + user + " already exists");
        }
        users.put(user, hash);
    }

    /**
     * Replaces the hash of an existing user.
     *
     * @throws NoSuchElementException if there is no such user ("No such user: …")
     */
    public void change(String user, String hash) {
        checkHash(hash);
        if (!users.containsKey(user)) {
            throw new NoSuchElementException("No such user: " + user);
        }
        users.put(user, hash);
    }

    /**
     * Removes a user.
     *
     * @throws NoSuchElementException if there is no such user ("No such user: …")
     */
    public void delete(String user) {
        if (users.remove(user) == null) {
            throw new NoSuchElementException("No such user: " + user);
        }
    }

    /** The file contents {@link #save} writes. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        if (realm != null) {
            sb.append("realm ").append(realm).append('\n');
        }
        users.forEach((u, h) -> sb.append(u).append(": ").append(h).append('\n'));
        return sb.toString();
    }

    /** Rewrites the file (via a temporary file in the same directory, then a rename). */
    public void save() throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, path.getFileName().toString(), ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: keep the default permissions
            }
            Files.writeString(tmp, format(), StandardCharsets.UTF_8);
            try {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void checkUser(String user) {
        if (user == null || user.isBlank() || user.indexOf(':') >= 0 || user.indexOf('\n') >= 0
                || user.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("invalid user name " + (user == null ? "null" : "'" + user + "'")
                    + ": it must be non-empty and contain no ':' or line break");
        }
        if (user.startsWith("realm ")) {
            throw new IllegalArgumentException("a user name must not start with 'realm '");
        }
    }

    private static void checkHash(String hash) {
        if (hash == null || hash.isBlank() || hash.indexOf('\n') >= 0 || hash.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("invalid password hash");
        }
    }

    private static void checkRealm(String realm) {
        if (realm != null && (realm.isBlank() || realm.indexOf('\n') >= 0 || realm.indexOf('\r') >= 0
                || !realm.equals(realm.strip()))) {
            throw new IllegalArgumentException("invalid realm '" + realm + "'");
        }
    }
}
