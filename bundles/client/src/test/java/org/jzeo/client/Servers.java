package org.jzeo.client;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jzeo.api.Storage;
import org.jzeo.server.ServerConfig;
import org.jzeo.server.StorageServer;

/** Test helpers: in-process jzeo servers and condition waits (no fixed sleeps). */
final class Servers {
    private Servers() {
    }

    static StorageServer start(Storage storage) {
        return start(storage, "127.0.0.1:0", false, true, 100);
    }

    static StorageServer start(Storage storage, String address, boolean readOnly, boolean msgpack, int queue) {
        return new StorageServer(ServerConfig.builder().address(address).readOnly(readOnly).msgpack(msgpack)
                .invalidationQueueSize(queue).build(), Map.of("1", storage)).start();
    }

    static String addr(StorageServer s) {
        return "127.0.0.1:" + s.port();
    }

    /** A quick-polling configuration for tests. */
    static ClientConfig.Builder config(String... addresses) {
        return ClientConfig.builder(addresses).minDisconnectPoll(Duration.ofMillis(20))
                .maxDisconnectPoll(Duration.ofMillis(200)).waitTimeout(Duration.ofSeconds(10));
    }

    static ClientStorage client(TestCaches caches, ClientConfig config) {
        return new ClientStorage(config, RuleSwitches.NONE, caches);
    }

    /** Waits up to 10 s for {@code condition}. */
    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
