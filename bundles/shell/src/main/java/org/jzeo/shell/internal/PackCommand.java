package org.jzeo.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.osgi.framework.BundleContext;

/** {@code zeo:pack [-d days] [storage]}: packs a storage now or as of N days ago, like zeopack. */
@Command(scope = "zeo", name = "pack",
        description = "Packs a storage (the org.jzeo.api.Storage service with that name): removes the revisions "
                + "not current as of now, or as of N days ago with --days. Garbage collection follows the "
                + "storage's pack-gc setting. Waits until the pack is done.")
@Service
public class PackCommand implements Action {
    @Reference
    BundleContext context;

    @Option(name = "-d", aliases = "--days", description = "Pack as of this many days ago (default 0: now)")
    double days;

    @Argument(index = 0, name = "storage", required = false, description = "Storage name (default 1)")
    String storage = "1";

    @Override
    public Object execute() {
        Services.withStorage(context, storage, s -> {
            ZeoOps.pack(s, days, System.out);
            return null;
        });
        return null;
    }
}
