package org.jzeo.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** fsdump and fstest against the output Python's own tools gave for the fixtures. */
class DataFsToolsTest {
    private static final Path FIXTURES = Path.of(System.getProperty("jzeo.fixtures"), "datafs");

    @Test
    void fsdumpOfBasicFsMatchesPythonsLineForLine() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        DataFsTools.dump(FIXTURES.resolve("basic.fs"), new PrintStream(buf, true, StandardCharsets.UTF_8));
        List<String> expected = Files.readAllLines(FIXTURES.resolve("basic.fsdump.txt"), StandardCharsets.UTF_8);
        List<String> actual = buf.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(expected.size(), actual.size(), "line count");
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), actual.get(i), "line " + (i + 1));
        }
    }

    @Test
    void fstestExitStatusesMatchPythons() {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals(0, DataFsTools.check(FIXTURES.resolve("basic.fs"), quiet, 1));
        assertEquals(0, DataFsTools.check(FIXTURES.resolve("small.fs"), quiet, false));
        assertEquals(1, DataFsTools.check(FIXTURES.resolve("truncated.fs"), quiet, false));
        assertEquals(1, DataFsTools.check(FIXTURES.resolve("corrupt.fs"), quiet, false));
        assertEquals(2, DataFsTools.fstest(new String[] {}, quiet, quiet));
    }
}
