package org.jzeo.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jzeo.api.Tid;
import org.jzeo.protocol.Values;
import org.jzeo.server.ServerAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code zeoup}: checks that a server answers. It registers (read-only unless {@code --write}) and
 * asks for the last transaction; with {@code --write} it also commits an empty transaction
 * ({@code tpc_begin}, {@code vote}, {@code tpc_finish}).
 *
 * <p>Exit status: 0 the server answered (and committed), 1 it cannot be reached, did not answer
 * in time or refused the registration, 2 the write failed (e.g. a read-only server).
 *
 * <p>Difference from Python's zeoup: that one writes by default (a counter in the root object,
 * {@code --nowrite} to skip); this one only reads unless {@code --write} is given, and then writes
 * no object. {@code --nowrite} is accepted.
 */
@Command(name = "zeoup", sortOptions = false, usageHelpAutoWidth = true,
        description = {"Check that a ZEO server is up and answering.",
            "Exit status: 0 up, 1 cannot connect / no answer, 2 write failed."})
final class ZeoUp implements Callable<Integer> {
    @Mixin
    ServerTarget target;

    @Option(names = {"-S", "--storage"}, paramLabel = "NAME", description = "storage name (default 1)")
    String storage = "1";

    @Option(names = "--write", description = "also commit an empty transaction")
    boolean write;

    @Option(names = "--nowrite", description = "only read (the default; for Python zeoup compatibility)")
    boolean noWrite;

    @Option(names = "--help", usageHelp = true, description = "show this help")
    boolean help;

    @Override
    public Integer call() {
        ServerAddress address = target.address();
        long start = System.nanoTime();
        boolean doWrite = write && !noWrite;
        try (WireClient c = WireClient.connect(address, target.timeout())) {
            try {
                c.call("register", storage, !doWrite);
            } catch (WireClient.RemoteError e) {
                if (doWrite && e.className.contains("ReadOnlyError")) {
                    System.err.println("zeoup: write failed: storage '" + storage + "' on " + address + " is read-only");
                    return 2;
                }
                System.err.println("zeoup: " + address + " refused storage '" + storage + "': " + e.getMessage());
                return 1;
            }
            Tid last = Values.tid(c.call("lastTransaction"));
            String committed = "";
            if (doWrite) {
                try {
                    long txn = 1;
                    c.async("tpc_begin", txn, "zeoup", "zeoup check", Map.of());
                    c.call("vote", txn);
                    Tid tid = Values.tid(c.call("tpc_finish", txn));
                    committed = ", committed " + tid.toHex();
                } catch (WireClient.RemoteError e) {
                    System.err.println("zeoup: write failed on " + address + " storage '" + storage + "': " + e.getMessage());
                    return 2;
                } catch (IOException e) {
                    System.err.println("zeoup: write failed on " + address + " storage '" + storage + "': " + why(e));
                    return 2;
                }
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            System.out.println("zeoup: " + address + " storage '" + storage + "' is up (" + c.protocol()
                    + "), last transaction " + last.toHex() + committed + ", " + ms + " ms");
            return 0;
        } catch (IOException e) {
            System.err.println("zeoup: cannot reach " + address + ": " + why(e));
            return 1;
        }
    }

    static String why(IOException e) {
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        if (e instanceof SocketTimeoutException) {
            return e.getMessage() == null ? "timed out" : e.getMessage();
        }
        if (e instanceof java.nio.file.NoSuchFileException || e instanceof java.net.SocketException
                && String.valueOf(e.getMessage()).contains("No such file")) {
            return "no such socket";
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
