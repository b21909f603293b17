package org.jzeo.jca.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jzeo.client.ClientConfig;
import org.jzeo.client.ClientStorage;

/**
 * The backends of one resource adapter instance, one per configuration, opened on first use and
 * closed when the adapter stops. Managed connection factories without an adapter (non-managed use
 * without {@link ZeoResourceAdapter}) use {@link #FALLBACK}, which lives as long as the JVM.
 */
final class BackendRegistry {
    /** For factories used without a resource adapter. */
    static final BackendRegistry FALLBACK = new BackendRegistry(ClientStorage::open);

    private final Map<ZeoBackend.Key, ZeoBackend> backends = new HashMap<>();
    private final Function<ClientConfig, ClientStorage> opener;
    private boolean closed;

    BackendRegistry(Function<ClientConfig, ClientStorage> opener) {
        this.opener = opener;
    }

    /** The backend of this configuration, opening it (and connecting, up to the wait timeout) if needed. */
    synchronized ZeoBackend get(ZeoBackend.Key key) {
        if (closed) {
            throw new IllegalStateException("the resource adapter is stopped");
        }
        ZeoBackend b = backends.get(key);
        if (b == null || b.isClosed()) {
            b = new ZeoBackend(key, opener);
            backends.put(key, b);
        }
        return b;
    }

    synchronized List<ZeoBackend> all() {
        return new ArrayList<>(backends.values());
    }

    /** Closes every backend. */
    void close() {
        List<ZeoBackend> list;
        synchronized (this) {
            closed = true;
            list = new ArrayList<>(backends.values());
            backends.clear();
        }
        list.forEach(ZeoBackend::close);
    }
}
