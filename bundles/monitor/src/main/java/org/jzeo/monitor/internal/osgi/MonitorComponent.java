package org.jzeo.monitor.internal.osgi;

import java.util.IdentityHashMap;
import java.util.Map;
import org.jzeo.monitor.JmxStatistics;
import org.jzeo.monitor.MonitorServer;
import org.jzeo.server.ServerAddress;
import org.jzeo.server.StorageServer;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor for servers started by configuration: for every running
 * {@code org.jzeo.server.StorageServer} service it registers the JMX counters, and if the service
 * has a {@code monitor-address} property (the server configuration's key) it starts a
 * {@link MonitorServer} there. Both stop with the server's service. The server does not depend on
 * this bundle: without it, servers run without monitor and JMX.
 */
@Component(immediate = true, service = {}, configurationPolicy = ConfigurationPolicy.IGNORE)
public final class MonitorComponent {
    private static final Logger LOG = LoggerFactory.getLogger(MonitorComponent.class);

    private final Map<StorageServer, MonitorServer> monitors = new IdentityHashMap<>();
    private final Map<StorageServer, JmxStatistics> jmx = new IdentityHashMap<>();

    /** Starts the monitor (and JMX) of a server. */
    @Reference(name = "server", service = StorageServer.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindServer")
    public synchronized void bindServer(StorageServer server, Map<String, Object> properties) {
        try {
            jmx.put(server, JmxStatistics.register(server));
        } catch (RuntimeException e) {
            LOG.warn("JMX counters of the server on {} not registered: {}", properties.get("address"), e.toString());
        }
        Object address = properties.get("monitor-address");
        if (address != null && !address.toString().isBlank()) {
            try {
                monitors.put(server, MonitorServer.start(server, ServerAddress.parse(address.toString())));
            } catch (RuntimeException e) {
                LOG.error("monitor of the server on {} not started: {}", properties.get("address"), e.getMessage());
            }
        }
    }

    /** Stops the monitor (and JMX) of a server. */
    public synchronized void unbindServer(StorageServer server) {
        MonitorServer m = monitors.remove(server);
        if (m != null) {
            m.close();
        }
        JmxStatistics j = jmx.remove(server);
        if (j != null) {
            j.close();
        }
    }

    /** The monitor of a server, or {@code null} (for tests). */
    synchronized MonitorServer monitor(StorageServer server) {
        return monitors.get(server);
    }

    /** Stops every monitor. */
    @Deactivate
    public synchronized void deactivate() {
        for (StorageServer s : Map.copyOf(monitors).keySet()) {
            unbindServer(s);
        }
        for (StorageServer s : Map.copyOf(jmx).keySet()) {
            unbindServer(s);
        }
    }
}
