package org.jzeo.client.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.jzeo.client.ClientDisconnected;
import org.jzeo.protocol.HandshakeHandler;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.MessageCodec;
import org.jzeo.protocol.ProtocolException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ZeoConnection} whose calling threads do their own I/O: a caller writes its request to
 * the socket and, while it waits, reads the socket itself, so a round trip costs no thread
 * hand-off on the client (a Netty client needs two: the request to the event loop, the reply back).
 *
 * <h2>The inbound role</h2>
 * At most one thread at a time reads the socket and handles what arrives: the holder of the
 * <em>inbound role</em> ({@link #role}). Whoever holds it handles every complete frame it has read,
 * in arrival order, before it lets the role go (rule C0: wire order holds whoever reads):
 * <ul>
 *   <li>A caller waiting for a reply takes the role if it is free and reads until its own reply is
 *       handled. Replies to other callers complete their futures and wake them (a follower waits
 *       parked, and takes the role when the holder lets it go).</li>
 *   <li>The connection's reader thread ({@code zeo-client-io-ADDRESS}) hears what arrives while
 *       nobody calls (invalidations, {@code info}). It waits in its own selector; when data comes
 *       and the role is free it takes it and reads. When a caller already holds the role, the
 *       reader stops watching the socket (so a busy caller's replies do not wake it each time) and
 *       naps, looking again every {@value #READER_NAP_MICROS} µs; it watches again once no call
 *       has started or ended for that long. An invalidation that arrives between two calls of a
 *       busy client is handled by its next call, or after at most two naps.</li>
 *   <li>{@link #runOnIoThread} queues a task that the role's holder runs between frames (or takes
 *       the role itself when it is free).</li>
 * </ul>
 * The role is never let go with a complete frame left unhandled in the read buffer (readiness
 * would not announce it again).
 *
 * <h2>Writes</h2>
 * Under {@link #writeLock}, by the calling thread; unflushed messages collect in one buffer and
 * leave with the next flush, as with Netty. A writer whose socket buffer is full reads for a
 * moment when the role is free, so a server that waits for us to read cannot deadlock us.
 */
final class DirectConnection extends ZeoConnection {
    private static final Logger LOG = LoggerFactory.getLogger(DirectConnection.class);
    static final long READER_NAP_MICROS = 1000;
    private static final long READER_NAP_NANOS = READER_NAP_MICROS * 1000;
    private static final int READ_BUFFER = 64 * 1024;
    private static final int WRITE_BUFFER_KEEP = 1024 * 1024;
    private static final long WRITE_POLL_MILLIS = 10;
    /** The longest a waiter parks before it looks again (a safety net: releases wake it). */
    private static final long PARK_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** "No timeout": about 146 years. */
    private static final long FOREVER_NANOS = Long.MAX_VALUE / 2;

    /** A call's result; wakes the thread waiting for it. */
    private static final class Reply extends CompletableFuture<Object> {
        volatile Thread waiter;

        @Override
        public boolean complete(Object value) {
            boolean r = super.complete(value);
            wake();
            return r;
        }

        @Override
        public boolean completeExceptionally(Throwable ex) {
            boolean r = super.completeExceptionally(ex);
            wake();
            return r;
        }

        private void wake() {
            Thread w = waiter;
            // not the reader completing its own call: a permit left behind would cut short the
            // thread's next park, e.g. one in a listener or in the application
            if (w != null && w != Thread.currentThread()) {
                LockSupport.unpark(w);
            }
        }
    }

    /** A thread parked until the role is free or what it waits for is done. */
    private record Waiter(Thread thread, java.util.function.BooleanSupplier satisfied) {
    }

    /** A task to run in the role, and who waits for it. */
    private static final class RoleTask {
        final Runnable task;
        final Thread submitter = Thread.currentThread();
        volatile boolean done;
        RuntimeException failure;

        RoleTask(Runnable task) {
            this.task = task;
        }
    }

    private final SocketChannel channel;
    private final int maxFrameSize;
    private final String protocol;
    private final MessageCodec codec;

    /** The thread holding the inbound role, or null. */
    private final AtomicReference<Thread> role = new AtomicReference<>();
    /** Threads parked until the role is let go (or their call is done). */
    private final Queue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private final Queue<RoleTask> tasks = new ConcurrentLinkedQueue<>();
    /** Selected only by the role's holder. */
    private final Selector roleSelector;
    /** Read buffer (in write mode; frames start at {@link #frameStart}); role only. */
    private ByteBuffer in = ByteBuffer.allocate(READ_BUFFER);
    private int frameStart;
    /** Whether closure was reported (pending failed, callbacks told); role only. */
    private boolean closeReported;

    private final Object writeLock = new Object();
    /** Unflushed outbound frames; under {@link #writeLock}. */
    private ByteBuf out = Unpooled.buffer(4096);
    /** Lazily made selector for a full socket buffer; under {@link #writeLock}. */
    private Selector writeSelector;
    private volatile long lastWriteNanos = System.nanoTime();
    /** The heartbeat rule: after this long without a write, the reader sends a heartbeat. */
    private final long heartbeatNanos;

    private final Selector readerSelector;
    private final SelectionKey readerKey;
    private final Thread reader;
    /** When a call last started or a caller last let the role go (the reader's nap rule). */
    private volatile long lastActivityNanos;
    private volatile boolean closed;
    /** Whether {@link #close()} was called (a read failing after it is expected, not a warning). */
    private volatile boolean closedByOwner;

    private DirectConnection(SocketChannel channel, Address address, int maxFrameSize, Callbacks callbacks,
            Duration timeout, Duration heartbeat) throws IOException {
        super(address, callbacks);
        this.channel = channel;
        this.heartbeatNanos = heartbeat.toNanos();
        this.maxFrameSize = maxFrameSize;
        channel.configureBlocking(false);
        this.roleSelector = Selector.open();
        Selector rs = null;
        try {
            channel.register(roleSelector, SelectionKey.OP_READ);
            this.protocol = handshake(System.nanoTime() + timeout.toNanos());
            this.codec = MessageCodec.forProtocol(protocol);
            rs = Selector.open();
            this.readerKey = channel.register(rs, SelectionKey.OP_READ);
        } catch (IOException | RuntimeException e) {
            closeQuietly(rs);
            closeQuietly(roleSelector);
            throw e;
        }
        this.readerSelector = rs;
        this.reader = new Thread(this::readLoop, "zeo-client-io-" + address);
        reader.setDaemon(true);
    }

    /**
     * Connects and completes the handshake within {@code timeout}.
     *
     * @throws ClientDisconnected when the server cannot be reached in time, or refuses us
     */
    static DirectConnection connect(Address address, int maxFrameSize, Duration timeout, Duration heartbeat,
            Callbacks callbacks) {
        SocketChannel ch = null;
        try {
            if (address.isUnix()) {
                ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(address.socketAddress());
            } else {
                ch = SocketChannel.open();
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.socket().connect(address.socketAddress(), (int) Math.max(1, Math.min(Integer.MAX_VALUE,
                        timeout.toMillis())));
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            throw new ClientDisconnected("cannot connect to " + address + ": " + e, e);
        }
        DirectConnection c;
        try {
            c = new DirectConnection(ch, address, maxFrameSize, callbacks, timeout, heartbeat);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            throw new ClientDisconnected("no ZEO 5 handshake from " + address + ": " + e, e);
        }
        c.reader.start();
        return c;
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                // closing anyway
            }
        }
    }

    /** Reads the server's protocol frame and echoes the agreed one (wire spec §3). */
    private String handshake(long deadline) throws IOException {
        byte[] p = null;
        while (p == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IOException("timed out");
            }
            roleSelector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            roleSelector.selectedKeys().clear();
            if (channel.read(in) < 0) {
                throw new EOFException("connection closed before the handshake");
            }
            if (in.position() >= 4) {
                long len = Integer.toUnsignedLong(in.getInt(0));
                if (len == 0 || len > 64) {
                    throw new ProtocolException("bad handshake frame length " + len);
                }
                if (in.position() >= 4 + len) {
                    p = Arrays.copyOfRange(in.array(), 4, 4 + (int) len);
                    if (in.position() > 4 + len) {
                        throw new ProtocolException("the server sent more than its protocol before our reply");
                    }
                    in.clear();
                }
            }
        }
        String agreed = HandshakeHandler.clientProtocol(p);
        byte[] a = agreed.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(4 + a.length).putInt(a.length).put(a).flip();
        while (b.hasRemaining()) {
            if (channel.write(b) == 0) {
                Thread.onSpinWait();
            }
        }
        return agreed;
    }

    @Override
    public String protocol() {
        return protocol;
    }

    @Override
    public boolean inIoThread() {
        return role.get() == Thread.currentThread();
    }

    @Override
    public boolean isOpen() {
        return !closed && channel.isOpen();
    }

    @Override
    CompletableFuture<Object> newFuture() {
        return new Reply();
    }

    // ---- the inbound role ----

    private boolean tryTakeRole() {
        return role.get() == null && role.compareAndSet(null, Thread.currentThread());
    }

    /** Lets the role go and wakes one thread that still needs it, which takes it. */
    private void releaseRole() {
        role.set(null);
        wakeSuccessor();
    }

    /**
     * Wakes the first waiter whose call is not done yet (one, not all: the others would only find
     * the role taken again). A waiter leaves after registering and re-checking the role, and the
     * releaser writes the role before it looks at the waiters, so a release never misses a waiter
     * that parks. A waiter that gives up (deadline, interrupt) wakes the next one in turn.
     */
    private void wakeSuccessor() {
        for (Waiter w : waiters) {
            if (!w.satisfied().getAsBoolean()) {
                LockSupport.unpark(w.thread());
                return;
            }
        }
    }

    /**
     * Parks the current thread until the role may be free, {@code until} is done or the deadline
     * passed: registered as a waiter first, so a release after the re-check still wakes it.
     */
    private void parkForRole(CompletableFuture<?> until, long deadline) {
        Waiter me = new Waiter(Thread.currentThread(), until::isDone);
        waiters.add(me);
        try {
            if (until.isDone() || role.get() == null) {
                return;
            }
            // bounded: a safety net only, every release wakes a successor
            LockSupport.parkNanos(this, Math.min(deadline - System.nanoTime(), PARK_SLICE_NANOS));
        } finally {
            waiters.remove(me);
        }
        if (Thread.interrupted()) {
            Thread.currentThread().interrupt();
            throw new ClientDisconnected("interrupted while waiting for a reply from " + address);
        }
    }

    @Override
    public boolean awaitDone(CompletableFuture<Object> f, Duration timeout) {
        // no timeout: a deadline far enough away (compared by difference, as nanoTime wants)
        long deadline = System.nanoTime() + (timeout == null ? FOREVER_NANOS : timeout.toNanos());
        if (f instanceof Reply r) {
            r.waiter = Thread.currentThread();
        }
        try {
            while (!f.isDone()) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new ClientDisconnected("interrupted while waiting for a reply from " + address);
                }
                if (System.nanoTime() - deadline >= 0) {
                    return false;
                }
                if (tryTakeRole()) {
                    try {
                        lead(f, deadline);
                    } finally {
                        lastActivityNanos = System.nanoTime();
                        releaseRole();
                    }
                    if (closed && !f.isDone()) {
                        // not a pending call (any pending one was failed at closure)
                        f.completeExceptionally(new ClientDisconnected("connection to " + address + " is closed"));
                    }
                } else {
                    parkForRole(f, deadline);
                }
            }
            return true;
        } finally {
            if (role.get() == null) {
                wakeSuccessor(); // we may have been woken to take the role, and leave without it
            }
        }
    }

    /** In the role: reads and handles frames until {@code f} is done, the deadline or closure. */
    private void lead(CompletableFuture<?> f, long deadline) {
        try {
            while (!f.isDone() && !Thread.currentThread().isInterrupted()) {
                runTasks();
                if (closed) {
                    reportClosed(null);
                    return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                // select first: the reply cannot be there yet right after the request left
                roleSelector.select(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 1000)));
                roleSelector.selectedKeys().clear();
                pump();
            }
            runTasks();
        } catch (Throwable e) {
            failInRole(e);
        }
    }

    /**
     * In the role: reading or handling failed. The read buffer's state is unknown (a frame may be
     * half handled), so the connection goes; an Error is rethrown after.
     */
    private void failInRole(Throwable e) {
        reportClosed(e);
        if (e instanceof Error err) {
            throw err;
        }
    }

    /**
     * In the role: reads what the socket has and handles every complete frame, in order.
     *
     * @return the bytes read
     * @throws IOException at end of stream or on an I/O or protocol error
     */
    private int pump() throws IOException {
        int total = 0;
        while (true) {
            int n = channel.read(in);
            if (n < 0) {
                throw new EOFException("the server closed the connection");
            }
            if (n == 0) {
                return total;
            }
            total += n;
            handleFrames();
            if (in.hasRemaining()) {
                return total; // a short read: the socket is drained for now (readiness tells of more)
            }
        }
    }

    /** Handles the complete frames in the buffer and makes room for the next read. */
    private void handleFrames() {
        while (in.position() - frameStart >= 4) {
            long len = Integer.toUnsignedLong(in.getInt(frameStart));
            if (len > maxFrameSize) {
                throw new ProtocolException("frame length prefix " + len + " exceeds the maximum message size "
                        + maxFrameSize);
            }
            if (len == 0) {
                throw new ProtocolException("zero-length frame (protocol error)");
            }
            if (in.position() - frameStart - 4 < len) {
                ensureRoom(4 + (int) len);
                return;
            }
            Message m = codec.decode(Unpooled.wrappedBuffer(in.array(), frameStart + 4, (int) len));
            frameStart += 4 + (int) len;
            if (closed) {
                return; // closed by our owner: nothing more is handled (see awaitTermination)
            }
            received(m);
        }
        ensureRoom(4);
    }

    /** Makes room to hold a frame of {@code frameBytes} from {@link #frameStart}. */
    private void ensureRoom(int frameBytes) {
        int have = in.position() - frameStart;
        if (have == 0) {
            if (in.capacity() > READ_BUFFER) {
                in = ByteBuffer.allocate(READ_BUFFER); // a big frame has passed
            } else {
                in.clear();
            }
            frameStart = 0;
            return;
        }
        if (frameStart + frameBytes <= in.capacity() && in.hasRemaining()) {
            return;
        }
        // move the partial frame to the front (of a bigger buffer if it does not fit)
        ByteBuffer next = frameBytes > in.capacity() ? ByteBuffer.allocate(Math.max(frameBytes, READ_BUFFER)) : in;
        System.arraycopy(in.array(), frameStart, next.array(), 0, have);
        next.limit(next.capacity());
        next.position(have);
        in = next;
        frameStart = 0;
    }

    /** In the role: runs the queued {@link #runOnIoThread} tasks. */
    private void runTasks() {
        RoleTask t;
        while ((t = tasks.poll()) != null) {
            try {
                t.task.run();
            } catch (RuntimeException e) {
                t.failure = e;
            }
            t.done = true;
            LockSupport.unpark(t.submitter);
        }
    }

    /** In the role: the connection is gone; fails pending calls and tells the owner, once. */
    private void reportClosed(Throwable cause) {
        closed = true;
        closeQuietly(channel);
        if (closeReported) {
            return;
        }
        closeReported = true;
        if (cause != null && !(cause instanceof EOFException) && !closedByOwner) {
            LOG.warn("{}: {}; closing the connection", address, cause.toString());
        } else {
            LOG.debug("{}: connection closed", address);
        }
        LockSupport.unpark(reader);
        readerSelector.wakeup();
        failPending();
        try {
            callbacks.closed(this);
        } catch (RuntimeException e) {
            LOG.error("{}: the closed callback failed", address, e);
        }
        runTasks();
    }

    @Override
    public void runOnIoThread(Runnable task) {
        if (inIoThread()) {
            task.run();
            return;
        }
        RoleTask t = new RoleTask(task);
        tasks.add(t);
        roleSelector.wakeup(); // a holder waiting in select runs it now
        while (!t.done) {
            if (tryTakeRole()) {
                try {
                    runTasks();
                    if (closed) {
                        reportClosed(null);
                    }
                } finally {
                    releaseRole();
                }
            } else {
                Waiter me = new Waiter(Thread.currentThread(), () -> t.done);
                waiters.add(me);
                try {
                    if (!t.done && role.get() != null) {
                        LockSupport.parkNanos(this, PARK_SLICE_NANOS);
                    }
                } finally {
                    waiters.remove(me);
                }
            }
        }
        if (t.failure != null) {
            throw t.failure;
        }
    }

    // ---- the reader thread ----

    private void readLoop() {
        boolean watching = true;
        try {
            while (!closed) {
                if (watching) {
                    long untilHeartbeat = heartbeatNanos - (System.nanoTime() - lastWriteNanos);
                    int ready = readerSelector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(untilHeartbeat)));
                    readerSelector.selectedKeys().clear();
                    if (closed) {
                        break;
                    }
                    heartbeatIfDue();
                    if (ready == 0 && tasks.isEmpty()) {
                        continue;
                    }
                    if (tryTakeRole()) {
                        try {
                            runTasks();
                            pump();
                            runTasks();
                        } catch (Throwable e) {
                            failInRole(e);
                        } finally {
                            releaseRole();
                        }
                    } else {
                        // a caller reads: stop watching until the connection is quiet again
                        readerKey.interestOps(0);
                        watching = false;
                    }
                } else {
                    LockSupport.parkNanos(this, READER_NAP_NANOS);
                    Thread.interrupted();
                    if (closed) {
                        break;
                    }
                    heartbeatIfDue();
                    if (role.get() == null && System.nanoTime() - lastActivityNanos >= READER_NAP_NANOS) {
                        readerKey.interestOps(SelectionKey.OP_READ);
                        watching = true;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: reader failed: {}", address, e.toString());
            closed = true;
        } finally {
            closed = true;
            closeQuietly(channel);
            // report in the role, after any caller holding it has noticed
            while (!tryTakeRole()) {
                roleSelector.wakeup();
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(1));
                Thread.interrupted();
            }
            try {
                reportClosed(null);
            } finally {
                releaseRole();
            }
            closeQuietly(readerSelector);
            closeQuietly(roleSelector);
            synchronized (writeLock) {
                closeQuietly(writeSelector);
            }
        }
    }

    private void heartbeatIfDue() {
        if (System.nanoTime() - lastWriteNanos >= heartbeatNanos) {
            try {
                send(true, Message.HEARTBEAT, "heartbeat");
            } catch (ClientDisconnected e) {
                // the read side reports it
            }
        }
    }

    // ---- writes ----

    @Override
    public void flush() {
        synchronized (writeLock) {
            try {
                flushLocked();
            } catch (IOException e) {
                close();
                throw new ClientDisconnected("writing to " + address + " failed", e);
            }
        }
    }

    @Override
    void send(boolean flush, Message m, String method) {
        if (closed) {
            throw new ClientDisconnected("connection to " + address + " is closed");
        }
        if (!m.isAsync() && !m.isReply()) {
            lastActivityNanos = System.nanoTime();
        }
        synchronized (writeLock) {
            int start = out.writerIndex();
            out.writeInt(0);
            try {
                codec.encode(m, out);
            } catch (RuntimeException e) {
                out.writerIndex(start);
                throw e;
            }
            out.setInt(start, out.writerIndex() - start - 4);
            if (flush) {
                try {
                    flushLocked();
                } catch (IOException e) {
                    close();
                    throw new ClientDisconnected("sending " + method + " to " + address + " failed", e);
                }
            }
        }
    }

    private void flushLocked() throws IOException {
        if (!out.isReadable()) {
            return;
        }
        ByteBuffer b = out.nioBuffer();
        while (b.hasRemaining()) {
            if (closed) {
                throw new IOException("connection closed");
            }
            if (channel.write(b) == 0) {
                awaitWritable();
            }
        }
        if (out.capacity() > WRITE_BUFFER_KEEP) {
            out = Unpooled.buffer(4096); // a big transaction has left
        } else {
            out.clear();
        }
        lastWriteNanos = System.nanoTime();
    }

    /** The socket buffer is full: waits for room, reading meanwhile when nobody else does. */
    private void awaitWritable() throws IOException {
        if (writeSelector == null) {
            writeSelector = Selector.open();
            channel.register(writeSelector, SelectionKey.OP_WRITE);
        }
        if (writeSelector.select(WRITE_POLL_MILLIS) > 0) {
            writeSelector.selectedKeys().clear();
            return;
        }
        if (tryTakeRole()) {
            try {
                pump();
            } catch (Throwable e) {
                failInRole(e);
            } finally {
                releaseRole();
            }
        }
    }

    @Override
    public void awaitTermination(Duration timeout) {
        if (Thread.currentThread() == reader || inIoThread()) {
            return;
        }
        try {
            reader.join(Math.max(1, timeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (reader.isAlive()) {
            LOG.warn("{}: the reader thread did not stop within {}", address, timeout);
        }
    }

    @Override
    public void close() {
        closedByOwner = true;
        closed = true;
        closeQuietly(channel);
        roleSelector.wakeup();
        readerSelector.wakeup();
        LockSupport.unpark(reader);
    }
}
