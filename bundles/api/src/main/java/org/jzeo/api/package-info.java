/**
 * The storage API shared by every jzeo bundle: the value types {@link org.jzeo.api.Oid} and
 * {@link org.jzeo.api.Tid}, the {@link org.jzeo.api.Storage} interface with its two-phase commit
 * handle {@link org.jzeo.api.StorageTransaction}, and the ZODB exceptions.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package org.jzeo.api;
