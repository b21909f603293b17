/**
 * The ZEO client's object cache: revisions of objects over tid ranges, persistent in a
 * crash-safe file or transient, bounded in size. See {@link org.jzeo.cache.ClientCache}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.jzeo.cache;
