package org.jzeo.jca.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jzeo.api.Oid;
import org.jzeo.client.ClientConfig;
import org.jzeo.client.ClientStorage;
import org.jzeo.server.ServerConfig;
import org.jzeo.server.StorageServer;
import org.jzeo.storage.MemoryStorage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The checks every Jakarta EE server must pass: a jzeo server in this JVM on 127.0.0.1, and a server started by
 * the subclass as a separate process, bound to 127.0.0.1, with the RAR and the test application deployed twice
 * (zeoapp, zeoapp2; the RAR first: the applications' connection factories name it). The subclass says how to
 * start the server (its command line), when it is ready, and may change how it is stopped and its base URL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.MethodName.class)
abstract class AbstractJakartaServerIT {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(240);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String serverName;
    private final String id;
    private StorageServer zeo;
    private Process server;
    private int httpPort;
    private Path log;

    /**
     * @param serverName for messages
     * @param id names the server's output file, {@code target/it/ID.log}
     */
    protected AbstractJakartaServerIT(String serverName, String id) {
        this.serverName = serverName;
        this.id = id;
    }

    /**
     * The command line that starts the server (see {@link #javaCommand}) with HTTP on 127.0.0.1:{@code httpPort}
     * only, deploying {@code deployments} in this order.
     *
     * @param dir {@code target/it}: the server jars, the RAR, the applications; the place for the server's files
     */
    protected abstract List<String> serverCommand(Path dir, int httpPort, List<Path> deployments) throws IOException;

    /**
     * Whether the server's output so far says that it serves all deployments.
     *
     * @throws AssertionError when the output shows that the start failed
     */
    protected abstract boolean isReady(String output, List<Path> deployments);

    /** The working directory of the server process; {@code null} (this JVM's) unless overridden. */
    protected Path workingDirectory(Path dir) throws IOException {
        return null;
    }

    /** The URL the applications' context roots are relative to. */
    protected String baseUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    /** Stops the server process: a polite signal (its shutdown hooks run), forcibly after 20 s. */
    protected void stopServer(Process process) throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** {@code java -Xmx512m -Dzeo.it.server=<the jzeo server>} followed by {@code more}. */
    protected final List<String> javaCommand(String... more) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dzeo.it.server=127.0.0.1:" + zeo.port()));
        cmd.addAll(List.of(more));
        return cmd;
    }

    @BeforeAll
    void start() throws Exception {
        zeo = new StorageServer(ServerConfig.builder().address("127.0.0.1:0").build(),
                Map.of("1", MemoryStorage.create("1"))).start();
        Path dir = Path.of(System.getProperty("zeo.it.dir", "target/it"));
        Path war = Path.of(System.getProperty("zeo.it.war", "target/zeoapp.war"));
        Path app1 = dir.resolve("zeoapp.war");
        Path app2 = dir.resolve("zeoapp2.war");
        Files.copy(war, app1, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(war, app2, StandardCopyOption.REPLACE_EXISTING);
        List<Path> deployments = List.of(dir.resolve("zeo-rar.rar"), app1, app2);
        httpPort = freePort();
        log = dir.resolve(id + ".log");
        Path workDir = workingDirectory(dir);
        server = new ProcessBuilder(serverCommand(dir, httpPort, deployments))
                .directory(workDir == null ? null : workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            String text = Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
            if (isReady(text, deployments)) {
                break;
            }
            if (!server.isAlive()) {
                throw new AssertionError(serverName + " exited with " + server.exitValue() + ":\n" + tail(text));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(serverName + " not ready within " + START_TIMEOUT + ":\n" + tail(text));
            }
            Thread.sleep(200);
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) {
            stopServer(server);
        }
        if (zeo != null) {
            zeo.close();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    protected static String tail(String text) {
        return text.length() > 6000 ? text.substring(text.length() - 6000) : text;
    }

    private String get(String app, String query) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                URI.create(baseUrl() + "/" + app + "/zeo?" + query))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), () -> app + "?" + query + " -> " + r.body() + "\n" + serverName
                + " log:\n" + logTail());
        return r.body();
    }

    private String logTail() {
        try {
            return tail(Files.readString(log, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static String dataOf(String loadAnswer) {
        return loadAnswer.substring(0, loadAnswer.lastIndexOf(' '));
    }

    private ClientStorage direct() {
        return ClientStorage.open(ClientConfig.builder("127.0.0.1:" + zeo.port()).build());
    }

    @Test
    @Timeout(120)
    void a_commitInAJtaTransactionReachesTheServer() throws Exception {
        String oid = get("zeoapp", "op=new");
        String answer = get("zeoapp", "op=store&oid=" + oid + "&data=one");
        assertTrue(answer.startsWith("committed one "), answer);
        try (ClientStorage s = direct()) {
            assertArrayEquals("one".getBytes(StandardCharsets.UTF_8), s.load(Oid.fromHex(oid)).data());
            assertEquals("it", new String(s.history(Oid.fromHex(oid), 1).get(0).user(), StandardCharsets.UTF_8));
        }
    }

    @Test
    @Timeout(120)
    void b_aRollbackDiscardsTheStores() throws Exception {
        String oid = get("zeoapp", "op=new");
        assertEquals("rolled back", get("zeoapp", "op=store&oid=" + oid + "&data=never&outcome=rollback"));
        assertEquals("missing", get("zeoapp", "op=load&oid=" + oid));
        String committed = get("zeoapp", "op=store&oid=" + oid + "&data=kept");
        assertEquals("rolled back", get("zeoapp", "op=store&oid=" + oid + "&data=dropped&outcome=rollback"));
        assertEquals(committed.substring("committed ".length()), get("zeoapp", "op=load&oid=" + oid));
        try (ClientStorage s = direct()) {
            assertArrayEquals("kept".getBytes(StandardCharsets.UTF_8), s.load(Oid.fromHex(oid)).data());
        }
    }

    @Test
    @Timeout(120)
    void c_aCommitBySecondApplicationReachesTheFirstApplicationsCache() throws Exception {
        String oid = get("zeoapp", "op=new");
        get("zeoapp", "op=store&oid=" + oid + "&data=first");
        assertEquals("first", dataOf(get("zeoapp", "op=load&oid=" + oid)), "app 1 has it (and caches it)");
        assertEquals("first", dataOf(get("zeoapp", "op=load&oid=" + oid)));
        // app 2, through a factory with another configuration: its own server connection and cache
        String second = get("zeoapp2", "op=store&cf=2&oid=" + oid + "&data=second");
        assertTrue(second.startsWith("committed second "), second);
        // the invalidation travels asynchronously from the server to app 1's shared storage
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String seen;
        do {
            seen = dataOf(get("zeoapp", "op=load&oid=" + oid));
            if (seen.equals("second")) {
                break;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        assertEquals("second", seen, "app 1's pooled connection sees app 2's commit");
        // and a third client (this test) committing directly is seen as well
        try (ClientStorage s = direct()) {
            Oid o = Oid.fromHex(oid);
            var t = s.tpcBegin(org.jzeo.api.TransactionMetaData.EMPTY);
            t.store(o, s.load(o).start(), "third".getBytes(StandardCharsets.UTF_8));
            t.vote();
            t.finish();
        }
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        do {
            seen = dataOf(get("zeoapp", "op=load&oid=" + oid));
            if (seen.equals("third")) {
                break;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        assertEquals("third", seen);
    }
}
