package org.jzeo.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.osgi.framework.BundleContext;

/** {@code zeo:clients}: the clients registered on each served storage. */
@Command(scope = "zeo", name = "clients",
        description = "Shows the clients registered on each storage of the running jzeo servers: their "
                + "number, then per client its address, label, read-only registration, open transaction and "
                + "connection time.")
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
