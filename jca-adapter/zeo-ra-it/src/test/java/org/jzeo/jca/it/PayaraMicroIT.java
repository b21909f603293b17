package org.jzeo.jca.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The checks of {@link AbstractJakartaServerIT} against Payara Micro 6, started as a separate process from its
 * Maven artifact ({@code target/it/payara-micro.jar}), bound to 127.0.0.1.
 */
class PayaraMicroIT extends AbstractJakartaServerIT {
    PayaraMicroIT() {
        super("Payara Micro", "payara");
    }

    @Override
    protected List<String> serverCommand(Path dir, int httpPort, List<Path> deployments) throws IOException {
        Path preboot = dir.resolve("preboot.txt");
        Files.writeString(preboot, "set configs.config.server-config.network-config.network-listeners."
                + "network-listener.http-listener.address=127.0.0.1\n");
        List<String> cmd = javaCommand("-jar", dir.resolve("payara-micro.jar").toString(),
                "--nohazelcast", "--port", String.valueOf(httpPort), "--rootdir", dir.resolve("payara-root").toString(),
                "--prebootcommandfile", preboot.toString());
        for (Path d : deployments) {
            cmd.addAll(List.of("--deploy", d.toString()));
        }
        return cmd;
    }

    @Override
    protected boolean isReady(String output, List<Path> deployments) {
        return output.contains("ready in"); // P19: requests before this line may find the adapter not yet initialised
    }
}
