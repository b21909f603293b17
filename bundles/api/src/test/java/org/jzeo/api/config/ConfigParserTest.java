package org.jzeo.api.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigParserTest {

    @Test
    void parsesTheHowtoExample() {
        String text = """
                <zeo>
                address zeo.example.com:8090
                monitor-address zeo.example.com:8091
                </zeo>

                <filestorage 1>
                path /var/tmp/Data.fs
                </filestorage>

                <eventlog>
                <logfile>
                path /var/tmp/zeo.log
                format %(asctime)s %(message)s
                </logfile>
                </eventlog>
                """;
        ConfigSection root = ConfigParser.parse(text, "zeo.conf");
        assertEquals(ConfigSection.ROOT_TYPE, root.type());
        assertEquals(3, root.sections().size());
        ConfigSection zeo = root.section("zeo").orElseThrow();
        assertNull(zeo.name());
        assertEquals(1, zeo.line());
        assertEquals("zeo.example.com:8090", zeo.value("address").orElseThrow());
        assertEquals(3, zeo.entry("monitor-address").orElseThrow().line());
        ConfigSection fs = root.section("filestorage").orElseThrow();
        assertEquals("1", fs.name());
        assertEquals("/var/tmp/Data.fs", fs.value("path").orElseThrow());
        ConfigSection logfile = root.section("eventlog").orElseThrow().section("logfile").orElseThrow();
        assertEquals("%(asctime)s %(message)s", logfile.value("format").orElseThrow());
        assertEquals(13, logfile.entry("format").orElseThrow().line());
    }

    @Test
    void keysAndTypesAreCaseInsensitiveNamesKeepTheirCase() {
        ConfigSection root = ConfigParser.parse("<FileStorage Main>\n  PATH  /x/Data.fs  \n</filestorage>\n", "s");
        ConfigSection fs = root.sections("filestorage").get(0);
        assertEquals("filestorage", fs.type());
        assertEquals("Main", fs.name());
        assertEquals(List.of(new ConfigEntry("path", "/x/Data.fs", "s", 2)), fs.entries());
        assertEquals("/x/Data.fs", fs.value("Path").orElseThrow());
        assertEquals("<filestorage Main>", fs.describe());
    }

    @Test
    void commentsEmptyValuesAndHashInsideValues() {
        ConfigSection root = ConfigParser.parse("# comment\n   # indented comment\nflag\nkey value # not a comment\n", "s");
        assertEquals("", root.value("flag").orElseThrow());
        assertEquals("value # not a comment", root.value("key").orElseThrow());
        assertEquals(Set.of("flag", "key"), root.keys());
    }

    @Test
    void defineAndSubstitution() {
        String text = """
                %define HOME /srv/zeo
                %define data $home/var
                <filestorage 1>
                  path ${DATA}/Data.fs
                  price $$5
                </filestorage>
                %define home /srv/zeo
                """;
        ConfigSection fs = ConfigParser.parse(text, "s").sections().get(0);
        assertEquals("/srv/zeo/var/Data.fs", fs.value("path").orElseThrow());
        assertEquals("$5", fs.value("price").orElseThrow());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "a\\nkey $nope|2|undefined name $nope",
        "%define x 1\\n%define x 2|2|cannot redefine",
        "<zeo>\\naddress 1\\n|1|<zeo> is never closed",
        "<zeo>\\n</filestorage>|2|does not match <zeo>",
        "</zeo>|1|closes no open section",
        "%frobnicate x|1|unknown directive",
        "<zeo|1|malformed section header",
        "key $|1|'$' at the end",
        "k(x) 1|1|malformed key",
        "%define 9x 1|1|%define needs a name",
    })
    void errorsNameTheLine(String text, int line, String fragment) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigParser.parse(text.replace("\\n", "\n"), "bad.conf"));
        assertEquals(line, e.line());
        assertTrue(e.getMessage().startsWith("bad.conf line " + line + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void emptySectionsAndNesting() {
        ConfigSection root = ConfigParser.parse("<a x>\n<b/>\n<c y/>\n<d>\n<e>\nk v\n</e>\n</d>\n</a>\n", "s");
        ConfigSection a = root.section("a").orElseThrow();
        assertEquals("x", a.name());
        assertEquals(List.of("b", "c", "d"), a.sections().stream().map(ConfigSection::type).toList());
        assertEquals("y", a.section("c").orElseThrow().name());
        assertTrue(a.section("b").orElseThrow().entries().isEmpty());
        assertEquals("v", a.section("d").orElseThrow().section("e").orElseThrow().value("k").orElseThrow());
    }

    @Test
    void requireOnlyReportsTheFirstUnknownKeyWithItsLine() {
        ConfigSection zeo = ConfigParser.parse("<zeo>\naddress 8100\nadress 8101\n<ssl>\n</ssl>\n</zeo>\n", "zeo.conf")
                .section("zeo").orElseThrow();
        ConfigException e = assertThrows(ConfigException.class, () -> zeo.requireOnly(Set.of("address"), Set.of("ssl")));
        assertEquals("zeo.conf line 3: unknown key 'adress' in <zeo>", e.getMessage());
        ConfigException s = assertThrows(ConfigException.class,
                () -> zeo.requireOnly(Set.of("ADDRESS", "adress"), Set.of()));
        assertEquals("zeo.conf line 4: unknown section <ssl> in <zeo>", s.getMessage());
        zeo.requireOnly(Set.of("address", "adress"), Set.of("SSL"));
    }

    @Test
    void repeatedSingleKeyIsAnErrorButMultikeysAreKept() {
        ConfigSection c = ConfigParser.parse("<zeoclient>\nserver a:1\nserver b:2\n</zeoclient>", "c.conf")
                .section("zeoclient").orElseThrow();
        assertEquals(List.of("a:1", "b:2"), c.values("server"));
        ConfigException e = assertThrows(ConfigException.class, () -> c.value("server"));
        assertEquals(3, e.line());
        ConfigException missing = assertThrows(ConfigException.class, () -> c.require("storage"));
        assertEquals("c.conf line 1: <zeoclient> needs a 'storage' key", missing.getMessage());
    }

    @Test
    void includeResolvesAgainstTheIncludingFileAndSharesDefines(@TempDir Path dir) throws Exception {
        Path sub = Files.createDirectories(dir.resolve("conf.d"));
        Files.writeString(sub.resolve("storage.conf"), "<filestorage 2>\npath $base/2.fs\n</filestorage>\n");
        Files.writeString(dir.resolve("main.conf"), "%define base /data\n%import ZEO\n%include conf.d/storage.conf\n");
        ConfigSection root = ConfigParser.parse(dir.resolve("main.conf"));
        ConfigSection fs = root.section("filestorage").orElseThrow();
        assertEquals("/data/2.fs", fs.value("path").orElseThrow());
        assertEquals(2, fs.entry("path").orElseThrow().line());
        assertTrue(fs.source().endsWith("storage.conf"), fs.source());
        assertEquals(List.of("ZEO"), root.imports());

        Files.writeString(sub.resolve("loop.conf"), "%include loop.conf\n");
        assertThrows(ConfigException.class, () -> ConfigParser.parse(sub.resolve("loop.conf")));
        Files.writeString(dir.resolve("open.conf"), "%define base /b\n<zeo>\n%include conf.d/storage.conf\n");
        ConfigException unclosed = assertThrows(ConfigException.class, () -> ConfigParser.parse(dir.resolve("open.conf")));
        assertEquals(2, unclosed.line());
        assertTrue(unclosed.getMessage().contains("<zeo> is never closed"), unclosed.getMessage());
    }

    @Test
    void missingFileSaysSo(@TempDir Path dir) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse(dir.resolve("nope.conf")));
        assertTrue(e.getMessage().contains("config file not found"), e.getMessage());
    }

    @Test
    void typedValues() {
        ConfigSection s = ConfigParser.parse("""
                a yes
                b Off
                c 20MB
                d 1.5
                e 10m
                f 42
                g maybe
                """, "t");
        assertTrue(s.require("a").asBoolean());
        assertFalse(s.require("b").asBoolean());
        assertEquals(20L * 1024 * 1024, s.require("c").asByteSize());
        assertEquals(Duration.ofMillis(1500), s.require("d").asDuration());
        assertEquals(Duration.ofMinutes(10), s.require("e").asDuration());
        assertEquals(42, s.require("f").asInt());
        ConfigException e = assertThrows(ConfigException.class, () -> s.require("g").asBoolean());
        assertEquals("t line 7: not a boolean (use true/false, yes/no, on/off): 'maybe' (key 'g')", e.getMessage());
        assertThrows(ConfigException.class, () -> s.require("g").asByteSize());
        assertThrows(ConfigException.class, () -> s.require("g").asDuration());
    }
}
