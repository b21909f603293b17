package org.jzeo.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.MessageCodec;
import org.jzeo.protocol.Tuple;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * MessageCodec encode and decode of the messages that dominate ZEO traffic, in both flavours:
 * <ul>
 *   <li>{@code loadBeforeReply}: the reply {@code (data, start, None)} with a 500-byte record;</li>
 *   <li>{@code storea}: the one-way call {@code storea(oid, serial, data, txn)} with 500 bytes;</li>
 *   <li>{@code invalidate}: {@code invalidateTransaction(tid, [10 oids])};</li>
 *   <li>{@code loadBefore}: the call {@code loadBefore(oid, tid)}.</li>
 * </ul>
 * Encoding appends to a reused heap buffer (as the server's pipeline does); decoding reads a
 * prepared payload.
 *
 * <pre>java -jar benchmarks/target/jzeo-benchmarks.jar CodecBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class CodecBenchmark {
    @Param({"M5", "Z5"})
    public String protocol;

    @Param({"loadBeforeReply", "storea", "invalidate", "loadBefore"})
    public String message;

    private MessageCodec codec;
    private Message msg;
    private byte[] payload;
    private ByteBuf out;
    private ByteBuf in;

    @Setup(Level.Trial)
    public void setUp() {
        codec = MessageCodec.forProtocol(protocol);
        byte[] record = new byte[500];
        new Random(1).nextBytes(record);
        Tid start = Tid.fromHex("03f8e1c2a4b5c6d7");
        Oid oid = Oid.of(123456);
        msg = switch (message) {
            case "loadBeforeReply" -> Message.reply(17L, Tuple.of(record, start.toBytes(), null));
            case "storea" -> Message.async("storea", oid.toBytes(), start.toBytes(), record, 1L);
            case "invalidate" -> {
                List<Object> oids = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    oids.add(Oid.of(1000 + i).toBytes());
                }
                yield Message.async("invalidateTransaction", start.toBytes(), oids);
            }
            case "loadBefore" -> Message.call(17L, "loadBefore", oid.toBytes(), Tid.MAX.toBytes());
            default -> throw new IllegalArgumentException(message);
        };
        payload = codec.encode(msg);
        out = Unpooled.buffer(4096);
        in = Unpooled.wrappedBuffer(payload);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        out.release();
    }

    @Benchmark
    public int encode() {
        out.clear();
        codec.encode(msg, out);
        return out.writerIndex();
    }

    @Benchmark
    public Message decode() {
        return codec.decode(in); // decoding never moves the reader index
    }
}
