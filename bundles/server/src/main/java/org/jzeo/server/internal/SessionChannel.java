package org.jzeo.server.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jzeo.protocol.Message;

/**
 * What a {@link ZeoSession} needs of its connection. All session state is confined to
 * {@link #executor()} (the connection's event loop, rule S1); {@link #write} and {@link #flush}
 * are only called there.
 */
interface SessionChannel {
    /** The thread that owns the session. */
    Executor executor();

    /** Queues a message for sending (no flush). */
    void write(Message message);

    /** Sends what was written. */
    void flush();

    /** Closes the connection; the session's {@code closed()} follows. */
    void close();

    /** Runs {@code task} on the executor after a delay. */
    Future<?> schedule(Runnable task, long delay, TimeUnit unit);

    /** The peer, for log lines. */
    String remote();
}
