package org.jzeo.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jzeo.api.Oid;
import org.jzeo.api.StorageTransaction;
import org.jzeo.api.Tid;
import org.jzeo.api.TransactionMetaData;
import org.jzeo.protocol.FrameIO;
import org.jzeo.protocol.Message;
import org.jzeo.server.ServerConfig;
import org.jzeo.server.StorageServer;
import org.jzeo.storage.MemoryStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The shell commands' work against a real server, without Karaf. */
class ZeoOpsTest {
    private static final Duration T = Duration.ofSeconds(5);
    private MemoryStorage storage;
    private StorageServer server;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);

    @BeforeEach
    void start() {
        storage = MemoryStorage.create("1");
        server = new StorageServer(ServerConfig.builder().address("127.0.0.1:0").build(), Map.of("1", storage)).start();
    }

    @AfterEach
    void stop() {
        server.close();
        storage.close();
    }

    private String printed() {
        return buf.toString(StandardCharsets.UTF_8);
    }

    private Tid commit(Oid oid, Tid serial, String data) {
        StorageTransaction t = storage.tpcBegin(TransactionMetaData.of("u", "d"));
        t.store(oid, serial, data.getBytes(StandardCharsets.UTF_8));
        t.vote();
        return t.finish();
    }

    @Test
    void upReportsTheLastTransaction() throws IOException {
        Tid tid = commit(storage.newOid(), Tid.ZERO, "x");
        String report = ZeoOps.up("127.0.0.1:" + server.port(), "1", T);
        assertTrue(report.contains("is up: protocol M5, storage 1, last transaction " + tid.toHex()), report);
    }

    @Test
    void upFailsForAnUnknownStorageAndAClosedPort() throws IOException {
        assertThrows(IOException.class, () -> ZeoOps.up("127.0.0.1:" + server.port(), "nope", T));
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        int port = closed;
        assertThrows(IOException.class, () -> ZeoOps.up("127.0.0.1:" + port, "1", T));
    }

    @Test
    void statusAndClientsCountRegisteredClients() throws IOException {
        List<ZeoOps.Served> served = List.of(new ZeoOps.Served(server, "127.0.0.1:" + server.port(), List.of("1")));
        assertEquals(0, ZeoOps.printClients(served, out));
        try (FrameIO io = FrameIO.connect("127.0.0.1", server.port(), T)) {
            io.clientHandshake(T);
            io.send(Message.call(1, "register", "1", false));
            io.receive(T);
            assertEquals(1, ZeoOps.printClients(served, out));
            assertEquals(1, ZeoOps.printStatus(served, null, out));
        }
        assertTrue(printed().contains("storage 1: 1 client\n"), printed());
        assertTrue(printed().contains("  /127.0.0.1:") && printed().contains(" since "), "a line per client: " + printed());
        assertTrue(printed().contains("  connections: 1\n"), printed());
        assertEquals(0, ZeoOps.printStatus(served, "other", out));
        assertTrue(printed().contains("no running server serves storage other"), printed());
    }

    private void commitAt(Tid tid, Oid oid, Tid serial, String data) {
        StorageTransaction t = storage.tpcBegin(TransactionMetaData.of("u", "d"), tid, ' ');
        t.store(oid, serial, data.getBytes(StandardCharsets.UTF_8));
        t.vote();
        t.finish();
    }

    @Test
    void packRemovesOldRevisions() {
        double now = System.currentTimeMillis() / 1000.0;
        Oid oid = Oid.ROOT; // the root is kept by the pack's garbage collection
        Tid first = Tid.fromEpochSeconds(now - 3 * 86400);
        Tid second = Tid.fromEpochSeconds(now - 2 * 3600);
        commitAt(first, oid, Tid.ZERO, "one");
        commitAt(second, oid, first, "two");
        assertEquals(2, storage.history(oid, 10).size());
        ZeoOps.pack(storage, 1, out);
        assertEquals(2, storage.history(oid, 10).size(), "one day back, both revisions were still needed");
        ZeoOps.pack(storage, 0, out);
        assertEquals(1, storage.history(oid, 10).size());
        assertTrue(printed().startsWith("packed storage 1"), printed());
        assertThrows(IllegalArgumentException.class, () -> ZeoOps.pack(storage, -1, out));
    }
}
