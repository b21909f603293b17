package org.jzeo.jca.internal.osgi;

import jakarta.resource.ResourceException;
import java.util.Dictionary;
import java.util.Hashtable;
import org.jzeo.jca.ZeoConnectionFactory;
import org.jzeo.jca.internal.ZeoManagedConnectionFactory;
import org.jzeo.jca.internal.ZeoResourceAdapter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Karaf has no Jakarta Connectors container, so the adapter runs there in JCA non-managed mode: for
 * each factory configuration of {@code org.jzeo.jca} (e.g. {@code etc/org.jzeo.jca-app.cfg} with
 * {@code serverAddresses=127.0.0.1:8100}) this component starts a {@link ZeoResourceAdapter}, builds
 * a {@link ZeoManagedConnectionFactory} from the configuration and registers the
 * {@link ZeoConnectionFactory} it creates (no pool, no container transactions; applications use
 * {@link org.jzeo.jca.ZeoConnection#getLocalTransaction()}) with {@code osgi.jndi.service.name}.
 * Deactivation withdraws the service and stops the adapter (closing its client storages).
 */
@Component(configurationPid = "org.jzeo.jca", configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        service = {})
@Designate(ocd = ConnectionFactoryConfig.class, factory = true)
public final class ConnectionFactoryComponent {
    private final ZeoResourceAdapter adapter = new ZeoResourceAdapter();
    private final ServiceRegistration<ZeoConnectionFactory> registration;

    /** Starts the adapter and registers the factory. */
    @Activate
    public ConnectionFactoryComponent(ConnectionFactoryConfig config, BundleContext context) throws ResourceException {
        adapter.start(null);
        try {
            ZeoConnectionFactory cf = createFactory(adapter, config);
            Dictionary<String, Object> props = new Hashtable<>();
            props.put("osgi.jndi.service.name", config.osgi_jndi_service_name());
            props.put("zeo.server", config.serverAddresses());
            props.put("zeo.storage", config.storage());
            registration = context.registerService(ZeoConnectionFactory.class, cf, props);
        } catch (ResourceException | RuntimeException e) {
            adapter.stop();
            throw e;
        }
    }

    /** The factory of a configuration in non-managed mode (used by the component and its tests). */
    static ZeoConnectionFactory createFactory(ZeoResourceAdapter adapter, ConnectionFactoryConfig c)
            throws ResourceException {
        ZeoManagedConnectionFactory mcf = new ZeoManagedConnectionFactory();
        mcf.setResourceAdapter(adapter);
        mcf.setServerAddresses(c.serverAddresses());
        mcf.setStorage(c.storage());
        mcf.setCacheSize(c.cacheSize());
        mcf.setClientName(c.clientName().isEmpty() ? null : c.clientName());
        mcf.setVarDirectory(c.varDirectory().isEmpty() ? null : c.varDirectory());
        mcf.setReadOnly(c.readOnly());
        mcf.setReadOnlyFallback(c.readOnlyFallback());
        mcf.setCommitSessions(c.commitSessions());
        mcf.setWaitTimeout(c.waitTimeout());
        return (ZeoConnectionFactory) mcf.createConnectionFactory();
    }

    /** Withdraws the service and stops the adapter. */
    @Deactivate
    void deactivate() {
        try {
            registration.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the bundle is stopping
        }
        adapter.stop();
    }
}
