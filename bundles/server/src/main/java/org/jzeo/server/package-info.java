/**
 * The ZEO 5 storage server: {@link org.jzeo.server.StorageServer} serves named
 * {@link org.jzeo.api.Storage storages} over TCP or a Unix socket to Python ZEO 5 and jzeo
 * clients, configured by one value, {@link org.jzeo.server.ServerConfig}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.jzeo.server;
