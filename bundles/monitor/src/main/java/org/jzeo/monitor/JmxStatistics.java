package org.jzeo.monitor;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.jzeo.server.StorageServer;
import org.jzeo.server.StorageStatistics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers one {@link StorageStatisticsMXBean} per storage of a server in an MBean server (the
 * platform one by default) under {@code org.jzeo:type=StorageServer,storage=<name>} (the name
 * quoted when it holds characters ObjectName reserves); {@link #close} unregisters them.
 */
public final class JmxStatistics implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JmxStatistics.class);

    private final MBeanServer mbeans;
    private final List<ObjectName> names;

    private JmxStatistics(MBeanServer mbeans, List<ObjectName> names) {
        this.mbeans = mbeans;
        this.names = names;
    }

    /** Registers the storages of {@code server} in the platform MBean server. */
    public static JmxStatistics register(StorageServer server) {
        return register(server, ManagementFactory.getPlatformMBeanServer());
    }

    /**
     * Registers the storages of {@code server} in {@code mbeans}.
     *
     * @throws IllegalStateException if a name is taken (another server with a storage of the same name)
     */
    public static JmxStatistics register(StorageServer server, MBeanServer mbeans) {
        List<ObjectName> done = new ArrayList<>();
        JmxStatistics jmx = new JmxStatistics(mbeans, done);
        try {
            for (String storage : server.storageNames()) {
                ObjectName name = objectName(storage);
                mbeans.registerMBean(new Bean(server, storage), name);
                done.add(name);
            }
        } catch (JMException e) {
            jmx.close();
            throw new IllegalStateException("cannot register the JMX statistics: " + e.getMessage(), e);
        }
        return jmx;
    }

    /** {@code org.jzeo:type=StorageServer,storage=<name>}. */
    public static ObjectName objectName(String storage) {
        try {
            String value = storage.matches("[A-Za-z0-9_.\\-]+") ? storage : ObjectName.quote(storage);
            return new ObjectName("org.jzeo:type=StorageServer,storage=" + value);
        } catch (JMException e) {
            throw new IllegalArgumentException("storage name " + storage + ": " + e.getMessage(), e);
        }
    }

    /** The registered names. */
    public List<ObjectName> names() {
        return List.copyOf(names);
    }

    /** Unregisters every MBean registered by this instance. */
    @Override
    public void close() {
        for (ObjectName name : names) {
            try {
                mbeans.unregisterMBean(name);
            } catch (JMException e) {
                LOG.warn("could not unregister {}: {}", name, e.toString());
            }
        }
        names.clear();
    }

    private static final class Bean implements StorageStatisticsMXBean {
        private final StorageServer server;
        private final String storage;

        Bean(StorageServer server, String storage) {
            this.server = server;
            this.storage = storage;
        }

        private StorageStatistics s() {
            return server.stats(storage);
        }

        @Override
        public String getStorage() {
            return storage;
        }

        @Override
        public String getServerStarted() {
            return MonitorReport.ctime(server.startTime());
        }

        @Override
        public int getClients() {
            return s().clients();
        }

        @Override
        public long getClientsVerifying() {
            return s().clientsVerifying();
        }

        @Override
        public long getActiveTransactions() {
            return s().activeTransactions();
        }

        @Override
        public long getCommitLockHeldSeconds() {
            Duration d = s().commitLockHeldFor(Instant.now());
            return d == null ? -1 : d.toSeconds();
        }

        @Override
        public int getWaiting() {
            return s().waiting();
        }

        @Override
        public long getCommits() {
            return s().commits();
        }

        @Override
        public long getAborts() {
            return s().aborts();
        }

        @Override
        public long getLoads() {
            return s().loads();
        }

        @Override
        public long getStores() {
            return s().stores();
        }

        @Override
        public long getConflicts() {
            return s().conflicts();
        }

        @Override
        public long getConflictsResolved() {
            return s().conflictsResolved();
        }

        @Override
        public String getLastTransaction() {
            return s().lastTransaction().toHex();
        }
    }
}
