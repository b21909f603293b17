package org.jzeo.client.internal.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The configuration of one ZEO client (factory PID {@code org.jzeo.client}): the keys of a
 * {@code <zeoclient>} section. Every key {@link org.jzeo.client.ClientConfig#fromMap} accepts may be
 * set (e.g. {@code ssl-authenticate}); the common ones are listed here for the metatype.
 */
@ObjectClassDefinition(name = "jzeo client storage",
        description = "A ClientStorage connected to a ZEO server, registered as an org.jzeo.api.Storage service.")
public @interface ClientComponentConfig {
    /** Server addresses, tried in order, separated by commas or spaces. */
    @AttributeDefinition(description = "Server addresses: host:port, port or a Unix socket path; several separated by commas")
    String server() default "127.0.0.1:8100";

    /** The storage name on the server. */
    @AttributeDefinition(description = "Storage name on the server")
    String storage() default "1";

    /** Cache size (ZConfig byte size). */
    @AttributeDefinition(description = "Client cache size, e.g. 20MB")
    String cache$_$size() default "20MB";

    /** Persistent cache name; empty for a transient cache. */
    @AttributeDefinition(required = false, description = "Persistent cache name (empty: transient cache)")
    String client() default "";

    /** Directory of the persistent cache. */
    @AttributeDefinition(required = false, description = "Directory of the persistent cache")
    String var() default "";

    /**
     * Wait for a connection before registering the service. Off by default here (ZEO's default is
     * on): activation must not block the configuration thread; the service is registered at once
     * and its calls fail with ClientDisconnected until connected.
     */
    @AttributeDefinition(description = "Wait for a server before the service is registered (blocks activation)")
    boolean wait$() default false; // "wait$": a lone $ is dropped, so the key is "wait" (Object.wait is final)

    /** Seconds a waiting activation waits. */
    @AttributeDefinition(description = "How long 'wait' waits, seconds")
    String wait$_$timeout() default "30";

    /** Register read-only. */
    @AttributeDefinition(description = "Open read-only")
    boolean read$_$only() default false;

    /** Accept a read-only server when no writable one answers. */
    @AttributeDefinition(description = "Fall back to a read-only server")
    boolean read$_$only$_$fallback() default false;

    /** The service's display name (property {@code name}); empty: derived from the addresses. */
    @AttributeDefinition(required = false, description = "Display name (empty: derived from the addresses)")
    String name() default "";

    /** Seconds a connection may send nothing before it sends a heartbeat. */
    @AttributeDefinition(description = "Seconds a server connection may send nothing before it sends a heartbeat")
    String heartbeat$_$interval() default "60";
}
