package org.jzeo.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jzeo.storage.DataFsTools;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fstest}: checks a Data.fs offline, as ZODB's fstest does (no lock needed). Exit status 0
 * consistent, 1 any inconsistency or an unreadable file (the message on stderr), 2 bad usage.
 */
@Command(name = "fstest", usageHelpAutoWidth = true,
        description = {"Check the structure of a Data.fs (offline).",
            "Exit status: 0 no errors, 1 an inconsistency or unreadable file, 2 bad usage."})
final class FsTest implements Callable<Integer> {
    @Option(names = "-v", description = "verbose: once for a line per transaction, twice also per data record")
    boolean[] verbose = new boolean[0];

    @Parameters(index = "0", paramLabel = "FILE", description = "the Data.fs")
    Path file;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    @Override
    public Integer call() {
        if (!Files.isRegularFile(file)) {
            System.err.println(file + " " + (Files.exists(file) ? "is not a regular file" : "does not exist"));
            return 1;
        }
        List<String> args = new ArrayList<>();
        for (int i = 0; i < Math.min(2, verbose.length); i++) {
            args.add("-v");
        }
        args.add(file.toString());
        return DataFsTools.fstest(args.toArray(String[]::new), System.out, System.err);
    }
}
