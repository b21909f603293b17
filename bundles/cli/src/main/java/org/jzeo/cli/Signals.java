package org.jzeo.cli;

import org.slf4j.Logger;

/**
 * POSIX signal handling through {@code sun.misc.Signal} (module {@code jdk.unsupported}): the JDK
 * has no supported API for SIGUSR2. Used only by {@code runzeo}.
 *
 * <ul>
 *   <li>SIGUSR2: {@code onUsr2} (reopen the log files);</li>
 *   <li>SIGTERM, SIGINT: {@code System.exit(0)}, which runs the shutdown hook that closes the
 *       server and the storages (the JVM's own handling would exit with 143 / 130).</li>
 * </ul>
 */
final class Signals {
    private Signals() {
    }

    static void install(Runnable onUsr2, Logger log) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("USR2"), sig -> {
                log.info("SIGUSR2 received: reopening log files");
                onUsr2.run();
                log.info("log files reopened");
            });
        } catch (IllegalArgumentException | LinkageError e) {
            log.warn("cannot handle SIGUSR2 ({}): log rotation by signal is unavailable", e.toString());
        }
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
                    log.info("SIG{} received", name);
                    System.exit(0);
                });
            } catch (IllegalArgumentException | LinkageError e) {
                log.warn("cannot handle SIG{} ({}): the JVM's default handling (shutdown hook, exit 128+n) applies", name,
                        e.toString());
            }
        }
    }
}
