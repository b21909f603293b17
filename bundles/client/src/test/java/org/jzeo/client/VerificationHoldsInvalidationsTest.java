package org.jzeo.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;
import org.jzeo.protocol.Message;
import org.jzeo.protocol.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Rule C2: an invalidation that arrives while the client verifies its cache on reconnect (here
 * between its getInvalidations call and the reply) is held and applied afterwards, because its tid
 * is after the verified one. Without the rule it is lost and the cached revision stays "current"
 * for ever: the test proves that with the {@code breakC2} switch.
 */
@Timeout(60)
class VerificationHoldsInvalidationsTest {
    private static final Tid T0 = Tid.fromHex("040d3bfbfa995d00");
    private static final Tid T1 = Tid.fromHex("040d3bfbfe7bd777");
    private static final Tid T2 = Tid.fromHex("040d3bfc03056cdd");
    private static final Oid X = Oid.of(1);
    private static final Oid Y = Oid.of(2);

    private static byte[] b(String s) {
        return s.getBytes();
    }

    /** Loads X after a reconnect during which X's invalidation arrived mid-verification. */
    private static String loadAfterReconnect(RuleSwitches switches) throws Exception {
        Map<String, Object> info = Map.of("length", 2L, "size", 100L);
        FakeZeoServer.Script first = io -> {
            Message reg = io.receive(FakeZeoServer.TIMEOUT);
            io.send(Message.reply(reg.msgid(), T0.toBytes()));
            Message gi = io.receive(FakeZeoServer.TIMEOUT);
            io.send(Message.reply(gi.msgid(), info));
            Message load = io.receive(FakeZeoServer.TIMEOUT);
            io.send(Message.reply(load.msgid(), Tuple.of(b("x at T0"), T0.toBytes(), null)));
            // the script ends: the connection closes and the client reconnects
        };
        FakeZeoServer.Script second = io -> {
            Message reg = io.receive(FakeZeoServer.TIMEOUT);
            io.send(Message.reply(reg.msgid(), T1.toBytes()));
            Message inv = io.receive(FakeZeoServer.TIMEOUT); // getInvalidations(T0)
            // A commit T2 changing X happens now: its invalidation overtakes the reply.
            io.send(Message.async("invalidateTransaction", T2.toBytes(), List.of(X.toBytes())));
            io.send(Message.reply(inv.msgid(), Tuple.of(T1.toBytes(), List.of(Y.toBytes()))));
            Message gi = io.receive(FakeZeoServer.TIMEOUT);
            io.send(Message.reply(gi.msgid(), info));
            Message load = io.receive(FakeZeoServer.TIMEOUT);
            if (load != null && load.method().equals("loadBefore")) {
                io.send(Message.reply(load.msgid(), Tuple.of(b("x at T2"), T2.toBytes(), null)));
            }
            io.awaitClosed(FakeZeoServer.TIMEOUT);
        };
        try (FakeZeoServer server = new FakeZeoServer("M5", List.of(first, second));
                ClientStorage c = new ClientStorage(Servers.config(server.address()).build(), switches, new TestCaches())) {
            assertEquals("x at T0", new String(c.load(X).data()));
            Servers.await("reconnected and verified", () -> c.isConnected()
                    && c.lastVerification() == ClientStorage.Verification.GET_INVALIDATIONS);
            return new String(c.load(X).data());
        }
    }

    @Test
    void anInvalidationDuringVerificationIsApplied() throws Exception {
        assertEquals("x at T2", loadAfterReconnect(RuleSwitches.NONE));
    }

    @Test
    void withoutRuleC2TheCacheKeepsTheStaleRevision() throws Exception {
        assertEquals("x at T0", loadAfterReconnect(new RuleSwitches(false, false, t -> { }, o -> { }, true)));
    }
}
