package org.jzeo.jca;

import jakarta.resource.Referenceable;
import jakarta.resource.ResourceException;
import java.io.Serializable;

/**
 * Hands out connections to a ZEO storage. Obtained from JNDI in a Jakarta EE server (for example
 * {@code @Resource(lookup = "java:app/eis/zeo")} with a {@code @ConnectionFactoryDefinition} naming the
 * {@code zeo-rar} resource adapter), or as an OSGi service in Karaf.
 *
 * <p>Connections are cheap handles: every connection of one configuration shares one
 * {@code ClientStorage} and its cache for loads, and a bounded set of server sessions for commits.
 * Get a connection, use it, close it (try-with-resources).
 */
@org.osgi.annotation.versioning.ProviderType
public interface ZeoConnectionFactory extends Serializable, Referenceable {
    /**
     * A connection handle. In a JTA transaction the connection's writes join it.
     *
     * @throws ResourceException when no connection can be made; a
     *                           {@link jakarta.resource.spi.CommException} when the ZEO server cannot be reached
     */
    ZeoConnection getConnection() throws ResourceException;
}
