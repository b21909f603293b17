/**
 * The ZEO client: {@link org.jzeo.client.ClientStorage}, a {@link org.jzeo.api.Storage} that talks to a
 * ZEO 5 server (jzeo's or Python's) over TCP or a Unix socket, with a client cache, reconnection,
 * cache verification and read-only fallback; configured by {@link org.jzeo.client.ClientConfig}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.jzeo.client;
