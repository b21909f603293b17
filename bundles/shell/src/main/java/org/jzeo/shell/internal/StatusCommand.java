package org.jzeo.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.osgi.framework.BundleContext;

/** {@code zeo:status [storage]}: the server_status counters of each served storage. */
@Command(scope = "zeo", name = "status",
        description = "Shows the server_status counters (connections, loads, stores, commits, aborts, conflicts, "
                + "lock time, last transaction) of each storage served by the running jzeo servers.")
@Service
public class StatusCommand implements Action {
    @Reference
    BundleContext context;

    @Argument(index = 0, name = "storage", required = false, description = "Only this storage")
    String storage;

    @Override
    public Object execute() {
        ZeoOps.printStatus(Services.servers(context), storage, System.out);
        return null;
    }
}
