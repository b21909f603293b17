package org.jzeo.server.internal;

import io.netty.channel.Channel;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jzeo.protocol.Message;

/** A {@link SessionChannel} over a Netty channel; the executor is the channel's event loop. */
final class NettySessionChannel implements SessionChannel {
    private final Channel channel;

    NettySessionChannel(Channel channel) {
        this.channel = channel;
    }

    @Override
    public Executor executor() {
        return channel.eventLoop();
    }

    @Override
    public void write(Message message) {
        channel.write(message, channel.voidPromise());
    }

    @Override
    public void flush() {
        channel.flush();
    }

    @Override
    public void close() {
        channel.close();
    }

    @Override
    public Future<?> schedule(Runnable task, long delay, TimeUnit unit) {
        return channel.eventLoop().schedule(task, delay, unit);
    }

    @Override
    public String remote() {
        return String.valueOf(channel.remoteAddress());
    }
}
