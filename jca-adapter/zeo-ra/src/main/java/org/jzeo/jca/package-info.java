/**
 * The application's view of the jzeo resource adapter: a {@link org.jzeo.jca.ZeoConnectionFactory}
 * looked up in JNDI (or, in OSGi, the service of that type) hands out {@link org.jzeo.jca.ZeoConnection}
 * handles to a ZEO storage. Writes are buffered in the current transaction (JTA, the container's
 * local transaction, or {@link org.jzeo.jca.ZeoLocalTransaction}) and sent to the server at commit
 * through ZEO's two-phase commit. Failures are {@link jakarta.resource.ResourceException}s carrying
 * the storage error as their cause.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.jzeo.jca;
