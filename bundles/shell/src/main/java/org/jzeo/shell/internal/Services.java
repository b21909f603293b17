package org.jzeo.shell.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jzeo.api.Storage;
import org.jzeo.server.StorageServer;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/** Looks up the servers and storages the jzeo components registered. */
final class Services {
    private Services() {
    }

    /** Every running server (the {@code org.jzeo.server.StorageServer} services). */
    static List<ZeoOps.Served> servers(BundleContext context) {
        List<ZeoOps.Served> out = new ArrayList<>();
        try {
            for (ServiceReference<StorageServer> ref : context.getServiceReferences(StorageServer.class, null)) {
                StorageServer s = context.getService(ref);
                if (s == null) {
                    continue;
                }
                try {
                    Object names = ref.getProperty("storages");
                    List<String> storages = names instanceof String[] a ? Arrays.asList(a) : List.of(String.valueOf(names));
                    out.add(new ZeoOps.Served(s, String.valueOf(ref.getProperty("address")), storages));
                } finally {
                    // The server object stays usable for the command's short life; the
                    // component owns it, so releasing the service use here is safe.
                    context.ungetService(ref);
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** Runs {@code action} with the storage service named {@code name}. */
    static <T> T withStorage(BundleContext context, String name, java.util.function.Function<Storage, T> action) {
        if (name.contains(")") || name.contains("(") || name.contains("*") || name.contains("\\")) {
            throw new IllegalArgumentException("bad storage name: " + name);
        }
        try {
            for (ServiceReference<Storage> ref : context.getServiceReferences(Storage.class, "(name=" + name + ")")) {
                Storage s = context.getService(ref);
                if (s != null) {
                    try {
                        return action.apply(s);
                    } finally {
                        context.ungetService(ref);
                    }
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException("bad storage name: " + name, e);
        }
        throw new IllegalArgumentException("no storage named " + name);
    }
}
