package org.jzeo.storage.internal.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The configuration of one FileStorage (factory PID {@code org.jzeo.storage.file}), the keys of a
 * ZConfig {@code <filestorage>} section. {@code $_$} in a method name is a dash in the key.
 */
@ObjectClassDefinition(name = "jzeo FileStorage",
        description = "A ZODB Data.fs file storage, registered as an org.jzeo.api.Storage service under its name.")
public @interface FileStorageComponentConfig {
    /** The storage name servers and clients use (ZEO's default is 1). */
    @AttributeDefinition(description = "Storage name (a server's 'storages' and a client's 'storage' refer to it)")
    String name() default "1";

    /** The Data.fs file; {@code ${karaf.data}} and other {@code ${property}} references are expanded. */
    @AttributeDefinition(description = "Path of the Data.fs file (created when missing)")
    String path();

    /** Start from an empty file, discarding what is there. */
    @AttributeDefinition(description = "Discard any existing content and start from an empty file")
    boolean create() default false;

    /** Open read-only (no lock, every write fails). */
    @AttributeDefinition(description = "Open read-only")
    boolean read$_$only() default false;

    /** Largest file size: bytes, or a ZConfig byte size such as {@code 10MB}; empty for none. */
    @AttributeDefinition(required = false, description = "Largest file size (e.g. 10GB); empty for no quota")
    String quota() default "";

    /** Whether pack also removes objects unreachable from the root. */
    @AttributeDefinition(description = "Garbage-collect unreachable objects on pack")
    boolean pack$_$gc() default true;

    /** Whether pack keeps the previous file as {@code <path>.old}. */
    @AttributeDefinition(description = "Keep the previous file as <path>.old after a pack")
    boolean pack$_$keep$_$old() default true;
}
