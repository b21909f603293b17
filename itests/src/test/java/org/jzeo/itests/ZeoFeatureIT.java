package org.jzeo.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.maven;
import static org.ops4j.pax.exam.CoreOptions.systemTimeout;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.configureConsole;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.features;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.karafDistributionConfiguration;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.keepRuntimeFolder;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.logLevel;
import static org.ops4j.pax.exam.CoreOptions.vmOptions;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.inject.Inject;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
import org.jzeo.api.Oid;
import org.jzeo.api.Storage;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.auth.PasswordDatabase;
import org.jzeo.client.ClientStorage;
import org.jzeo.protocol.FrameIO;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.Transport;
import org.jzeo.server.StorageServer;
import org.jzeo.storage.FileStorage;
import org.jzeo.storage.FileStorageConfig;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.karaf.options.LogLevelOption.LogLevel;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * The zeo, zeo-client and zeo-shell features in a real Karaf 4.4 (one boot for the class). The
 * methods run in name order: they share the running server, and a later one relies on the port
 * change of an earlier one.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class ZeoFeatureIT {
    private static final Duration T = Duration.ofSeconds(20);
    private static final String KARAF_VERSION = "4.4.10";

    @Inject
    BundleContext context;
    @Inject
    ConfigurationAdmin configAdmin;
    @Inject
    ServiceComponentRuntime scr;
    @Inject
    SessionFactory sessionFactory;

    @Configuration
    public Option[] config() {
        String localRepo = System.getProperty("jzeo.localRepository", System.getProperty("user.home") + "/.m2/repository");
        String itestRepo = System.getProperty("jzeo.itestRepository", new File("target/itest-repo").getAbsolutePath());
        int serverPort = freePort();
        List<Option> o = new ArrayList<>(List.of(
                karafDistributionConfiguration()
                        .frameworkUrl(maven("org.apache.karaf", "apache-karaf").type("tar.gz").versionAsInProject())
                        .unpackDirectory(new File("target/exam")).useDeployFolder(false),
                keepRuntimeFolder(),
                systemTimeout(120_000),
                configureConsole().ignoreLocalConsole().ignoreRemoteShell(),
                logLevel(LogLevel.INFO),
                // Free ports, loopback only, so a running Karaf or ZEO server does not clash (pitfall P13).
                editConfigurationFilePut("etc/org.apache.karaf.management.cfg", "rmiRegistryPort", String.valueOf(freePort())),
                editConfigurationFilePut("etc/org.apache.karaf.management.cfg", "rmiServerPort", String.valueOf(freePort())),
                // The feature's default is 127.0.0.1:8100; an existing configuration is kept by feature:install.
                editConfigurationFilePut("etc/org.jzeo.server-main.cfg", "address", "127.0.0.1:" + serverPort),
                editConfigurationFilePut("etc/org.jzeo.server-main.cfg", "storages", "1"),
                editConfigurationFilePut("etc/org.jzeo.server-main.cfg", "monitor-address", "127.0.0.1:" + freePort()),
                editConfigurationFilePut("etc/org.jzeo.client-it.cfg", "server", "127.0.0.1:" + serverPort),
                editConfigurationFilePut("etc/org.jzeo.client-it.cfg", "min-disconnect-poll", "1"),
                editConfigurationFilePut("etc/org.jzeo.client-it.cfg", "max-disconnect-poll", "1"),
                // Both resolvers get the build's local repository and the reactor copy (pitfalls P10, P11).
                editConfigurationFilePut("etc/org.ops4j.pax.url.mvn.cfg", "org.ops4j.pax.url.mvn.localRepository", localRepo),
                editConfigurationFilePut("etc/org.ops4j.pax.url.mvn.cfg", "org.ops4j.pax.url.mvn.defaultRepositories",
                        "file:${karaf.home}/${karaf.default.repository}@id=system.repository@snapshots,"
                                + "file:" + itestRepo + "@id=itest@snapshots,file:" + localRepo + "@id=local@snapshots"),
                features(maven("org.jzeo", "jzeo-features").classifier("features").type("xml").versionAsInProject(),
                        "zeo", "zeo-client", "zeo-shell"),
                vmOptions(java9PlusOptions())));
        return o.toArray(new Option[0]);
    }

    /** The flags bin/karaf adds on Java 9+; Pax Exam's runner does not (pitfall P9). */
    private static String[] java9PlusOptions() {
        return new String[] {
            "--add-reads=java.xml=java.logging",
            "--add-exports=java.base/org.apache.karaf.specs.locator=java.xml,ALL-UNNAMED",
            "--patch-module", "java.base=lib/endorsed/org.apache.karaf.specs.locator-" + KARAF_VERSION + ".jar",
            "--patch-module", "java.xml=lib/endorsed/org.apache.karaf.specs.java.xml-" + KARAF_VERSION + ".jar",
            "--add-opens", "java.base/java.security=ALL-UNNAMED",
            "--add-opens", "java.base/java.net=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/java.util=ALL-UNNAMED",
            "--add-opens", "java.naming/javax.naming.spi=ALL-UNNAMED",
            "--add-opens", "java.rmi/sun.rmi.transport.tcp=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.protocol.file=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.protocol.ftp=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.protocol.http=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.protocol.https=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.protocol.jar=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.content.text=ALL-UNNAMED",
            "--add-exports=jdk.xml.dom/org.w3c.dom.html=ALL-UNNAMED",
            "--add-exports=jdk.naming.rmi/com.sun.jndi.url.rmi=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.sasl/com.sun.security.sasl=ALL-UNNAMED",
            "--add-exports=java.naming/com.sun.jndi.ldap=ALL-UNNAMED",
            "-classpath", "lib/jdk9plus/*:lib/boot/*",
        };
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Polls {@code condition} every 50 ms until it gives a non-null value, at most {@link #T}. */
    private static <V> V await(String what, Callable<V> condition) throws Exception {
        long deadline = System.nanoTime() + T.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                V v = condition.call();
                if (v != null && !Boolean.FALSE.equals(v)) {
                    return v;
                }
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting for " + what + (last != null ? " (last error: " + last + ")" : ""));
    }

    /** The running server's service reference, once it serves exactly {@code storages}. */
    private ServiceReference<StorageServer> server(String... storages) throws Exception {
        return await("a server serving " + Arrays.toString(storages), () -> {
            for (ServiceReference<StorageServer> r : context.getServiceReferences(StorageServer.class, null)) {
                if (Arrays.equals(storages, (String[]) r.getProperty("storages"))) {
                    return r;
                }
            }
            return null;
        });
    }

    private int serverPort(String... storages) throws Exception {
        return (Integer) server(storages).getProperty("port");
    }

    private Storage storage(String filter) throws Exception {
        return await("storage " + filter, () -> {
            Collection<ServiceReference<Storage>> refs = context.getServiceReferences(Storage.class, filter);
            return refs.isEmpty() ? null : context.getService(refs.iterator().next());
        });
    }

    private org.osgi.service.cm.Configuration factoryConfiguration(String factoryPid, String name) throws Exception {
        org.osgi.service.cm.Configuration[] found = configAdmin.listConfigurations(
                "(&(service.factoryPid=" + factoryPid + ")(service.pid=" + factoryPid + "~" + name + "))");
        assertNotNull("configuration " + factoryPid + "~" + name, found);
        return found[0];
    }

    /** Handshake, register on {@code storage}, lastTransaction; returns the tid bytes. */
    private static byte[] registerAndAskLastTransaction(int port, String storage) throws IOException {
        try (FrameIO io = FrameIO.connect("127.0.0.1", port, T)) {
            io.clientHandshake(T);
            io.send(Message.call(1, "register", storage, false));
            Message reply = io.receive(T);
            assertFalse("register " + storage + ": " + reply, reply.isError());
            io.send(Message.call(2, "lastTransaction"));
            Message last = io.receive(T);
            while (!last.isReply()) {
                last = io.receive(T); // a callback sent meanwhile
            }
            assertFalse(last.toString(), last.isError());
            return (byte[]) last.args();
        }
    }

    private static Tid commit(Storage s, Oid oid, Tid serial, String data) {
        StorageTransaction t = s.tpcBegin(TransactionMetaData.of("itest", "pax exam"));
        t.store(oid, serial, data.getBytes(StandardCharsets.UTF_8));
        t.vote();
        return t.finish();
    }

    private String execute(String command) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        Session session = sessionFactory.create(new ByteArrayInputStream(new byte[0]), ps, ps);
        try {
            session.execute(command);
        } finally {
            session.close();
        }
        ps.flush();
        return out.toString(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ tests

    @Test
    public void a_everyJzeoComponentIsActive() throws Exception {
        server("1");
        List<String> seen = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (!b.getSymbolicName().startsWith("org.jzeo.")) {
                continue;
            }
            assertEquals(b.getSymbolicName() + " is active", Bundle.ACTIVE, b.getState());
            for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(b)) {
                Collection<ComponentConfigurationDTO> configs = scr.getComponentConfigurationDTOs(d);
                for (ComponentConfigurationDTO c : configs) {
                    await(d.name + " active", () -> {
                        for (ComponentConfigurationDTO now : scr.getComponentConfigurationDTOs(d)) {
                            if (now.id == c.id) {
                                return now.state == ComponentConfigurationDTO.ACTIVE
                                        ? Boolean.TRUE : null;
                            }
                        }
                        return null;
                    });
                }
                if (!configs.isEmpty()) {
                    seen.add(d.name);
                }
            }
        }
        // The default configurations of the feature and the test's client configuration.
        assertTrue(seen.toString(), seen.contains("org.jzeo.server.internal.osgi.ServerComponent"));
        assertTrue(seen.toString(), seen.contains("org.jzeo.storage.internal.osgi.FileStorageComponent"));
        assertTrue(seen.toString(), seen.contains("org.jzeo.client.internal.osgi.ClientComponent"));
        assertTrue(seen.toString(), seen.contains("org.jzeo.monitor.internal.osgi.MonitorComponent"));
    }

    @Test
    public void b_theFeatureDefaultStorageIsDataFsInKarafData() throws Exception {
        Dictionary<String, Object> p = factoryConfiguration("org.jzeo.storage.file", "main").getProperties();
        assertEquals("1", String.valueOf(p.get("name")));
        Path expected = Path.of(System.getProperty("karaf.data"), "zeo", "Data.fs");
        FileStorage fs = (FileStorage) storage("(&(name=1)(storage.type=file))");
        assertEquals(expected.toAbsolutePath().normalize(), fs.path().toAbsolutePath().normalize());
        assertTrue(fs.path().toFile().isFile());
    }

    @Test
    public void c_commitAndReadThroughTheClientService() throws Exception {
        Storage client = storage("(storage.type=client)");
        await("client connected", () -> ((ClientStorage) client).isConnected());
        Oid oid = client.newOid();
        Tid tid = commit(client, oid, Tid.ZERO, "hello from a Karaf client");
        assertArrayEquals("hello from a Karaf client".getBytes(StandardCharsets.UTF_8), client.load(oid).data());
        assertEquals(tid, client.load(oid).start());
        Storage served = storage("(&(name=1)(storage.type=file))");
        assertEquals(tid, served.lastTransaction());
        assertArrayEquals("hello from a Karaf client".getBytes(StandardCharsets.UTF_8), served.load(oid).data());
        assertArrayEquals(tid.toBytes(), registerAndAskLastTransaction(serverPort("1"), "1"));
    }

    @Test
    public void d_aNewPortByConfigAdminRebinds() throws Exception {
        int oldPort = serverPort("1");
        int newPort = freePort();
        org.osgi.service.cm.Configuration cfg = factoryConfiguration("org.jzeo.server", "main");
        Dictionary<String, Object> p = cfg.getProperties();
        p.put("address", "127.0.0.1:" + newPort);
        cfg.update(p);
        await("the server on port " + newPort, () -> serverPort("1") == newPort);
        Tid last = storage("(&(name=1)(storage.type=file))").lastTransaction();
        assertArrayEquals(last.toBytes(), registerAndAskLastTransaction(newPort, "1"));
        try {
            FrameIO.connect("127.0.0.1", oldPort, T).close();
            fail("the old port " + oldPort + " still accepts connections");
        } catch (ConnectException expected) {
            // closed
        }
    }

    @Test
    public void e_aSecondStorageByFactoryConfigurationIsServedByName() throws Exception {
        Path two = Path.of(System.getProperty("karaf.data"), "zeo", "two.fs");
        org.osgi.service.cm.Configuration storageCfg = configAdmin.getFactoryConfiguration("org.jzeo.storage.file", "two", "?");
        Dictionary<String, Object> sp = new Hashtable<>();
        sp.put("name", "2");
        sp.put("path", two.toString());
        storageCfg.update(sp);
        org.osgi.service.cm.Configuration serverCfg = factoryConfiguration("org.jzeo.server", "main");
        Dictionary<String, Object> p = serverCfg.getProperties();
        p.put("storages", "1, 2");
        serverCfg.update(p);

        try {
            int port = serverPort("1", "2");
            Storage s2 = storage("(&(name=2)(storage.type=file))");
            Tid tid = commit(s2, s2.newOid(), Tid.ZERO, "second storage");
            assertArrayEquals(tid.toBytes(), registerAndAskLastTransaction(port, "2"));

            // Removing the storage closes it cleanly: the server serving it stops (its clients are
            // disconnected), then the file is closed and its lock released (right after the service
            // is withdrawn, on the configuration thread: poll).
            storageCfg.delete();
            await("the server to stop serving 2", () -> {
                for (ServiceReference<StorageServer> r : context.getServiceReferences(StorageServer.class, null)) {
                    if (Arrays.asList((String[]) r.getProperty("storages")).contains("2")) {
                        return null;
                    }
                }
                return Boolean.TRUE;
            });
            try (FileStorage reopened = await("two.fs unlocked", () -> FileStorage.open(FileStorageConfig.of("x", two)))) {
                assertEquals("the data survived", tid, reopened.lastTransaction());
            }
        } finally {
            p.put("storages", "1");
            serverCfg.update(p);
        }
        serverPort("1");
    }

    @Test
    public void f_serverStatusCountsTheRegisteredClient() throws Exception {
        StorageServer server = context.getService(server("1"));
        int port = serverPort("1");
        try (FrameIO io = FrameIO.connect("127.0.0.1", port, T)) {
            io.clientHandshake(T);
            io.send(Message.call(1, "register", "1", false));
            io.receive(T);
            Map<String, Object> status = server.status("1");
            assertEquals("1", status.get("storage"));
            assertTrue(status.toString(), ((Number) status.get("connections")).longValue() >= 1);
            assertEquals(storage("(&(name=1)(storage.type=file))").lastTransaction().toHex(),
                    status.get("last-transaction"));

            // The monitor report on the configured monitor-address (the monitor bundle's component).
            String[] monitor = ((String) server("1").getProperty("monitor-address")).split(":");
            String report = await("the monitor report", () -> {
                try (Socket m = new Socket(monitor[0], Integer.parseInt(monitor[1]))) {
                    m.setSoTimeout((int) T.toMillis());
                    return new String(m.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                }
            });
            assertTrue(report, report.startsWith("ZEO monitor server version"));
            assertTrue(report, report.contains("Storage: 1\n"));
            assertTrue(report, report.contains("Clients: 1\n"));
        }
    }

    @Test
    public void g_shellCommandsAnswer() throws Exception {
        int port = serverPort("1");
        String up = execute("zeo:up 127.0.0.1:" + port);
        assertTrue(up, up.contains("127.0.0.1:" + port + " is up: protocol M5, storage 1"));
        String status = execute("zeo:status");
        assertTrue(status, status.contains("storage 1") && status.contains("last-transaction:"));
        String clients = execute("zeo:clients");
        assertTrue(clients, clients.contains("storage 1:"));
        String pack = execute("zeo:pack 1");
        assertTrue(pack, pack.contains("packed storage 1"));
        Path passwd = Path.of(System.getProperty("karaf.data"), "zeo", "passwd");
        execute("zeo:passwd -f " + passwd + " -r zeo alice secret");
        assertTrue(PasswordDatabase.load(passwd).hash("alice").isPresent());
    }

    /** The feature installs Netty's native epoll: on x86-64 and aarch64 Linux, TCP connections use it in Karaf too. */
    @Test
    public void h_tcpUsesNativeEpollOnLinux() throws Exception {
        String arch = System.getProperty("os.arch");
        boolean withLibrary = System.getProperty("os.name").equals("Linux")
                && (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"));
        Transport tcp = Transport.forConnections(false);
        if (withLibrary) {
            assertEquals(Transport.EPOLL, tcp);
        } else {
            assertEquals(Transport.NIO, tcp); // the fragments resolve without their libraries
        }
        // and a server on it answers
        int port = serverPort("1");
        String up = execute("zeo:up 127.0.0.1:" + port);
        assertTrue(up, up.contains("is up"));
    }
}
