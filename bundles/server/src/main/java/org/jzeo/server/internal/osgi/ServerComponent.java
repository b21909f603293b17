package org.jzeo.server.internal.osgi;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import org.jzeo.api.Storage;
import org.jzeo.server.ServerConfig;
import org.jzeo.server.StorageServer;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link StorageServer} per factory configuration of {@code org.jzeo.server} (e.g.
 * {@code etc/org.jzeo.server-main.cfg} with {@code address=127.0.0.1:8100} and
 * {@code storages=1}).
 *
 * <p>The storages are {@link Storage} services found by their {@code name} property (a dynamic,
 * greedy reference, narrowed by {@code storage.target} if set; client storages, property
 * {@code storage.type=client}, are never served). The server listens only while
 * every named storage is present: when one disappears (its configuration was deleted or changed)
 * the server closes, which disconnects every client (their transactions abort) before the storage
 * closes its file; when the set is complete again the server restarts. While running, the server
 * is registered as an {@code org.jzeo.server.StorageServer} service with the properties
 * {@code address}, {@code port} and {@code storages}, which the shell commands use.
 *
 * <p>A configuration change deactivates and re-activates the component (no modified method), so
 * a new address rebinds. {@code authentication-protocol}, {@code authentication-database} and
 * {@code authentication-realm} go into the {@link ServerConfig}; an unreadable database makes
 * activation fail rather than serve without authentication. {@code monitor-address} is published
 * as a property of the {@code StorageServer} service for a monitor component to pick up (the
 * server itself does not depend on the monitor bundle).
 */
@Component(configurationPid = ServerComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true, service = {})
@Designate(ocd = ServerComponentConfig.class, factory = true)
public final class ServerComponent {
    /** The factory PID. */
    public static final String PID = "org.jzeo.server";
    private static final Logger LOG = LoggerFactory.getLogger(ServerComponent.class);

    /** Publishes a running server; returns how to withdraw it. */
    interface Publisher extends BiFunction<StorageServer, Map<String, Object>, Runnable> {
    }

    private final ServerConfig config;
    private final List<String> names;
    private final Publisher publisher;
    /** Bound storage services in binding order (identity keys: the service objects). */
    private final Map<Object, Storage> bound = new LinkedHashMap<>();
    private boolean active;
    private StorageServer server;
    private Map<String, Storage> serving;
    private Runnable unpublish;
    private RuntimeException lastFailure;
    private final String monitorAddress;

    /** Reads the configuration; the server starts once the named storages are bound. */
    @Activate
    public ServerComponent(ServerComponentConfig config, BundleContext context) {
        this(config, publisherOf(context));
    }

    ServerComponent(ServerComponentConfig c, Publisher publisher) {
        this.config = toServerConfig(c);
        this.names = storageNames(c.storages());
        this.publisher = publisher;
        this.monitorAddress = c.monitor$_$address() == null ? "" : c.monitor$_$address().trim();
    }

    /**
     * Starts serving if every named storage is already bound.
     *
     * @throws RuntimeException when the address cannot be bound (the component fails to activate)
     */
    @Activate
    public synchronized void activate() {
        active = true;
        reconcile();
        if (lastFailure != null) {
            throw lastFailure;
        }
        if (server == null) {
            LOG.info("server {} waiting for storages {}", config.address(), missing());
        }
    }

    /** Binds a storage service. */
    @Reference(name = "storage", service = Storage.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            target = "(&(name=*)(!(storage.type=client)))", unbind = "unbindStorage")
    public synchronized void bindStorage(Storage storage) {
        bound.put(storage, storage);
        if (active) {
            reconcile();
        }
    }

    /** Unbinds a storage service; if the server served it, the server closes first. */
    public synchronized void unbindStorage(Storage storage) {
        bound.remove(storage);
        if (active) {
            reconcile();
        }
    }

    /** Closes the server (clients are disconnected) and withdraws its service. */
    @Deactivate
    public synchronized void deactivate() {
        active = false;
        stopServer();
    }

    /** The running server, or {@code null} while waiting for storages. */
    synchronized StorageServer server() {
        return server;
    }

