package org.jzeo.server.internal.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The configuration of one storage server (factory PID {@code org.jzeo.server}): the keys of the
 * HOWTO's {@code <zeo>} section. {@code $_$} in a method name is a dash in the key.
 */
@ObjectClassDefinition(name = "jzeo storage server",
        description = "A ZEO 5 storage server serving the named org.jzeo.api.Storage services.")
public @interface ServerComponentConfig {
    /** {@code host:port}, a bare port (host 127.0.0.1) or a Unix socket path. */
    @AttributeDefinition(description = "Listening address: host:port, port (binds 127.0.0.1) or a Unix socket path")
    String address() default "127.0.0.1:8100";

    /** The names of the storages served; commas or spaces separate names inside one value. */
    @AttributeDefinition(description = "Names of the storages to serve (comma-separated); the server starts when all are present")
    String[] storages() default {"1"};

    /** Refuse every write. */
    @AttributeDefinition(description = "Serve read-only")
    boolean read$_$only() default false;

    /** Transactions kept for getInvalidations. */
    @AttributeDefinition(description = "Transactions remembered for client cache verification")
    int invalidation$_$queue$_$size() default 100;

    /** Seconds; how old a client's tid may be for the server to verify by iteration; 0 turns it off. */
    @AttributeDefinition(description = "Seconds; verify older clients by iterating the storage (0 = off)")
    long invalidation$_$age() default 0;

    /** Seconds a client may hold the commit lock; 0 for no limit. */
    @AttributeDefinition(description = "Seconds a client may hold the commit lock (0 = no limit)")
    long transaction$_$timeout() default 0;

    /** Return conflicts from vote for the client to resolve. */
    @AttributeDefinition(description = "Let clients resolve conflicts")
    boolean client$_$conflict$_$resolution() default false;

    /** Speak msgpack ({@code M5}, the default) or pickle ({@code Z5}). */
    @AttributeDefinition(description = "Speak msgpack (M5); false for pickle (Z5)")
    boolean msgpack() default true;

    /** Where the monitor answers; empty for none. Published on the server's service for the monitor bundle. */
    @AttributeDefinition(required = false, description = "Monitor address (served by the jzeo monitor bundle); empty for none")
    String monitor$_$address() default "";

    /** The authentication protocol ({@code digest}); empty or {@code none} for none. */
    @AttributeDefinition(required = false, description = "Authentication protocol, e.g. digest; empty for none")
    String authentication$_$protocol() default "";

    /** The password database file. */
    @AttributeDefinition(required = false, description = "Password database file")
    String authentication$_$database() default "";

    /** The authentication realm. */
    @AttributeDefinition(required = false, description = "Authentication realm")
    String authentication$_$realm() default "";
}
