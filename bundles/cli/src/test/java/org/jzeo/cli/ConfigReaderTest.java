package org.jzeo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jzeo.api.config.ConfigException;
import org.jzeo.api.config.ConfigParser;
import org.jzeo.server.ServerAddress;
import org.jzeo.server.ServerConfig;
import org.jzeo.storage.FileStorageConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigReaderTest {
    private static ServerSettings read(String text) {
        return ConfigReader.read(ConfigParser.parse(text, "zeo.conf"));
    }

    @Test
    void readsEveryZeoKeyOfZeo5() {
        ServerSettings s = read("""
                <zeo>
                  address 127.0.0.1:8200
                  read-only on
                  invalidation-queue-size 500
                  invalidation-age 3600
                  transaction-timeout 30
                  pid-filename /run/zeo.pid
                  client-conflict-resolution true
                  msgpack false
                </zeo>
                <filestorage main>
                  path /srv/Data.fs
                  quota 10MB
                  pack-gc false
                  pack-keep-old no
                  read-only yes
                </filestorage>
                <mappingstorage>
                </mappingstorage>
                """);
        ServerConfig c = s.server.build();
        assertEquals(ServerAddress.tcp("127.0.0.1", 8200), c.address());
        assertTrue(c.readOnly());
        assertEquals(500, c.invalidationQueueSize());
        assertEquals(Duration.ofHours(1), c.invalidationAge());
        assertEquals(Duration.ofSeconds(30), c.transactionTimeout());
        assertTrue(c.clientConflictResolution());
        assertFalse(c.msgpack());
        assertEquals(Path.of("/run/zeo.pid"), s.pidFile);
        assertEquals(List.of("main", "1"), List.copyOf(s.storages.keySet()));
        FileStorageConfig fs = ((ServerSettings.FileSpec) s.storages.get("main")).config();
        assertEquals(new FileStorageConfig("main", Path.of("/srv/Data.fs"), false, true, 10L << 20, false, false), fs);
        assertInstanceOf(ServerSettings.MappingSpec.class, s.storages.get("1"));
        assertTrue(s.inactive.isEmpty());
    }

    @Test
    void monitorAuthAndSslKeysReachTheServerConfiguration() {
        ServerSettings s = read("""
                <zeo>
                  address 8100
                  monitor-address 127.0.0.1:8101
                  authentication-protocol digest
                  authentication-database /etc/zeo/auth.db
                  authentication-realm zeo
                  <ssl>
                    certificate /etc/zeo/cert.pem
                    key /etc/zeo/key.pem
                    authenticate /etc/zeo/clients-ca.pem
                  </ssl>
                </zeo>
                <filestorage 1>
                  path Data.fs
                </filestorage>
                """);
        ServerConfig c = s.server.build();
        assertEquals("digest", c.authenticationProtocol());
        assertEquals(Path.of("/etc/zeo/auth.db"), c.authenticationDatabase());
        assertEquals("zeo", c.authenticationRealm());
        assertEquals(Path.of("/etc/zeo/cert.pem"), c.ssl().certificate());
        assertEquals(Path.of("/etc/zeo/key.pem"), c.ssl().key());
        assertEquals(Path.of("/etc/zeo/clients-ca.pem"), c.ssl().authenticate());
        assertEquals(ServerAddress.tcp("127.0.0.1", 8101), s.monitorAddress);
        assertTrue(s.inactive.isEmpty(), "nothing is left inactive: " + s.inactive);
        assertEquals(ServerAddress.tcp("127.0.0.1", 8100), s.server.build().address());
    }

    @Test
    void sslAuthenticateDynamicIsRefusedWithItsLine() {
        org.jzeo.api.config.ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.jzeo.api.config.ConfigException.class, () -> read("""
                <zeo>
                  <ssl>
                    certificate /etc/zeo/cert.pem
                    authenticate DYNAMIC
                  </ssl>
                </zeo>
                <mappingstorage 1/>
                """));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("DYNAMIC"), e.getMessage());
    }

    @Test
    void eventlogWithLogfile() {
        ServerSettings s = read("""
                <filestorage>
                  path Data.fs
                </filestorage>
                <eventlog>
                  level blather
                  <logfile>
                    path /var/log/zeo.log
                    format %(asctime)s %(message)s
                    dateformat %Y-%m-%d
                    level warning
                  </logfile>
                  <logfile>
                    path STDERR
                  </logfile>
                </eventlog>
                """);
        assertEquals(new LogSettings("blather", List.of(
                new LogSettings.LogFile("/var/log/zeo.log", "%(asctime)s %(message)s", "%Y-%m-%d", "warning"),
                new LogSettings.LogFile("STDERR", null, null, null))), s.log);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "<zeo>\\naddress 8100\\nadress 8101\\n</zeo>|3|unknown key 'adress' in <zeo>",
        "<zeo>\\nread-only perhaps\\n</zeo>|2|not a boolean",
        "<zeo>\\naddress localhost:http\\n</zeo>|2|bad port",
        "<zeo>\\naddress 1\\naddress 2\\n</zeo>|3|given more than once",
        "<zeo>\\n<ssl>\\nkey k\\n</ssl>\\n</zeo>|2|needs a 'certificate'",
        "<filestorage 1>\\npath a.fs\\nblob-dir blobs\\n</filestorage>|3|blobs are not supported",
        "<filestorage 1>\\ncreate yes\\n</filestorage>|1|needs a 'path' key",
        "<filestorage 1>\\npath a\\n</filestorage>\\n<filestorage 1>\\npath b\\n</filestorage>|4|a second storage named '1'",
        "<filestorage>\\npath a\\n</filestorage>\\n<mappingstorage 1/>|4|a second storage named '1'",
        "<demostorage>\\n</demostorage>|1|unknown section <demostorage>",
        "address 8100|1|unknown key 'address' in the top level",
        "<eventlog>\\nlevel loud\\n</eventlog>|2|unknown log level 'loud'",
        "<eventlog>\\n<logfile>\\npath x\\nformat %(bogus)s\\n</logfile>\\n</eventlog>|4|unsupported log format field",
        "<eventlog>\\n<logfile>\\npath x\\nmax-size 10MB\\n</logfile>\\n</eventlog>|4|rotate with rename + SIGUSR2",
        "<zeo>\\ntransaction-timeout 0\\n</zeo>|2|must be positive",
    })
    void errorsNameTheLine(String text, int line, String fragment) {
        ConfigException e = assertThrows(ConfigException.class, () -> read(text.replace("\\n", "\n")));
        assertTrue(e.getMessage().startsWith("zeo.conf line " + line + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void noZeoSectionMeansTheDefaults() {
        ServerSettings s = read("<filestorage 1>\npath Data.fs\n</filestorage>\n");
        assertEquals(ServerConfig.defaults(), s.server.build());
        assertNull(s.pidFile);
        assertEquals(LogSettings.defaults(), s.log);
    }

    @Test
    void runnerSectionIsIgnoredWithAWarning() {
        ServerSettings s = read("<runner>\nprogram runzeo\n</runner>\n<filestorage>\npath x\n</filestorage>\n");
        assertEquals(1, s.warnings.size());
        assertTrue(s.warnings.get(0).contains("<runner>"), s.warnings.get(0));
    }
}
