package org.jzeo.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The frames of protocol-errors.json: valid ones decode and re-encode; the bad ones are refused. */
class ProtocolErrorsFixtureTest {
    private static final List<String> BAD = List.of("garbage_payload", "message_not_4_tuple", "zero_length_frame");
    private static final List<String> FRAMING = List.of("truncated_frame_then_close", "oversized_length_prefix",
            "length_prefix_0xffffffff");

    static Stream<Arguments> events() {
        List<Arguments> out = new ArrayList<>();
        for (JsonNode r : Fixtures.json("protocol-errors.json").get("results")) {
            String name = r.get("case").asText();
            int i = 0;
            for (JsonNode e : r.get("events")) {
                out.add(Arguments.of(r.get("format").asText(), name + "#" + i++, name, e));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("events")
    void event(String fmt, String label, String name, JsonNode e) {
        byte[] payload;
        if (e.has("send_hex")) {
            byte[] frame = Fixtures.hex(e.get("send_hex").asText());
            long len = ((frame[0] & 0xffL) << 24) | ((frame[1] & 0xff) << 16) | ((frame[2] & 0xff) << 8) | (frame[3] & 0xff);
            if (FRAMING.contains(name) && len != frame.length - 4) {
                return; // frame-level cases: covered by FrameDecoderTest
            }
            assertEquals(len, frame.length - 4, "prefix of " + label);
            payload = Arrays.copyOfRange(frame, 4, frame.length);
        } else if (e.has("recv_hex")) {
            payload = Fixtures.hex(e.get("recv_hex").asText());
        } else {
            return;
        }
        if (payload.length == 2 && new String(payload).equals(fmt)) {
            assertEquals(fmt, new String(payload));
            return;
        }
        MessageCodec codec = MessageCodec.forProtocol(fmt);
        if (BAD.contains(name) && e.has("send_hex") && !e.path("note").asText().equals("handshake")
                && !e.path("note").asText().equals("register") && !e.path("note").asText().contains("ping")) {
            ProtocolException x = assertThrows(ProtocolException.class, () -> codec.decode(payload));
            assertTrue(x.getMessage() != null && !x.getMessage().isEmpty());
            return;
        }
        Message m = codec.decode(payload);
        Object expected = Fixtures.toValue(e.get("decoded"));
        Object actual = Fixtures.listsAsTuples(m.toValue());
        assertTrue(Values.deepEquals(expected, actual), () -> label + ": " + Values.repr(actual) + " vs " + Values.repr(expected));
        assertEquals(Fixtures.hex(payload), Fixtures.hex(codec.encode(m)), label);
    }
}
