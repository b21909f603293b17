package org.jzeo.auth.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the password of an encrypted private key comes from: the Java counterpart of ZEO 5's
 * {@code password-function} (a dotted name of a Python callable).
 */
@FunctionalInterface
public interface PasswordSource {
    /** The password (a fresh array the caller may wipe). */
    char[] password();

    /** A fixed password (for tests and programmatic configuration). */
    static PasswordSource of(char[] password) {
        char[] copy = password.clone();
        return copy::clone;
    }

    /**
     * Parses a {@code password-function} value:
     * <ul>
     *   <li>{@code env:NAME} — the environment variable {@code NAME};</li>
     *   <li>{@code file:PATH} — the first line of a file;</li>
     *   <li>anything else — the name of a class implementing {@link PasswordSource} with a public
     *       no-argument constructor (the analogue of ZEO's dotted name).</li>
     * </ul>
     *
     * @throws IllegalArgumentException if the value cannot be resolved
     */
    static PasswordSource parse(String spec) {
        if (spec.startsWith("env:")) {
            String name = spec.substring(4);
            return () -> {
                String v = System.getenv(name);
                if (v == null) {
                    throw new IllegalStateException("environment variable " + name + " (key password) is not set");
                }
                return v.toCharArray();
            };
        }
        if (spec.startsWith("file:")) {
            Path path = Path.of(spec.substring(5));
            return () -> {
                try {
                    String text = Files.readString(path, StandardCharsets.UTF_8);
                    int nl = text.indexOf('\n');
                    return (nl < 0 ? text : text.substring(0, nl)).replace("\r", "").toCharArray();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read key password from " + path, e);
                }
            };
        }
        try {
            Class<?> c = Class.forName(spec, true, PasswordSource.class.getClassLoader());
            return (PasswordSource) c.getConstructor().newInstance();
        } catch (ClassNotFoundException | ClassCastException | NoSuchMethodException | InstantiationException
                | IllegalAccessException | InvocationTargetException e) {
            throw new IllegalArgumentException("password-function " + spec
                    + ": expected env:NAME, file:PATH or a PasswordSource class name (" + e + ")", e);
        }
    }
}
