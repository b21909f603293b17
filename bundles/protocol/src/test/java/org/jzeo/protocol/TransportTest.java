package org.jzeo.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class TransportTest {
    @AfterEach
    void clearProperty() {
        System.clearProperty(Transport.PROPERTY);
    }

    @Test
    void nioWhenAsked() {
        System.setProperty(Transport.PROPERTY, "NIO");
        assertEquals(Transport.NIO, Transport.forTcp());
        assertEquals(NioSocketChannel.class, Transport.NIO.socketChannel());
    }

    @Test
    void anUnknownValueIsAClearError() {
        System.setProperty(Transport.PROPERTY, "kqueue");
        IllegalStateException e = assertThrows(IllegalStateException.class, Transport::forTcp);
        assertTrue(e.getMessage().contains("auto, nio or epoll"), e.getMessage());
    }

    /** Where Netty's native epoll loads (Linux x86-64: the build ships the library), it is the default. */
    @Test
    @EnabledOnOs(value = OS.LINUX, architectures = {"amd64", "x86_64"})
    void epollByDefaultWhereItLoads() {
        Assumptions.assumeTrue(io.netty.channel.epoll.Epoll.isAvailable(),
                () -> "epoll does not load here: " + io.netty.channel.epoll.Epoll.unavailabilityCause());
        assertEquals(Transport.EPOLL, Transport.forTcp());
        System.setProperty(Transport.PROPERTY, "epoll");
        assertEquals(EpollSocketChannel.class, Transport.forTcp().socketChannel());
    }
}
