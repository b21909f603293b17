package org.jzeo.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jzeo.server.ServerConfig;
import org.jzeo.server.StorageServer;
import org.jzeo.storage.MemoryStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The tool keeps working: one round per thread count against a real server, every object loaded. */
@Timeout(120)
class SharedClientLoadsTest {
    @Test
    void everyThreadCountLoadsEveryObjectThroughOneClient() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryStorage ms = MemoryStorage.create("1");
                StorageServer server = new StorageServer(ServerConfig.builder().address("127.0.0.1:0").build(),
                        Map.of("1", ms)).start();
                PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            SharedClientLoads.run("127.0.0.1:" + server.port(), 1500, 1, List.of(1, 8), out);
            // the threads between them asked the server for every object once (fresh caches)
            long loads = ((Number) server.status("1").get("loads")).longValue();
            assertTrue(loads >= 2 * 1500, "the server answered " + loads + " loads");
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("threads (\\d+) round 0: (\\d+) cold loads/s").matcher(text);
        int lines = 0;
        while (m.find()) {
            assertTrue(Long.parseLong(m.group(2)) > 0, text);
            lines++;
        }
        assertEquals(2, lines, text);
    }
}
