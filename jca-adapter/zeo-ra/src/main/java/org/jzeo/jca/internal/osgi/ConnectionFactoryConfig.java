package org.jzeo.jca.internal.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The configuration of a jzeo connection factory service (factory PID {@code org.jzeo.jca}). */
@ObjectClassDefinition(name = "jzeo JCA connection factory",
        description = "A ZeoConnectionFactory service (JCA non-managed mode) for a ZEO storage")
public @interface ConnectionFactoryConfig {
    /** @return server addresses, separated by commas */
    @AttributeDefinition(description = "ZEO server addresses (host:port), separated by commas")
    String serverAddresses();

    /** @return storage name */
    @AttributeDefinition(description = "storage name on the server")
    String storage() default "1";

    /** @return cache size */
    @AttributeDefinition(description = "shared client cache size in bytes")
    long cacheSize() default 20L * 1024 * 1024;

    /** @return persistent cache name */
    @AttributeDefinition(description = "persistent cache name (empty: transient cache)", required = false)
    String clientName() default "";

    /** @return persistent cache directory */
    @AttributeDefinition(description = "persistent cache directory", required = false)
    String varDirectory() default "";

    /** @return read-only */
    boolean readOnly() default false;

    /** @return read-only fallback */
    boolean readOnlyFallback() default false;

    /** @return commit sessions */
    @AttributeDefinition(description = "server sessions committing concurrently (0: through the shared one)")
    int commitSessions() default 4;

    /** @return wait timeout in seconds */
    double waitTimeout() default 30.0;

    /** @return JNDI name (osgi.jndi.service.name) */
    @AttributeDefinition(name = "osgi.jndi.service.name", description = "name under osgi:service/")
    String osgi_jndi_service_name() default "eis/zeo";
}
