package org.jzeo.jca.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The checks of {@link AbstractJakartaServerIT} against GlassFish 7 embedded, its runnable jar
 * ({@code target/it/glassfish-embedded-all.jar}) started as a separate process, bound to 127.0.0.1.
 *
 * <p>How the runnable jar takes its arguments: {@code --name=value} arguments that are not among its options are
 * GlassFish properties, applied to the configuration before the server starts (the names of the {@code set}
 * admin command). So the HTTP listener binds 127.0.0.1 from the start (a {@code set} command argument runs only
 * after the start, when the listener already listens on all addresses), and the connector class-loading policy
 * is {@code global} before anything is deployed (the default, {@code derived}, hides a standalone RAR's classes
 * from the applications). Arguments naming files are deployed in order once the server has started, each then
 * logged as "Application NAME deployed", even when the deployment failed (logged just before as "Command
 * completed with FAILURE").
 *
 * <p>Stopped like Payara (SIGTERM, its shutdown hook stops the server), but with the connector service's shutdown
 * timeout lowered to 3 s: in GlassFish's JVM shutdown the RAR's class loader is already closed when the adapter's
 * {@code stop()} closes its client storages, so their Netty event loop threads die on classes they can no longer
 * load ({@code NoClassDefFoundError: io/netty/...} in the log) and never report termination.
 * {@code ClientStorage.close()} waits for them 5 s at most (it waited without a bound, and the stop took 32 s, found
 * by this test); the lower timeout keeps the test quick. Undeployed while the server runs, the adapter stops in half
 * a second.
 */
class GlassFishEmbeddedIT extends AbstractJakartaServerIT {
    private static final String FAILED = "Command completed with FAILURE";

    GlassFishEmbeddedIT() {
        super("GlassFish", "glassfish");
    }

    /**
     * Its own directory: the runnable jar picks up {@code glassfish.properties}, {@code autodeploy/},
     * {@code glassfish-domain/} and {@code domain.xml} from its working directory.
     */
    @Override
    protected Path workingDirectory(Path dir) throws IOException {
        return Files.createDirectories(dir.resolve("glassfish"));
    }

    @Override
    protected List<String> serverCommand(Path dir, int httpPort, List<Path> deployments) throws IOException {
        // its domain is made in a temporary directory, deleted when it stops; keep even a killed one's in target/
        Path tmp = Files.createDirectories(workingDirectory(dir).resolve("tmp"));
        List<String> cmd = javaCommand("-Djava.io.tmpdir=" + tmp, "-jar",
                dir.resolve("glassfish-embedded-all.jar").toString(),
                // its summary after the start fails (NullPointerException in the main thread) on an application
                // without context root: the RAR
                "--noInfo",
                "--port=" + httpPort,
                "--configs.config.server-config.network-config.network-listeners.network-listener.http-listener"
                        + ".address=127.0.0.1",
                "--configs.config.server-config.connector-service.class-loading-policy=global",
                // how long its shutdown waits for a resource adapter's stop() (default 30 s), see the class comment
                "--configs.config.server-config.connector-service.shutdown-timeout-in-seconds=3");
        deployments.forEach(d -> cmd.add(d.toString()));
        return cmd;
    }

    @Override
    protected boolean isReady(String output, List<Path> deployments) {
        if (output.contains(FAILED)) {
            throw new AssertionError("GlassFish: " + FAILED + ":\n" + tail(output));
        }
        return output.contains("Application " + deployments.get(deployments.size() - 1).getFileName() + " deployed");
    }
}
