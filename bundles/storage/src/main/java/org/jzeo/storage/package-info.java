/**
 * Storages: {@link org.jzeo.storage.FileStorage}, which reads and writes ZODB's {@code Data.fs}
 * byte for byte as Python ZODB does, and {@code MemoryStorage}, an in-memory storage for tests
 * and tools. Both implement {@link org.jzeo.api.Storage}. Implementation classes live in
 * {@code org.jzeo.storage.internal} and are not exported.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.jzeo.storage;
