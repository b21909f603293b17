package org.jzeo.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * The machine's floor for the benchmark targets: raw fsync latency (a 4 KiB append then
 * {@code FileChannel.force(false)} — fdatasync, what FileStorage does per force — 1000 times) and
 * the loopback round trip (a 64-byte ping-pong over 127.0.0.1 with TCP_NODELAY, 20000 times after
 * 2000 warm-up rounds), and the thread hand-off round trip (two threads waking each other with
 * park/unpark, 100000 times after 10000 warm-up rounds): every hand-off between threads on a
 * request's path costs about half of it, which on a VM can dwarf the network stack.
 *
 * <pre>java -cp benchmarks/target/jzeo-benchmarks.jar org.jzeo.benchmarks.SystemLatency [DIR]</pre>
 */
public final class SystemLatency {
    private SystemLatency() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : System.getProperty("java.io.tmpdir"));
        fsync(dir);
        loopback();
        handoff();
    }

    private static volatile int turn;

    private static void handoff() throws InterruptedException {
        Thread main = Thread.currentThread();
        int warm = 10_000;
        long[] lat = new long[100_000];
        Thread other = new Thread(() -> {
            for (int i = -warm; i < lat.length; i++) {
                while (turn != 1) {
                    LockSupport.park();
                }
                turn = 0;
                LockSupport.unpark(main);
            }
        }, "handoff");
        other.setDaemon(true);
        other.start();
        for (int i = -warm; i < lat.length; i++) {
            long t0 = System.nanoTime();
            turn = 1;
            LockSupport.unpark(other);
            while (turn != 0) {
                LockSupport.park();
            }
            if (i >= 0) {
                lat[i] = System.nanoTime() - t0;
            }
        }
        other.join(10_000);
        print("thread_handoff_rtt", lat);
    }

    private static void fsync(Path dir) throws IOException {
        Path f = Files.createTempFile(dir, "fsync", ".bin");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer b = ByteBuffer.allocate(4096);
            long[] lat = new long[1000];
            for (int i = -50; i < lat.length; i++) {
                b.clear();
                long t0 = System.nanoTime();
                ch.write(b);
                ch.force(false);
                if (i >= 0) {
                    lat[i] = System.nanoTime() - t0;
                }
            }
            print("fsync_4k", lat);
        } finally {
            Files.deleteIfExists(f);
        }
    }

    private static void loopback() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread echo = new Thread(() -> {
                try (Socket s = ss.accept()) {
                    s.setTcpNoDelay(true);
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    byte[] buf = new byte[64];
                    while (true) {
                        int n = in.readNBytes(buf, 0, 64);
                        if (n < 64) {
                            return;
                        }
                        out.write(buf);
                    }
                } catch (IOException e) {
                    // done
                }
            }, "echo");
            echo.setDaemon(true);
            echo.start();
            try (Socket c = new Socket()) {
                c.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), ss.getLocalPort()), 5000);
                c.setTcpNoDelay(true);
                InputStream in = c.getInputStream();
                OutputStream out = c.getOutputStream();
                byte[] buf = new byte[64];
                long[] lat = new long[20_000];
                for (int i = -2000; i < lat.length; i++) {
                    long t0 = System.nanoTime();
                    out.write(buf);
                    in.readNBytes(buf, 0, 64);
                    if (i >= 0) {
                        lat[i] = System.nanoTime() - t0;
                    }
                }
                print("loopback_rtt", lat);
            }
        }
    }

    private static void print(String name, long[] lat) {
        long[] s = lat.clone();
        Arrays.sort(s);
        double mean = Arrays.stream(s).average().orElse(0) / 1e3;
        System.out.printf(Locale.ROOT, "%s_p50 %.1f us%n%s_p99 %.1f us%n%s_mean %.1f us%n", name,
                s[s.length / 2] / 1e3, name, s[(int) (s.length * 0.99)] / 1e3, name, mean);
    }
}
