package org.jzeo.protocol.internal;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;

/**
 * The only class that names Netty's epoll types, so everything else loads where they are absent
 * (an OSGi framework without the native bundle, a platform other than Linux).
 */
public final class NativeEpoll {
    private static final String REASON = probe();

    private NativeEpoll() {
    }

    private static String probe() {
        try {
            Class.forName("io.netty.channel.epoll.Epoll", false, NativeEpoll.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return "Netty's epoll classes are not on the class path";
        }
        try {
            if (io.netty.channel.epoll.Epoll.isAvailable()) {
                return null;
            }
            Throwable cause = io.netty.channel.epoll.Epoll.unavailabilityCause();
            return cause == null ? "unknown" : cause.toString();
        } catch (LinkageError e) {
            return e.toString();
        }
    }

    /** Null when epoll can be used, else why not. */
    public static String unavailabilityReason() {
        return REASON;
    }

    public static IoHandlerFactory ioHandlerFactory() {
        return io.netty.channel.epoll.EpollIoHandler.newFactory();
    }

    public static Class<? extends ServerChannel> serverSocketChannel() {
        return io.netty.channel.epoll.EpollServerSocketChannel.class;
    }

    public static Class<? extends Channel> socketChannel() {
        return io.netty.channel.epoll.EpollSocketChannel.class;
    }
}
