package org.jzeo.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jzeo.storage.DataFsTools;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fsdump}: prints a Data.fs in ZODB fsdump's text form (offline). Exit status 0, or 1 if it cannot be read. */
@Command(name = "fsdump", usageHelpAutoWidth = true, description = "Dump a Data.fs in fsdump's text form (offline).")
final class FsDump implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "the Data.fs")
    Path file;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    @Override
    public Integer call() {
        PrintStream out = new PrintStream(new BufferedOutputStream(System.out, 1 << 16), false, StandardCharsets.UTF_8);
        try {
            DataFsTools.dump(file, out);
            out.flush();
            return out.checkError() ? 1 : 0;
        } catch (IOException | RuntimeException e) {
            out.flush();
            System.err.println("fsdump: " + file + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        }
    }
}
