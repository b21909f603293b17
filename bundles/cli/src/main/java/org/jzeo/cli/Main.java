package org.jzeo.cli;

import java.io.PrintWriter;
import org.jzeo.api.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;

/**
 * The executable jar's entry point: {@code java -jar jzeo-cli-VERSION-all.jar COMMAND [options]},
 * with COMMAND one of {@code runzeo}, {@code zeopack}, {@code zeoup}, {@code fstest},
 * {@code fsdump}. Errors are one line on stderr ({@code COMMAND: message}) and a non-zero exit
 * status: 2 for a bad command line or configuration, 1 for a failure at run time.
 */
@Command(name = "jzeo", usageHelpAutoWidth = true, mixinStandardHelpOptions = false,
        description = "jzeo server and tools.",
        subcommands = {RunZeo.class, ZeoPack.class, ZeoUp.class, FsTest.class, FsDump.class})
public final class Main implements Runnable {
    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs the command and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command and returns its exit status (for tests). */
    public static int run(String... args) {
        LogSetup.bootstrap();
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler(Main::badUsage);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> failed(e, cmd));
        try {
            return cl.execute(args);
        } finally {
            System.out.flush();
            System.err.flush();
        }
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing COMMAND: one of runzeo, zeopack, zeoup, fstest, fsdump");
    }

    private static int badUsage(ParameterException e, String[] args) {
        PrintWriter err = e.getCommandLine().getErr();
        String name = e.getCommandLine().getCommandName();
        err.println(name + ": " + e.getMessage() + " (see " + (name.equals("jzeo") ? "" : name + " ") + "--help)");
        err.flush();
        return CliException.USAGE;
    }

    private static int failed(Exception e, CommandLine cmd) {
        String name = cmd.getCommandName();
        int status;
        String message;
        if (e instanceof CliException c) {
            status = c.exitCode();
            message = c.getMessage();
        } else if (e instanceof ConfigException) {
            status = CliException.USAGE;
            message = e.getMessage();
        } else {
            status = CliException.FAILURE;
            message = "unexpected error: " + e;
        }
        if (LogSetup.configured()) {
            // runzeo got as far as configuring its log: record the failure there too.
            org.slf4j.LoggerFactory.getLogger("org.jzeo." + name).error("{}", message, e instanceof CliException
                    || e instanceof ConfigException ? null : e);
        }
        cmd.getErr().println(name + ": " + message);
        cmd.getErr().flush();
        return status;
    }
}