    /** The named storages not bound at present. */
    synchronized List<String> missing() {
        List<String> m = new ArrayList<>(names);
        for (Storage s : bound.values()) {
            m.remove(s.getName());
        }
        return m;
    }

    /** Brings the server in line with the bound storages: (re)start with all of them, or stop. */
    private void reconcile() {
        Map<String, Storage> wanted = new LinkedHashMap<>();
        for (String name : names) {
            for (Storage s : bound.values()) {
                if (name.equals(s.getName())) {
                    wanted.put(name, s);
                    break;
                }
            }
        }
        boolean complete = wanted.size() == names.size();
        if (server != null && complete && sameStorages(wanted, serving)) {
            return;
        }
        stopServer();
        if (!complete) {
            return;
        }
        try {
            StorageServer s = new StorageServer(config, wanted).start();
            server = s;
            serving = wanted;
            lastFailure = null;
            Map<String, Object> props = new LinkedHashMap<>();
            props.put("address", config.address().toString());
            props.put("port", s.port());
            props.put("storages", names.toArray(new String[0]));
            if (!monitorAddress.isEmpty()) {
                props.put("monitor-address", monitorAddress);
            }
            unpublish = publisher.apply(s, props);
        } catch (RuntimeException e) {
            lastFailure = e;
            LOG.error("server {} could not start: {}", config.address(), e.getMessage());
            stopServer();
        }
    }

    private static boolean sameStorages(Map<String, Storage> a, Map<String, Storage> b) {
        if (b == null || a.size() != b.size()) {
            return false;
        }
        for (Map.Entry<String, Storage> e : a.entrySet()) {
            if (b.get(e.getKey()) != e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void stopServer() {
        if (unpublish != null) {
            unpublish.run();
            unpublish = null;
        }
        if (server != null) {
            server.close();
            LOG.info("server {} stopped", config.address());
            server = null;
            serving = null;
        }
    }

    /** Splits the configured names: each value may hold several, separated by commas or spaces. */
    static List<String> storageNames(String[] values) {
        Set<String> out = new LinkedHashSet<>();
        if (values != null) {
            for (String v : values) {
                for (String n : v.split("[,\\s]+")) {
                    if (!n.isEmpty()) {
                        out.add(n);
                    }
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("storages: a server needs at least one storage name");
        }
        return List.copyOf(out);
    }

    /** Maps the ConfigAdmin keys onto a {@link ServerConfig}. */
    static ServerConfig toServerConfig(ServerComponentConfig c) {
        ServerConfig.Builder b = ServerConfig.builder()
                .address(c.address())
                .readOnly(c.read$_$only())
                .invalidationQueueSize(c.invalidation$_$queue$_$size())
                .clientConflictResolution(c.client$_$conflict$_$resolution())
                .msgpack(c.msgpack());
        if (c.invalidation$_$age() < 0 || c.transaction$_$timeout() < 0) {
            throw new IllegalArgumentException("invalidation-age and transaction-timeout must not be negative");
        }
        if (c.invalidation$_$age() > 0) {
            b.invalidationAge(Duration.ofSeconds(c.invalidation$_$age()));
        }
        if (c.transaction$_$timeout() > 0) {
            b.transactionTimeout(Duration.ofSeconds(c.transaction$_$timeout()));
        }
        if (!c.authentication$_$protocol().isBlank()) {
            b.authenticationProtocol(c.authentication$_$protocol().trim());
            if (!c.authentication$_$database().isBlank()) {
                b.authenticationDatabase(Path.of(c.authentication$_$database().trim()));
            }
            if (!c.authentication$_$realm().isBlank()) {
                b.authenticationRealm(c.authentication$_$realm().trim());
            }
        }
        return b.build();
    }

    private static Publisher publisherOf(BundleContext context) {
        return (server, props) -> {
            Dictionary<String, Object> d = new Hashtable<>(props);
            ServiceRegistration<StorageServer> reg = context.registerService(StorageServer.class, server, d);
            return () -> {
                try {
                    reg.unregister();
                } catch (IllegalStateException alreadyGone) {
                    // the bundle is stopping and the framework withdrew it already
                }
            };
        };
    }
}
