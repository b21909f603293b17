package org.jzeo.storage.internal.osgi;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jzeo.storage.MemoryStorage;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

/**
 * One MemoryStorage per factory configuration of {@code org.jzeo.storage.memory}, registered as an
 * {@link org.jzeo.api.Storage} service with the properties {@code name},
 * {@code storage.type=memory} and {@code read-only}.
 */
@Component(configurationPid = MemoryStorageComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true, service = {})
@Designate(ocd = MemoryStorageComponentConfig.class, factory = true)
public final class MemoryStorageComponent {
    /** The factory PID. */
    public static final String PID = "org.jzeo.storage.memory";

    private final MemoryStorage storage;
    private final StorageRegistrar.Registration registration;

    /** Creates the storage and registers it. */
    @Activate
    public MemoryStorageComponent(MemoryStorageComponentConfig config, BundleContext context) {
        this(config, StorageRegistrar.of(context));
    }

    MemoryStorageComponent(MemoryStorageComponentConfig config, StorageRegistrar registrar) {
        this.storage = MemoryStorage.create(config.name(), config.read$_$only());
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("name", config.name());
        props.put("storage.type", "memory");
        props.put("read-only", config.read$_$only());
        this.registration = registrar.register(storage, props);
    }

    /** The storage (for tests). */
    MemoryStorage storage() {
        return storage;
    }

    /** Withdraws the service, then closes the storage. */
    @Deactivate
    public void deactivate() {
        try {
            registration.unregister();
        } finally {
            storage.close();
        }
    }
}
