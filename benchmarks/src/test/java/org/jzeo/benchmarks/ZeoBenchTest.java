package org.jzeo.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jzeo.server.ServerConfig;
import org.jzeo.server.StorageServer;
import org.jzeo.storage.FileStorage;
import org.jzeo.storage.FileStorageConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * zeo-bench keeps working: one short run against a real server (FileStorage on 127.0.0.1) prints
 * every metric of the list, each a finite non-negative figure, and the server forced its
 * file for the commits ({@code fsyncs_per_commit} above 0).
 * No figure is compared with a speed: that is the benchmark's job, not a test's.
 */
@Timeout(180)
class ZeoBenchTest {
    private static final List<String> METRICS = List.of("commit_single_tps", "commit_single_latency_p50",
            "commit_single_latency_p99", "commit_concurrent_tps", "commit_concurrent_latency_p50",
            "commit_concurrent_latency_p99", "fsyncs_per_commit", "server_force_p50", "server_force_p99",
            "load_cold_single_rate", "load_cold_concurrent_rate", "load_cold_pipelined_rate", "load_warm_single_rate",
            "inval_latency_p50", "inval_latency_p99");

    @TempDir
    Path dir;

    @Test
    void aShortRunPrintsEveryMetricAndEveryCommitWasForced() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit;
        try (FileStorage fs = FileStorage.open(FileStorageConfig.of("1", dir.resolve("Data.fs")));
                StorageServer server = new StorageServer(ServerConfig.builder().address("127.0.0.1:0").build(),
                        Map.of("1", fs)).start();
                PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            exit = new CommandLine(new ZeoBench(out)).execute("127.0.0.1:" + server.port(), "--duration", "1",
                    "--objects", "100", "--clients", "2");
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, text);
        Map<String, Double> figures = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String[] p = line.trim().split(" ");
            if (p.length == 3) {
                figures.put(p[0], Double.parseDouble(p[1]));
            }
        }
        assertEquals(METRICS, List.copyOf(figures.keySet()), text);
        figures.forEach((metric, value) -> assertTrue(Double.isFinite(value) && value >= 0, metric + " = " + value));
        assertTrue(figures.get("commit_single_tps") > 0 && figures.get("load_cold_single_rate") > 0, text);
        assertTrue(figures.get("fsyncs_per_commit") > 0, text);
    }
}
