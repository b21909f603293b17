package org.jzeo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jzeo.server.ServerAddress;
import org.jzeo.server.ServerConfig;
import org.jzeo.storage.FileStorageConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line overrides the config file, key by key. */
class RunZeoOptionsTest {
    @TempDir
    Path dir;

    private static RunZeo parse(String... args) {
        RunZeo r = new RunZeo();
        new CommandLine(r).parseArgs(args);
        return r;
    }

    private Path config(String text) throws Exception {
        return Files.writeString(dir.resolve("zeo.conf"), text);
    }

    @Test
    void noArgumentsServeVarDataFsOnPort8100() {
        ServerSettings s = parse().settings();
        assertEquals(ServerConfig.defaults(), s.server.build());
        assertEquals(List.of("1"), List.copyOf(s.storages.keySet()));
        assertEquals(FileStorageConfig.of("1", Path.of("var", "Data.fs")),
                ((ServerSettings.FileSpec) s.storages.get("1")).config());
    }

    @Test
    void commandLineOverridesTheFile() throws Exception {
        Path conf = config("""
                <zeo>
                  address 127.0.0.1:8200
                  read-only false
                  transaction-timeout 30
                  invalidation-queue-size 10
                  msgpack true
                  pid-filename /tmp/a.pid
                </zeo>
                <filestorage 1>
                  path /srv/one.fs
                  pack-keep-old false
                </filestorage>
                <filestorage 2>
                  path /srv/two.fs
                </filestorage>
                """);
        ServerSettings s = parse("-C", conf.toString(), "-a", "9000", "-r", "-t", "2.5", "--invalidation-queue-size", "7",
                "--no-msgpack", "--pid-file", "/tmp/b.pid", "-f", "/srv/other.fs", "-m", "9001").settings();
        ServerConfig c = s.server.build();
        assertEquals(ServerAddress.tcp("127.0.0.1", 9000), c.address());
        assertTrue(c.readOnly());
        assertEquals(Duration.ofMillis(2500), c.transactionTimeout());
        assertEquals(7, c.invalidationQueueSize());
        assertFalse(c.msgpack());
        assertEquals(Path.of("/tmp/b.pid"), s.pidFile);
        assertEquals(List.of("1", "2"), List.copyOf(s.storages.keySet()));
        FileStorageConfig one = ((ServerSettings.FileSpec) s.storages.get("1")).config();
        assertEquals(Path.of("/srv/other.fs"), one.path());
        assertFalse(one.packKeepOld(), "-f keeps the section's other keys");
        assertEquals(ServerAddress.tcp("127.0.0.1", 9001), s.monitorAddress);
    }

    @Test
    void fileValuesStayWhenNotOverridden() throws Exception {
        Path conf = config("<zeo>\naddress 8300\nread-only yes\nmsgpack no\n</zeo>\n<mappingstorage 1/>\n");
        ServerConfig c = parse("-C", conf.toString()).settings().server.build();
        assertEquals(8300, c.address().port());
        assertTrue(c.readOnly());
        assertFalse(c.msgpack());
        assertTrue(parse("-C", conf.toString(), "--msgpack").settings().server.build().msgpack());
    }

    @Test
    void aConfigWithoutStoragesNeedsMinusF() throws Exception {
        Path conf = config("<zeo>\naddress 8300\n</zeo>\n");
        CliException e = assertThrows(CliException.class, () -> parse("-C", conf.toString()).settings());
        assertTrue(e.getMessage().contains("no storage configured"), e.getMessage());
        assertEquals(List.of("1"), List.copyOf(parse("-C", conf.toString(), "-f", "x.fs").settings().storages.keySet()));
    }

    @Test
    void badOptionValuesAreUsageErrors() {
        assertEquals(CliException.USAGE, assertThrows(CliException.class, () -> parse("-a", "host:port").settings()).exitCode());
        assertEquals(CliException.USAGE, assertThrows(CliException.class, () -> parse("-t", "0").settings()).exitCode());
        assertEquals(CliException.USAGE,
                assertThrows(CliException.class, () -> parse("--invalidation-queue-size", "-1").settings()).exitCode());
    }
}
