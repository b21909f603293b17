package org.jzeo.benchmarks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jzeo.server.ServerConfig;
import org.jzeo.server.StorageServer;
import org.jzeo.storage.MemoryStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The probe keeps speaking the protocol: one round against a real server gives four positive rates. */
@Timeout(120)
class CallerDrivenProbeTest {
    @Test
    void oneRoundMeasuresBothClientsAgainstARealServer() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryStorage ms = MemoryStorage.create("1");
                StorageServer server = new StorageServer(ServerConfig.builder().address("127.0.0.1:0").build(),
                        Map.of("1", ms)).start();
                PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            new CallerDrivenProbe("127.0.0.1:" + server.port()).run(1, 100, out);
        }
        String line = bytes.toString(StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("ClientStorage (\\d+)/s, caller-driven (\\d+)/s .*ClientStorage (\\d+)/s, caller-driven (\\d+)/s")
                .matcher(line);
        assertTrue(m.find(), line);
        for (int g = 1; g <= 4; g++) {
            assertTrue(Long.parseLong(m.group(g)) > 0, line);
        }
    }
}
