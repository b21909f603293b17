package org.jzeo.client.internal.osgi;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jzeo.api.Storage;
import org.jzeo.client.ClientConfig;
import org.jzeo.client.ClientStorage;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

/**
 * One {@link ClientStorage} per factory configuration of {@code org.jzeo.client} (e.g.
 * {@code etc/org.jzeo.client-app.cfg} with {@code server=127.0.0.1:8100}), registered as an
 * {@link Storage} service with the properties {@code storage.type=client}, {@code name} (the
 * client's display name), {@code storage} (the name on the server) and {@code server}. Servers
 * never serve {@code storage.type=client} services.
 *
 * <p>Every key of {@link ClientConfig#fromMap} is read from the configuration (keys containing a
 * dot, such as {@code service.pid}, are framework properties and are skipped; empty values mean
 * unset). A configuration change closes the client and opens a new one.
 */
@Component(configurationPid = ClientComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true, service = {})
@Designate(ocd = ClientComponentConfig.class, factory = true)
public final class ClientComponent {
    /** The factory PID. */
    public static final String PID = "org.jzeo.client";

    private final ClientStorage client;
    private final Runnable unregister;

    /** Opens the client (waiting for a server only with {@code wait=true}) and registers it. */
    @Activate
    public ClientComponent(ClientComponentConfig config, Map<String, Object> properties, BundleContext context) {
        this(properties, ClientStorage::open, (storage, props) -> {
            Dictionary<String, Object> d = new Hashtable<>(props);
            ServiceRegistration<Storage> reg = context.registerService(Storage.class, storage, d);
            return () -> {
                try {
                    reg.unregister();
                } catch (IllegalStateException alreadyGone) {
                    // the bundle is stopping and the framework withdrew it already
                }
            };
        });
    }

    ClientComponent(Map<String, Object> properties, Function<ClientConfig, ClientStorage> opener,
            BiFunction<Storage, Map<String, Object>, Runnable> registrar) {
        ClientConfig cc = toClientConfig(properties);
        this.client = opener.apply(cc);
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("storage.type", "client");
        props.put("name", client.getName());
        props.put("storage", cc.storage());
        props.put("server", String.join(",", cc.servers()));
        try {
            this.unregister = registrar.apply(client, props);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** The client (for tests). */
    ClientStorage client() {
        return client;
    }

    /** Withdraws the service, then closes the client. */
    @Deactivate
    public void deactivate() {
        try {
            unregister.run();
        } finally {
            client.close();
        }
    }

    /** The {@link ClientConfig} of the configuration's properties. */
    static ClientConfig toClientConfig(Map<String, Object> properties) {
        Map<String, String> map = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : properties.entrySet()) {
            String key = e.getKey();
            if (key.contains(".") || e.getValue() == null) {
                continue; // service.pid, component.name, felix.fileinstall.filename, ...
            }
            String value = e.getValue() instanceof String[] a ? String.join(",", a) : String.valueOf(e.getValue());
            if (!value.isBlank()) {
                map.put(key, value);
            }
        }
        return ClientConfig.fromMap(map);
    }
}
