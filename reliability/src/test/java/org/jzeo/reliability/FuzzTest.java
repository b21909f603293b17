package org.jzeo.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.jzeo.api.ConflictError;
import org.jzeo.api.Tid;
import org.jzeo.client.ClientStorage;
import org.jzeo.protocol.FrameIO;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.MessageCodec;
import org.jzeo.reliability.Clients.Ack;
import org.jzeo.reliability.Clients.Committer;
import org.jzeo.server.ServerConfig;
import org.jzeo.server.StorageServer;
import org.jzeo.storage.FileStorage;
import org.jzeo.storage.FileStorageConfig;

/**
 * Mutated and random frames against a running server for a bounded time ({@link Poll#seconds()}
 * per protocol), while a real client keeps committing. The corpus is every client-to-server frame
 * of the recorded Python sessions ({@code wire/*-session.json}) and every frame of
 * {@code protocol-errors.json}; each fuzz connection does (usually) the handshake and register,
 * then sends 1–8 frames, each a corpus frame with bit flips, byte changes, truncation, extension or
 * splicing, a random payload, or a raw byte string with a lying length prefix, reads what comes
 * back for a moment and hangs up. The server must stay up, the committer must keep committing
 * during the fuzzing, a new client must connect and commit afterwards, and the file must pass
 * fstest. (The storage packs without GC: the sessions' {@code pack} calls would otherwise collect
 * the committer's unreferenced objects.)
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FuzzTest {
    @TempDir
    Path dir;

    static Path fixtures() {
        return Path.of(System.getProperty("jzeo.fixtures", "../../shared/fixtures"));
    }

    /** Payloads of the corpus (without length prefix) for one protocol, and raw frames. */
    static List<byte[]> corpus(String protocol, List<byte[]> raw) throws IOException {
        ObjectMapper json = new ObjectMapper();
        HexFormat hex = HexFormat.of();
        List<byte[]> payloads = new ArrayList<>();
        JsonNode session = json.readTree(fixtures().resolve("wire/" + protocol.toLowerCase() + "-session.json").toFile());
        for (JsonNode f : session.get("frames")) {
            if (f.get("dir").asText().equals("c2s") && !f.path("handshake").asBoolean(false)) {
                payloads.add(hex.parseHex(f.get("payload_hex").asText()));
            }
        }
        JsonNode errors = json.readTree(fixtures().resolve("protocol-errors.json").toFile());
        for (JsonNode r : errors.get("results")) {
            for (JsonNode e : r.get("events")) {
                if (e.has("send_hex")) {
                    raw.add(hex.parseHex(e.get("send_hex").asText()));
                }
            }
        }
        return payloads;
    }

    @ParameterizedTest
    @ValueSource(strings = {"M5", "Z5"})
    void serverSurvivesFuzzedFramesAndOthersKeepCommitting(String protocol) throws Exception {
        List<byte[]> raw = new ArrayList<>();
        List<byte[]> payloads = corpus(protocol, raw);
        assertTrue(payloads.size() > 20 && raw.size() > 20, "the fixtures are there: " + fixtures());
        Path dataFs = dir.resolve("Data.fs");
        Random random = new Random(protocol.hashCode());
        long connections = 0;
        long frames = 0;
        long serverClosed = 0;
        ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
        try (FileStorage fs = FileStorage.open(FileStorageConfig.builder(dataFs).create(true).packGc(false).build());
                StorageServer server = new StorageServer(ServerConfig.builder().address("127.0.0.1:0")
                        .msgpack(protocol.equals("M5")).transactionTimeout(Duration.ofSeconds(5)).build(),
                        Map.of("1", fs)).start();
                ClientStorage c = Clients.open("127.0.0.1:" + server.port())) {
            c.newOids(1000); // the committer's objects lie far from the oids of the recorded sessions
            Committer committer = new Committer(c, "steady", 10, 5, acks);
            long[] conflicts = new long[1];
            Thread steady = new Thread(() -> {
                while (!committer.stop) {
                    try {
                        committer.commitOnce();
                    } catch (ConflictError e) {
                        conflicts[0]++; // a fuzz frame may hit one of its oids by chance
                        for (int i = 0; i < committer.oids.length; i++) {
                            committer.serials[i] = c.load(committer.oids[i]).start();
                        }
                    } catch (Throwable e) {
                        committer.failure = e;
                        return;
                    }
                }
            }, "steady-committer");
            steady.setDaemon(true);
            steady.start();
            long start = System.nanoTime();
            long end = start + (long) (Poll.seconds() * 1e9);
            long half = start + (end - start) / 2;
            long commitsAtHalf = -1;
            try {
                while (System.nanoTime() < end) {
                    if (commitsAtHalf < 0 && System.nanoTime() > half) {
                        commitsAtHalf = committer.commits;
                    }
                    connections++;
                    try (FrameIO io = FrameIO.connect("127.0.0.1", server.port(), Duration.ofSeconds(2))) {
                        byte[] hello = io.readFrame(Duration.ofSeconds(2));
                        if (random.nextInt(10) == 0) {
                            io.writeFrame(mutate(hello, random));
                        } else {
                            io.writeFrame(hello);
                            if (random.nextInt(10) < 7) {
                                io.writeFrame(MessageCodec.forProtocol(protocol)
                                        .encode(Message.call(1L, "register", "1", Boolean.FALSE)));
                            }
                        }
                        int n = 1 + random.nextInt(8);
                        for (int i = 0; i < n; i++) {
                            frames++;
                            int kind = random.nextInt(10);
                            if (kind < 6) {
                                io.writeFrame(mutate(payloads.get(random.nextInt(payloads.size())), random));
                            } else if (kind < 7) {
                                byte[] b = new byte[random.nextInt(64)];
                                random.nextBytes(b);
                                io.writeFrame(b);
                            } else if (kind < 8) {
                                io.writeRaw(mutate(raw.get(random.nextInt(raw.size())), random));
                            } else {
                                io.writeFrame(payloads.get(random.nextInt(payloads.size()))); // valid, in random order
                            }
                        }
                        if (io.awaitClosed(Duration.ofMillis(20))) {
                            serverClosed++;
                        }
                    } catch (IOException e) {
                        serverClosed++; // the server hung up on us: fine
                    }
                }
            } finally {
                committer.stop = true;
                steady.join(TimeUnit.SECONDS.toMillis(30));
            }
            if (committer.failure != null) {
                throw new AssertionError("the steady committer failed during the fuzzing", committer.failure);
            }
            assertTrue(commitsAtHalf > 0 && committer.commits > commitsAtHalf,
                    "commits went on during the fuzzing: " + commitsAtHalf + " at half time, " + committer.commits + " at the end");
            try (ClientStorage fresh = Clients.open("127.0.0.1:" + server.port())) {
                ConcurrentLinkedQueue<Ack> q = new ConcurrentLinkedQueue<>();
                new Committer(fresh, "after", 2, 1, q).commitOnce();
                for (Ack a : q) {
                    Clients.assertPresent(fresh, a);
                }
                assertTrue(fresh.lastTransaction().compareTo(Tid.ZERO) > 0);
            }
            System.out.printf("fuzz %s: %d connections, %d frames (%d hung up by the server), %d steady commits, %d conflicts%n",
                    protocol, connections, frames, serverClosed, committer.commits, conflicts[0]);
        }
        CrashTest.assertFsTest(dataFs, "after fuzzing");
        try (FileStorage fs = FileStorage.open(FileStorageConfig.of("1", dataFs))) {
            // the sessions' pack calls drop old revisions: the last acknowledged one of each object must be current
            Map<org.jzeo.api.Oid, Ack> last = new java.util.HashMap<>();
            for (Ack a : acks) {
                last.merge(a.oid(), a, (x, y) -> x.tid().compareTo(y.tid()) >= 0 ? x : y);
            }
            for (Ack a : last.values()) {
                assertEquals(a.tid(), fs.load(a.oid()).start(), "the last acknowledged revision of " + a.oid());
                assertTrue(java.util.Arrays.equals(a.data(), fs.load(a.oid()).data()));
            }
        }
    }

    /** One random mutation of {@code b}. */
    static byte[] mutate(byte[] b, Random r) {
        byte[] out = b.clone();
        switch (r.nextInt(7)) {
            case 0 -> { // bit flips
                for (int i = 0, n = 1 + r.nextInt(4); i < n && out.length > 0; i++) {
                    out[r.nextInt(out.length)] ^= (byte) (1 << r.nextInt(8));
                }
            }
            case 1 -> { // interesting bytes
                byte[] special = {0, (byte) 0xff, 0x7f, (byte) 0x80, (byte) 0xc0, (byte) 0xdc, (byte) 0xdd, '(', '.', 'J'};
                for (int i = 0, n = 1 + r.nextInt(3); i < n && out.length > 0; i++) {
                    out[r.nextInt(out.length)] = special[r.nextInt(special.length)];
                }
            }
            case 2 -> out = java.util.Arrays.copyOf(out, out.length == 0 ? 0 : r.nextInt(out.length)); // truncate
            case 3 -> { // extend with random bytes
                byte[] tail = new byte[1 + r.nextInt(32)];
                r.nextBytes(tail);
                out = ByteBuffer.allocate(out.length + tail.length).put(out).put(tail).array();
            }
            case 4 -> { // duplicate a slice
                if (out.length > 1) {
                    int from = r.nextInt(out.length);
                    int len = 1 + r.nextInt(out.length - from);
                    out = ByteBuffer.allocate(out.length + len).put(out, 0, from + len).put(out, from, out.length - from).array();
                }
            }
            case 5 -> { // a 4-byte integer somewhere set to an extreme
                if (out.length >= 4) {
                    int at = r.nextInt(out.length - 3);
                    ByteBuffer.wrap(out).putInt(at, r.nextBoolean() ? Integer.MAX_VALUE : -1);
                }
            }
            default -> { // unchanged: a valid frame at an unexpected point
            }
        }
        return out;
    }
}
