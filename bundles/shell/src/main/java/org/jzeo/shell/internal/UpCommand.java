package org.jzeo.shell.internal;

import java.time.Duration;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code zeo:up [-s storage] [address]}: checks that a ZEO server answers, like zeoup. */
@Command(scope = "zeo", name = "up",
        description = "Connects to a ZEO server (this one or any other, Python ZEO included), does the handshake, "
                + "registers read-only on a storage and asks for its last transaction; fails if it does not answer.")
@Service
public class UpCommand implements Action {
    @Option(name = "-s", aliases = "--storage", description = "Storage name (default 1)")
    String storage = "1";

    @Option(name = "-t", aliases = "--timeout", description = "Seconds to wait for each answer (default 5)")
    int timeout = 5;

    @Argument(index = 0, name = "address", required = false, description = "host:port (default 127.0.0.1:8100)")
    String address = "127.0.0.1:8100";

    @Override
    public Object execute() throws Exception {
        System.out.println(ZeoOps.up(address, storage, Duration.ofSeconds(timeout)));
        return null;
    }
}
