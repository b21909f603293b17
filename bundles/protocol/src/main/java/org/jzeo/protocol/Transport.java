package org.jzeo.protocol;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.Locale;
import org.jzeo.protocol.internal.NativeEpoll;

/**
 * The Netty transport of TCP connections, for jzeo's server and client alike: Linux's native epoll
 * when Netty's native library loads here (fewer system calls and cheaper cross-thread wake-ups per
 * round trip than the JDK selector, which is most of a cold load's time), else NIO. Unix-domain
 * sockets always use NIO, with the JDK's {@code UnixDomainSocketAddress}.
 *
 * <p>The system property {@code jzeo.transport} ({@code auto}, the default, {@code nio} or
 * {@code epoll}) overrides the choice; {@code epoll} where it cannot load fails with the reason.
 * An event loop group and the channels it hosts must come from the same transport.
 */
public enum Transport {
    /** The JDK selector: everywhere. */
    NIO,
    /** Netty's native epoll: Linux, with the {@code netty-transport-native-epoll} library present. */
    EPOLL;

    /** The property that overrides the choice. */
    public static final String PROPERTY = "jzeo.transport";

    /**
     * The transport for TCP connections here.
     *
     * @throws IllegalStateException when {@code jzeo.transport=epoll} and epoll cannot load, or
     *                               the property has an unknown value
     */
    public static Transport forTcp() {
        String wanted = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        switch (wanted) {
            case "nio":
                return NIO;
            case "epoll":
                String why = NativeEpoll.unavailabilityReason();
                if (why != null) {
                    throw new IllegalStateException(PROPERTY + "=epoll, but epoll is not available: " + why);
                }
                return EPOLL;
            case "auto":
            case "":
                return NativeEpoll.unavailabilityReason() == null ? EPOLL : NIO;
            default:
                throw new IllegalStateException("unknown " + PROPERTY + " '" + wanted + "' (auto, nio or epoll)");
        }
    }

    /**
     * The transport for connections over a Unix socket (always NIO: the JDK's
     * {@code UnixDomainSocketAddress}) or over TCP ({@link #forTcp()}).
     *
     * @throws IllegalStateException as {@link #forTcp()}, for TCP
     */
    public static Transport forConnections(boolean unixSocket) {
        return unixSocket ? NIO : forTcp();
    }

    /** The I/O handler factory for a {@code MultiThreadIoEventLoopGroup} of this transport. */
    public IoHandlerFactory ioHandlerFactory() {
        return this == EPOLL ? NativeEpoll.ioHandlerFactory() : NioIoHandler.newFactory();
    }

    /** The listening TCP channel class. */
    public Class<? extends ServerChannel> serverSocketChannel() {
        return this == EPOLL ? NativeEpoll.serverSocketChannel() : NioServerSocketChannel.class;
    }

    /** The connecting TCP channel class. */
    public Class<? extends Channel> socketChannel() {
        return this == EPOLL ? NativeEpoll.socketChannel() : NioSocketChannel.class;
    }
}
