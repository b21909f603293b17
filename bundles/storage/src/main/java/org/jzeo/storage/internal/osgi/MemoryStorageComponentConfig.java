package org.jzeo.storage.internal.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The configuration of one MemoryStorage (factory PID {@code org.jzeo.storage.memory}). */
@ObjectClassDefinition(name = "jzeo MemoryStorage",
        description = "An in-memory storage (its content is lost when it stops), registered as an org.jzeo.api.Storage service.")
public @interface MemoryStorageComponentConfig {
    /** The storage name. */
    @AttributeDefinition(description = "Storage name")
    String name() default "1";

    /** Refuse every write. */
    @AttributeDefinition(description = "Open read-only")
    boolean read$_$only() default false;
}
