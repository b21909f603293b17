package org.jzeo.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Tid against the values Python's C TimeStamp produced (fixtures/datafs/timestamps.json). */
class TidTest {
    static JsonNode fixture() throws IOException {
        return new ObjectMapper().readTree(new File(System.getProperty("jzeo.fixtures", "../../../shared/fixtures"),
                "datafs/timestamps.json"));
    }

    static List<JsonNode> timestamps() throws IOException {
        List<JsonNode> l = new ArrayList<>();
        fixture().get("timestamps").forEach(l::add);
        return l;
    }

    static List<JsonNode> laterThanCases() throws IOException {
        List<JsonNode> l = new ArrayList<>();
        fixture().get("laterThan").forEach(l::add);
        return l;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("timestamps")
    void decodesLikeZodb(JsonNode e) {
        Tid t = Tid.fromHex(e.get("tid").asText());
        assertEquals(e.get("year").asInt(), t.year());
        assertEquals(e.get("month").asInt(), t.month());
        assertEquals(e.get("day").asInt(), t.day());
        assertEquals(e.get("hour").asInt(), t.hour());
        assertEquals(e.get("minute").asInt(), t.minute());
        assertEquals(Double.parseDouble(e.get("second_repr").asText()), t.second(), 0.0);
        assertEquals(e.get("str").asText(), t.toTimeString());
        assertEquals(Double.parseDouble(e.get("timeTime_repr").asText()), t.timeTime(), 0.0,
                "timeTime of " + t);
        assertEquals(Long.parseUnsignedLong(e.get("tid_u64").asText()), t.value());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("timestamps")
    void encodesLikeZodb(JsonNode e) {
        Tid expected = Tid.fromHex(e.get("tid").asText());
        if (e.has("constructed_from")) {
            JsonNode c = e.get("constructed_from");
            assertEquals(expected, Tid.fromFields(c.get(0).asInt(), c.get(1).asInt(), c.get(2).asInt(),
                    c.get(3).asInt(), c.get(4).asInt(), c.get(5).asDouble()));
        }
        if (e.has("unix_time")) {
            assertEquals(expected, Tid.fromEpochSeconds(e.get("unix_time").asDouble()));
        }
        assertEquals(expected, Tid.of(expected.toBytes()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("laterThanCases")
    void laterThanLikeZodb(JsonNode e) {
        Tid self = Tid.fromHex(e.get("self").asText());
        Tid other = Tid.fromHex(e.get("other").asText());
        assertEquals(Tid.fromHex(e.get("result").asText()), self.laterThan(other));
    }

    @Test
    void aUnixTimeNoDateCanHoldIsAnIllegalArgument() {
        // found by the fuzz soak: pack(4.7e18) failed with a DateTimeException and a trace
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tid.fromEpochSeconds(4.7e18));
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
    }

    @Test
    void laterThanRollsOverDayWithRealMonthLengths() {
        // spec §6.2: 2024-02-29 23:59 with a full low word goes to 2024-03-01 00:00.
        Tid prev = Tid.fromHex("03f6df7fffffffff");
        assertEquals(Tid.fromHex("03f6eac000000000"), Tid.ZERO.laterThan(prev));
    }

    @Test
    void specWorkedExamples() {
        assertEquals(Tid.fromHex("03f58e0000000000"), Tid.fromFields(2024, 1, 1, 0, 0, 0.0));
        assertEquals(Tid.fromHex("03f73bec82222222"), Tid.fromFields(2024, 3, 15, 10, 20, 30.5));
        assertEquals("2024-02-30 00:00:00.013969", Tid.fromHex("03f6df80000f41f8").toTimeString());
        assertEquals("1900-01-01 00:00:00.351562", Tid.of(0x01800000L).toTimeString());
    }

    @Test
    void rejectsImpossibleFields() {
        assertThrows(IllegalArgumentException.class, () -> Tid.fromFields(2023, 2, 29, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Tid.fromFields(1899, 1, 1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Tid.fromFields(2024, 13, 1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Tid.fromFields(2024, 1, 1, 24, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Tid.fromFields(2024, 1, 1, 0, 60, 0));
    }

    @Test
    void ordersUnsigned() {
        assertTrue(Tid.of(-1L).compareTo(Tid.MAX) > 0);
        assertTrue(Oid.of(-1L).compareTo(Oid.of(1)) > 0);
        assertEquals("00000000000000ff", Oid.of(255).toHex());
        assertEquals(Oid.of(256), Oid.of(255).next());
        assertThrows(IllegalArgumentException.class, () -> Oid.of(new byte[7]));
    }
}
