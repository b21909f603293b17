package org.jzeo.storage.internal.osgi;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.jzeo.storage.FileStorage;
import org.jzeo.storage.FileStorageConfig;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One FileStorage per factory configuration of {@code org.jzeo.storage.file} (e.g.
 * {@code etc/org.jzeo.storage.file-main.cfg}), registered as an {@link org.jzeo.api.Storage}
 * service with the properties {@code name}, {@code storage.type=file}, {@code path},
 * {@code read-only} and {@code pack-gc}.
 *
 * <p>A configuration change deactivates and re-activates the component: the service is withdrawn
 * first (a server serving it disconnects its clients), then the file is closed and its lock
 * released, then the storage reopens with the new settings.
 */
@Component(configurationPid = FileStorageComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true, service = {})
@Designate(ocd = FileStorageComponentConfig.class, factory = true)
public final class FileStorageComponent {
    /** The factory PID. */
    public static final String PID = "org.jzeo.storage.file";
    private static final Logger LOG = LoggerFactory.getLogger(FileStorageComponent.class);

    private final FileStorage storage;
    private final StorageRegistrar.Registration registration;

    /** Opens the storage and registers it. */
    @Activate
    public FileStorageComponent(FileStorageComponentConfig config, BundleContext context) {
        this(config, key -> {
            String v = context.getProperty(key);
            return v != null ? v : System.getProperty(key);
        }, StorageRegistrar.of(context));
    }

    FileStorageComponent(FileStorageComponentConfig config, UnaryOperator<String> properties,
            StorageRegistrar registrar) {
        FileStorageConfig fsConfig = toFileStorageConfig(config, properties);
        Path parent = fsConfig.path().toAbsolutePath().getParent();
        if (parent != null && !fsConfig.readOnly()) {
            try {
                Files.createDirectories(parent);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot create the directory of " + fsConfig.path(), e);
            }
        }
        this.storage = FileStorage.open(fsConfig);
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("name", fsConfig.name());
        props.put("storage.type", "file");
        props.put("path", fsConfig.path().toString());
        props.put("read-only", fsConfig.readOnly());
        props.put("pack-gc", fsConfig.packGc());
        try {
            this.registration = registrar.register(storage, props);
        } catch (RuntimeException e) {
            storage.close();
            throw e;
        }
        LOG.info("FileStorage {} open on {}", fsConfig.name(), fsConfig.path());
    }

    /** The storage (for tests). */
    FileStorage storage() {
        return storage;
    }

    /** Withdraws the service, then closes the file and releases its lock. */
    @Deactivate
    public void deactivate() {
        try {
            registration.unregister();
        } finally {
            storage.close();
            LOG.info("FileStorage {} closed ({})", storage.getName(), storage.path());
        }
    }

    /** Maps the ConfigAdmin keys onto a {@link FileStorageConfig}, with the same rules as the config file. */
    static FileStorageConfig toFileStorageConfig(FileStorageComponentConfig c, UnaryOperator<String> properties) {
        Map<String, String> options = new LinkedHashMap<>();
        String path = Placeholders.expand(c.path(), properties);
        if (path == null || path.isBlank()) {
            throw new IllegalArgumentException("org.jzeo.storage.file needs a path");
        }
        options.put("path", path);
        options.put("create", Boolean.toString(c.create()));
        options.put("read-only", Boolean.toString(c.read$_$only()));
        if (c.quota() != null && !c.quota().isBlank()) {
            options.put("quota", c.quota().trim());
        }
        options.put("pack-gc", Boolean.toString(c.pack$_$gc()));
        options.put("pack-keep-old", Boolean.toString(c.pack$_$keep$_$old()));
        return FileStorageConfig.fromOptions(c.name(), options);
    }
}
