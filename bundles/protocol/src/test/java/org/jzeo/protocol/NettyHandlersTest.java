package org.jzeo.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NettyHandlersTest {

    private static ByteBuf frame(String hex) {
        byte[] p = Fixtures.hex(hex);
        return Unpooled.buffer().writeInt(p.length).writeBytes(p);
    }

    private static String readOutbound(EmbeddedChannel ch) {
        ByteBuf all = Unpooled.buffer();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            all.writeBytes(b);
            b.release();
        }
        String s = ByteBufUtil.hexDump(all);
        all.release();
        return s;
    }

    /** Records user events and inbound messages. */
    static final class Recorder extends ChannelInboundHandlerAdapter {
        final List<Object> events = new ArrayList<>();
        final List<Object> messages = new ArrayList<>();

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            events.add(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            messages.add(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            events.add(cause);
        }
    }

    @Test
    void splitFramesAreReassembled() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        ByteBuf data = Unpooled.buffer();
        data.writeBytes(frame("4d35")).writeBytes(frame("0102030405")).writeBytes(frame("ff"));
        while (data.isReadable()) {
            ch.writeInbound(data.readRetainedSlice(1));
        }
        data.release();
        List<String> got = new ArrayList<>();
        ByteBuf b;
        while ((b = ch.readInbound()) != null) {
            got.add(ByteBufUtil.hexDump(b));
            b.release();
        }
        assertEquals(List.of("4d35", "0102030405", "ff"), got);
        assertTrue(ch.isOpen());
        ch.finishAndReleaseAll();
    }

    @Test
    void oversizedPrefixClosesAtOnce() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1024));
        ch.writeInbound(Unpooled.wrappedBuffer(Fixtures.hex("7fffffff41414141")));
        assertFalse(ch.isOpen());
        assertNull(ch.readInbound());
        EmbeddedChannel ch2 = new EmbeddedChannel(new FrameDecoder());
        ch2.writeInbound(Unpooled.wrappedBuffer(Fixtures.hex("ffffffff")));
        assertFalse(ch2.isOpen());
        // exactly the maximum is fine
        EmbeddedChannel ch3 = new EmbeddedChannel(new FrameDecoder(2));
        ch3.writeInbound(frame("4d35"));
        ByteBuf b = ch3.readInbound();
        assertEquals(2, b.readableBytes());
        b.release();
        assertTrue(ch3.isOpen());
    }

    @Test
    void zeroLengthFrameIsRejected() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        ch.writeInbound(Unpooled.wrappedBuffer(Fixtures.hex("00000000" + "00000002" + "4d35")));
        assertFalse(ch.isOpen());
        assertNull(ch.readInbound());
    }

    @Test
    void frameEncoderPrefixes() {
        EmbeddedChannel ch = new EmbeddedChannel(FrameEncoder.INSTANCE);
        ch.writeOutbound(Unpooled.wrappedBuffer(Fixtures.hex("4d35")));
        assertEquals("000000024d35", readOutbound(ch));
        byte[] big = new byte[5000];
        ch.writeOutbound(Unpooled.wrappedBuffer(big));
        assertEquals("00001388" + "00".repeat(5000), readOutbound(ch));
    }

    @Test
    void serverHandshakeThenMessages() {
        Recorder app = new Recorder();
        EmbeddedChannel ch = new EmbeddedChannel();
        ZeoPipeline.addServerHandlers(ch.pipeline(), "M5", FrameDecoder.DEFAULT_MAX_FRAME_SIZE);
        ch.pipeline().addLast(app);
        assertEquals("000000024d35", readOutbound(ch)); // the server speaks first
        // the echo and register arrive in one TCP segment
        ByteBuf in = Unpooled.buffer().writeBytes(frame("4d35")).writeBytes(frame("9401c2a8726567697374657292a13100"));
        ch.writeInbound(in);
        HandshakeCompleteEvent done = assertInstanceOf(HandshakeCompleteEvent.class, app.events.get(0));
        assertEquals("M5", done.protocol());
        Message register = assertInstanceOf(Message.class, app.messages.get(0));
        assertEquals("register", register.method());
        assertNull(ch.pipeline().get(ZeoPipeline.HANDSHAKE));
        assertNotNull(ch.pipeline().get(ZeoPipeline.CODEC));
        ch.writeAndFlush(Message.reply(1L, new byte[8]));
        assertEquals("00000014" + "940100a62e7265706c79c4080000000000000000", readOutbound(ch));
        // an undecodable frame closes the connection
        ch.writeInbound(frame("c1c1"));
        assertFalse(ch.isOpen());
    }

    @Test
    void serverHonoursTheEchoedFlavourAndRejectsBadHandshakes() {
        Recorder app = new Recorder();
        EmbeddedChannel ch = new EmbeddedChannel();
        ZeoPipeline.addServerHandlers(ch.pipeline(), "M5", 1 << 20);
        ch.pipeline().addLast(app);
        readOutbound(ch);
        ch.writeInbound(frame("5a35"));
        assertEquals("Z5", ((HandshakeCompleteEvent) app.events.get(0)).protocol());
        for (String bad : List.of("4d34", "5835", "4d3535", "5a")) {
            EmbeddedChannel b = new EmbeddedChannel();
            ZeoPipeline.addServerHandlers(b.pipeline(), "Z5", 1 << 20);
            assertEquals("000000025a35", readOutbound(b));
            b.writeInbound(frame(bad));
            assertFalse(b.isOpen(), bad);
        }
        Recorder probe = new Recorder();
        EmbeddedChannel r = new EmbeddedChannel();
        ZeoPipeline.addServerHandlers(r.pipeline(), "Z5", 1 << 20);
        r.pipeline().addLast(probe);
        r.writeInbound(frame("72756f6b"));
        assertEquals(List.of(RuokProbeEvent.INSTANCE), probe.events);
        assertTrue(r.isOpen());
    }

    @Test
    void clientEchoesAndQueuesEarlyMessages() {
        Recorder app = new Recorder();
        EmbeddedChannel ch = new EmbeddedChannel();
        ZeoPipeline.addClientHandlers(ch.pipeline(), 1 << 20);
        ch.pipeline().addLast(app);
        ch.writeAndFlush(Message.call(1, "register", "1", 0L)); // before the server spoke: queued
        assertEquals("", readOutbound(ch));
        ch.writeInbound(frame("5a35"));
        assertEquals("000000025a35" + "0000001e" + "8003284b0189580800000072656769737465725801000000314b0086742e",
                readOutbound(ch));
        assertEquals("Z5", ((HandshakeCompleteEvent) app.events.get(0)).protocol());
        ch.writeInbound(frame("8003284b014b0058060000002e7265706c7943080000000000000000742e"));
        Message reply = (Message) app.messages.get(0);
        assertTrue(reply.isReply());
        // a ZEO 4 server is refused; a hypothetical Z6 would be spoken to as Z5
        EmbeddedChannel old = new EmbeddedChannel();
        ZeoPipeline.addClientHandlers(old.pipeline(), 1 << 20);
        old.pipeline().addLast(new Recorder());
        Recorder oldApp = (Recorder) old.pipeline().last();
        old.writeInbound(frame("5a34"));
        assertFalse(old.isOpen());
        assertInstanceOf(ProtocolException.class, oldApp.events.get(0));
        EmbeddedChannel newer = new EmbeddedChannel();
        ZeoPipeline.addClientHandlers(newer.pipeline(), 1 << 20);
        newer.writeInbound(frame("4d36"));
        assertEquals("000000024d35", readOutbound(newer));
    }

    @Test
    void realTcpServerWithFrameIO() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ZeoPipeline.addServerHandlers(ch.pipeline(), "M5", 1 << 20);
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    Message m = (Message) msg;
                                    if (!m.isHeartbeat() && !m.isAsync()) {
                                        ctx.writeAndFlush(m.method().equals("ping") ? Message.reply(m.msgid(), null)
                                                : Message.errorReply(m.msgid(), new IllegalArgumentException("nope")));
                                    }
                                }
                            });
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            try (FrameIO io = FrameIO.connect("127.0.0.1", port, Duration.ofSeconds(5))) {
                assertEquals("M5", io.clientHandshake(Duration.ofSeconds(5)));
                io.send(Message.HEARTBEAT);
                io.send(Message.call(Tuple.of(new byte[8], new byte[8]), "ping", Tuple.EMPTY));
                Message r = io.receive(Duration.ofSeconds(5));
                assertTrue(r.isReply() && !r.isError());
                assertInstanceOf(Tuple.class, r.msgid());
                io.send(Message.call(2, "other"));
                assertEquals("builtins.ValueError", ((ServerException) io.receive(Duration.ofSeconds(5)).toException()).className());
                io.writeRaw(Fixtures.hex("00000000"));
                assertTrue(io.awaitClosed(Duration.ofSeconds(5)));
            }
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }
}
