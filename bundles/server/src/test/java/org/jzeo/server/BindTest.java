package org.jzeo.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import org.jzeo.protocol.Transport;
import org.jzeo.storage.MemoryStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A busy address is one clear sentence whichever transport binds (NIO and epoll fail differently). */
class BindTest {
    @AfterEach
    void clearProperty() {
        System.clearProperty(Transport.PROPERTY);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nio", "epoll"})
    void aBusyPortIsAClearError(String transport) throws Exception {
        System.setProperty(Transport.PROPERTY, transport);
        try {
            Transport.forTcp();
        } catch (IllegalStateException e) {
            Assumptions.abort("not on this platform: " + e.getMessage());
        }
        MemoryStorage storage = MemoryStorage.create("1");
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            StorageServer server = new StorageServer(ServerConfig.builder()
                    .address("127.0.0.1:" + busy.getLocalPort()).build(), Map.of("1", storage));
            UncheckedIOException e = assertThrows(UncheckedIOException.class, server::start);
            assertEquals("cannot listen on 127.0.0.1:" + busy.getLocalPort() + ": address already in use or not available",
                    e.getCause().getMessage());
            server.close();
        } finally {
            storage.close();
        }
    }
}
