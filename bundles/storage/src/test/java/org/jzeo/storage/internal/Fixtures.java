package org.jzeo.storage.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The shared Python-made fixtures (read from {@code -Djzeo.fixtures}, never copied into the repo). */
public final class Fixtures {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {
    }

    /** The fixtures directory. */
    public static Path root() {
        String dir = System.getProperty("jzeo.fixtures");
        Path p = dir == null || dir.isBlank() || dir.startsWith("${") ? Path.of("../../../shared/fixtures") : Path.of(dir);
        return p.toAbsolutePath().normalize();
    }

    /** A file in {@code datafs/}. */
    public static Path datafs(String name) {
        return root().resolve("datafs").resolve(name);
    }

    /** Parses a JSON file in {@code datafs/}. */
    public static JsonNode json(String name) {
        try {
            return JSON.readTree(datafs(name).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies a fixture into {@code dir} (writable), returning the copy. */
    public static Path copy(String name, Path dir, String as) {
        try {
            Path target = dir.resolve(as);
            Files.copy(datafs(name), target);
            target.toFile().setWritable(true);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lowercase hex SHA-256. */
    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Lowercase hex. */
    public static String hex(byte[] data) {
        return HexFormat.of().formatHex(data);
    }
}
