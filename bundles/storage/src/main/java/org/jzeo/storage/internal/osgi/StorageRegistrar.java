package org.jzeo.storage.internal.osgi;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import org.jzeo.api.Storage;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * Publishes a storage to other bundles. The components open the storage themselves and register
 * the storage object as is (not a wrapper), so every {@link Storage} method, default ones
 * included, reaches the real implementation; tests pass a recording registrar instead.
 */
interface StorageRegistrar {
    /** Registers {@code storage} with {@code properties}; returns how to withdraw it. */
    Registration register(Storage storage, Map<String, Object> properties);

    /** A registration that can be withdrawn once. */
    interface Registration {
        /** Withdraws the service; consumers are unbound before this returns. */
        void unregister();
    }

    /** The registrar of a real framework: {@link BundleContext#registerService}. */
    static StorageRegistrar of(BundleContext context) {
        return (storage, properties) -> {
            Dictionary<String, Object> d = new Hashtable<>(properties);
            ServiceRegistration<Storage> reg = context.registerService(Storage.class, storage, d);
            return () -> {
                try {
                    reg.unregister();
                } catch (IllegalStateException alreadyGone) {
                    // the bundle is stopping and the framework already withdrew it
                }
            };
        };
    }
}
