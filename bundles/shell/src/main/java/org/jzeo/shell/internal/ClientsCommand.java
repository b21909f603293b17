package org.jzeo.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.osgi.framework.BundleContext;

/** {@code zeo:clients}: how many clients are registered on each served storage. */
@Command(scope = "zeo", name = "clients",
        description = "Shows how many clients are registered on each storage of the running jzeo servers "
                + "(the 'connections' counter of server_status). Per-client detail (address, protocol, "
                + "last request) comes in a later version.")
@Service
public class ClientsCommand implements Action {
    @Reference
    BundleContext context;

    @Override
    public Object execute() {
        ZeoOps.printClients(Services.servers(context), System.out);
        return null;
    }
}
