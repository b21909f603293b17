package org.jzeo.auth;

import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registry of {@link AuthenticationProtocol}s by name: the built-in {@code digest}, those
 * registered here (e.g. by an OSGi component when a protocol service appears), and those a
 * {@link ServiceLoader} finds on the class path. Registered protocols win over ServiceLoader ones,
 * which win over the built-in.
 */
public final class AuthenticationProtocols {
    private static final Map<String, AuthenticationProtocol> REGISTERED = new ConcurrentHashMap<>();

    private AuthenticationProtocols() {
    }

    /** Registers {@code protocol} under its name, replacing any registered before. */
    public static void register(AuthenticationProtocol protocol) {
        REGISTERED.put(protocol.name(), protocol);
    }

    /** Removes {@code protocol} if it is the one registered under its name. */
    public static void unregister(AuthenticationProtocol protocol) {
        REGISTERED.remove(protocol.name(), protocol);
    }

    /** The protocol called {@code name}, if any. */
    public static Optional<AuthenticationProtocol> find(String name) {
        AuthenticationProtocol p = REGISTERED.get(name);
        if (p != null) {
            return Optional.of(p);
        }
        for (AuthenticationProtocol sp : ServiceLoader.load(AuthenticationProtocol.class,
                AuthenticationProtocol.class.getClassLoader())) {
            if (sp.name().equals(name)) {
                return Optional.of(sp);
            }
        }
        if (DigestAuthentication.NAME.equals(name)) {
            return Optional.of(DigestAuthentication.INSTANCE);
        }
        return Optional.empty();
    }

    /**
     * The protocol called {@code name}.
     *
     * @throws IllegalArgumentException naming the known protocols, if there is none by that name
     */
    public static AuthenticationProtocol get(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException(
                "unknown authentication protocol " + name + " (known: " + names() + ")"));
    }

    /** The names of all known protocols. */
    public static Set<String> names() {
        Set<String> names = new TreeSet<>(REGISTERED.keySet());
        names.add(DigestAuthentication.NAME);
        for (AuthenticationProtocol sp : ServiceLoader.load(AuthenticationProtocol.class,
                AuthenticationProtocol.class.getClassLoader())) {
            names.add(sp.name());
        }
        return names;
    }

    /** Whether a configured protocol name means "no authentication" (null, empty or {@code none}). */
    public static boolean isNone(String name) {
        return name == null || name.isBlank() || name.trim().equalsIgnoreCase("none");
    }
}
