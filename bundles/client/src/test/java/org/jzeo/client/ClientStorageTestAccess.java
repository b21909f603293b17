package org.jzeo.client;

import org.jzeo.api.Storage;
import org.jzeo.server.StorageServer;

/** Lets tests in other packages build clients the way this package's tests do. */
public final class ClientStorageTestAccess {
    private final TestCaches caches = new TestCaches();

    /** Starts a jzeo server (msgpack) on {@code storage}. */
    public AutoCloseable startServer(Storage storage) {
        return Servers.start(storage);
    }

    /** A connected client of {@code server}. */
    public ClientStorage client(AutoCloseable server) {
        return Servers.client(caches, Servers.config(Servers.addr((StorageServer) server)).build());
    }
}
