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
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Deploys the RAR and the test application twice (zeoapp, zeoapp2) into Payara Micro 6, started as a
 * separate process from its Maven artifact, bound to 127.0.0.1, against a jzeo server in this JVM.
 */
@TestMethodOrder(MethodOrderer.MethodName.class)
class PayaraMicroIT {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(240);
    private static StorageServer zeo;
    private static Process payara;
    private static int httpPort;
    private static Path log;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        zeo = new StorageServer(ServerConfig.builder().address("127.0.0.1:0").build(),
                Map.of("1", MemoryStorage.create("1"))).start();
        Path dir = Path.of(System.getProperty("zeo.it.dir", "target/it"));
        Path war = Path.of(System.getProperty("zeo.it.war", "target/zeoapp.war"));
        Path app1 = dir.resolve("zeoapp.war");
        Path app2 = dir.resolve("zeoapp2.war");
        Files.copy(war, app1, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(war, app2, StandardCopyOption.REPLACE_EXISTING);
        Path preboot = dir.resolve("preboot.txt");
        Files.writeString(preboot, "set configs.config.server-config.network-config.network-listeners."
                + "network-listener.http-listener.address=127.0.0.1\n");
        httpPort = freePort();
        log = dir.resolve("payara.log");
        Path root = dir.resolve("payara-root");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dzeo.it.server=127.0.0.1:" + zeo.port(),
                "-jar", dir.resolve("payara-micro.jar").toString(),
                "--nohazelcast", "--port", String.valueOf(httpPort), "--rootdir", root.toString(),
                "--prebootcommandfile", preboot.toString(),
                // the RAR first: the applications' connection factories name it
                "--deploy", dir.resolve("zeo-rar.rar").toString(),
                "--deploy", app1.toString(), "--deploy", app2.toString()));
        payara = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            String text = Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
            if (text.contains("ready in")) {
                break; // P19: requests before this line may find the adapter not yet initialised
            }
            if (!payara.isAlive()) {
                throw new AssertionError("Payara Micro exited with " + payara.exitValue() + ":\n" + tail(text));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Payara Micro not ready within " + START_TIMEOUT + ":\n" + tail(text));
            }
            Thread.sleep(200);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (payara != null) {
            payara.descendants().forEach(ProcessHandle::destroy);
            payara.destroy();
            if (!payara.waitFor(20, TimeUnit.SECONDS)) {
                payara.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
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

    private static String tail(String text) {
        return text.length() > 6000 ? text.substring(text.length() - 6000) : text;
    }

    private static String get(String app, String query) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + httpPort + "/" + app + "/zeo?" + query))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), () -> app + "?" + query + " -> " + r.body() + "\nserver log:\n"
                + logTail());
        return r.body();
    }

    private static String logTail() {
        try {
            return tail(Files.readString(log, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static String dataOf(String loadAnswer) {
        return loadAnswer.substring(0, loadAnswer.lastIndexOf(' '));
    }

    private static ClientStorage direct() {
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
