package org.jzeo.storage;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import org.jzeo.storage.internal.FileChecker;
import org.jzeo.storage.internal.FileDump;

/**
 * Offline tools for a Data.fs, for the {@code fstest} and {@code fsdump} commands: a consistency
 * check with ZODB {@code fstest}'s messages and exit status, and a dump in ZODB {@code fsdump}'s
 * text form. Neither modifies the file nor needs its lock.
 */
public final class DataFsTools {
    private DataFsTools() {
    }

    /**
     * fstest's command line, {@code [-v [-v]] FILE}: verbose lines go to {@code out}, the error (if
     * any) as {@code FILE message} to {@code err}.
     *
     * @return 0 when no error was found, 1 on an inconsistency or unreadable file, 2 on bad usage
     */
    public static int fstest(String[] args, PrintStream out, PrintStream err) {
        return FileChecker.run(args, out, err);
    }

    /**
     * Checks {@code path} as fstest does.
     *
     * @param verbosity 0 quiet, 1 a line per transaction, 2 also a line per data record
     * @return 0 when consistent, 1 otherwise (the message is printed to {@code out})
     */
    public static int check(Path path, PrintStream out, int verbosity) {
        return FileChecker.run(verbosity == 0 ? new String[] {path.toString()}
                : verbosity == 1 ? new String[] {"-v", path.toString()} : new String[] {"-v", "-v", path.toString()},
                out, out);
    }

    /** Checks {@code path} quietly or with one line per transaction. */
    public static int check(Path path, PrintStream out, boolean verbose) {
        return check(path, out, verbose ? 1 : 0);
    }

    /** Writes {@code path} in fsdump's text form to {@code out}. */
    public static void dump(Path path, PrintStream out) throws IOException {
        FileDump.dump(path, out);
    }
}
