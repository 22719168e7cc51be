package io.hawser.bus;

import io.hawser.log.RetentionPolicy;
import io.hawser.model.AckPolicy;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.MirrorConfig;
import io.hawser.model.MirrorProgress;
import io.hawser.model.PartitionStatus;
import io.hawser.model.PublishAck;
import io.hawser.model.PublishMessage;
import io.hawser.model.StoredMessage;
import io.hawser.model.StreamConfig;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class WireCodecTest {

    /** Bytes Vert.x would already have written before the codec's part (frame header, address, ...). */
    private static final byte[] PREFIX = "vertx-frame-header|".getBytes(StandardCharsets.US_ASCII);

    // ---- records of our own for edge cases ----

    record Tree(String name, List<Tree> children) {
    }

    record Counters(Map<String, Long> counts, Integer present, Integer absent, List<List<String>> nested,
                    Map<AckPolicy, List<Integer>> byPolicy, List<String> withNulls, Map<String, String> nullValues) {
    }

    record Primitives(boolean z, byte b, short s, char c, int i, long l, float f, double d,
                      Boolean zb, Byte bb, Short sb, Character cb, Long lb, Float fb, Double db) {
    }

    record RecordBatch(String stream, List<io.hawser.log.Record> records) {
    }

    record Wildcards(List<? extends PublishMessage> messages) {
    }

    record HoldsFile(String name, File file) {
    }

    record HoldsFileDeep(String stream, List<HoldsFile> entries) {
    }

    record HoldsObjectList(List<Object> things) {
    }

    record HoldsRawList(@SuppressWarnings("rawtypes") List things) {
    }

    record HoldsUnboundedWildcard(Map<String, ?> things) {
    }

    // ---- sample values ----

    private static byte[] allByteValues() {
        byte[] bytes = new byte[256];
        for (int i = 0; i < 256; i++) {
            bytes[i] = (byte) i;
        }
        return bytes;
    }

    private static Map<String, String> headers(String... kv) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            map.put(kv[i], kv[i + 1]);
        }
        return map;
    }

    private static List<PublishMessage> publishMessages() {
        return List.of(
                new PublishMessage(-1, "order-42".getBytes(StandardCharsets.UTF_8), "msg-1",
                        headers("content-type", "application/json", "trace", "ünïcødé ✓ 日本語 🚢"),
                        "{\"total\":12.5}".getBytes(StandardCharsets.UTF_8)),
                new PublishMessage(3, null, null, Map.of(), new byte[0]),
                new PublishMessage(0, new byte[0], "", headers("", ""), allByteValues()));
    }

    private static StreamConfig fullConfig() {
        return new StreamConfig("orders", "orders.>", 8, 3, 2, AckPolicy.LEADER,
                new RetentionPolicy(1_000_000, 1L << 40, 7L * 24 * 3600 * 1000), true, 60_000, 4 * 1024 * 1024,
                "orders.committed", new MirrorConfig("orders-eu", "https://eu.example.com/hawser"), true, false);
    }

    private static List<Record> everyMessageType() {
        List<Record> samples = new ArrayList<>();
        samples.add(new Messages.Publish("orders", publishMessages(), AckPolicy.ALL, 5_000, -1));
        samples.add(new Messages.Publish("orders", List.of(), null, 0, Long.MAX_VALUE));
        samples.add(new Messages.PublishResult(List.of(
                PublishAck.stored("orders", 2, 1234567890123L, 1_700_000_000_000L, false),
                PublishAck.stored("orders", 2, 1234567890124L, 1_700_000_000_001L, true),
                PublishAck.accepted("orders", 0),
                PublishAck.failed("orders", 1, new HawserException(ErrorCode.OFFSET_MISMATCH,
                        "expected offset 7, partition is at 9 — «retry»")))));
        samples.add(new Messages.PublishResult(List.of()));
        samples.add(new Messages.Append("orders", 5, publishMessages(), AckPolicy.NONE, 250, 77));
        samples.add(new Messages.Read("orders", 0, Messages.Read.AT_TIME, 1_700_000_000_000L, 500, 1 << 20, 30_000));
        samples.add(new Messages.Read("orders", 1023, Long.MAX_VALUE, 0, 1, Integer.MAX_VALUE, 0));
        samples.add(new Messages.ReadResult(List.of(
                new StoredMessage(0, 1_700_000_000_000L, null, Map.of(), new byte[0]),
                new StoredMessage(1, 1_700_000_000_001L, allByteValues(),
                        headers("Hawser-Msg-Id", "abc", "emoji", "🙂"), allByteValues())), 2, 1, 0));
        samples.add(new Messages.ReadResult(List.of(), 0, -1, 0));
        samples.add(new Messages.StreamName("ñame-with-ünicode"));
        samples.add(new Messages.StreamConfigMessage(fullConfig()));
        samples.add(new Messages.StreamConfigMessage(StreamConfig.defaults("plain")));
        samples.add(new Messages.StreamCreated(fullConfig(), true));
        samples.add(new Messages.StreamCreated(StreamConfig.defaults("plain"), false));
        samples.add(new Messages.StreamPatch("orders", new RetentionPolicy(10, 0, 3_600_000), 3, 2,
                AckPolicy.LEADER, Boolean.TRUE, Boolean.FALSE));
        samples.add(new Messages.StreamPatch("orders", null, null, null, null, null, null));
        samples.add(new Messages.PartitionStatuses(List.of(
                new PartitionStatus(0, "node-a", 4, List.of("node-a", "node-b", "node-c"), List.of("node-a", "node-b"),
                        0, 100, 99, 100, 123_456, null),
                new PartitionStatus(1, null, 0, List.of(), List.of(), 0, 0, -1, 0, 0,
                        new MirrorProgress(MirrorProgress.State.SOURCE_UNAVAILABLE, 12, 1_700_000_000_000L, 99,
                                "2026-11-24T10:00:00Z cannot reach the source")))));
        samples.add(new Messages.CursorPut("orders", "billing-cursor", 3, 4_000_000_000L));
        samples.add(new Messages.CursorPut("orders", "__hawser.republish", 0, 17, true));
        samples.add(new Messages.CursorGet("orders", "billing-cursor"));
        Map<Integer, Long> positions = new LinkedHashMap<>();
        positions.put(7, 70L);
        positions.put(0, 0L);
        positions.put(3, -1L);
        samples.add(new Messages.CursorPositions(positions));
        samples.add(new Messages.CursorPositions(Map.of()));
        samples.add(new Messages.Done());
        samples.add(new Messages.Fetch("orders", 2, "node-b", 17, 4_000, 16, 4 << 20, 500));
        samples.add(new Messages.FetchResult(new io.hawser.partition.FetchAnswer(17, 3_999, 0, List.of(
                new io.hawser.log.Record(4_000, 17, 1_700_000_000_000L, null, Map.of("h", "v"), new byte[]{1, 2}),
                new io.hawser.log.Record(4_001, 17, 1_700_000_000_001L, "k".getBytes(), Map.of(), new byte[0])),
                io.hawser.partition.FetchAnswer.NOT_DIVERGED, -1)));
        samples.add(new Messages.FetchResult(new io.hawser.partition.FetchAnswer(9, -1, 0, List.of(), 4, 120)));
        samples.add(new Messages.Lead("orders", 0, 12));
        samples.add(new Messages.Leading(12));
        samples.add(new Messages.Follow("orders", 0));
        samples.add(new Messages.NodeGone("node-c"));
        samples.add(new Messages.CursorSaved("orders", 3, "billing", 2, 4_000, 1_700_000_000_000L));
        samples.add(new Messages.HandOver("orders", 0, 5_000));
        samples.add(new Messages.HandOverReady(List.of("node-b", "node-c")));
        samples.add(new Messages.ReplicaCheck("orders", 1));
        samples.add(new Messages.ReplicaEligibility(false, "corrupt"));
        samples.add(new Messages.Copy("leaf-orders", 2, List.of(
                new StoredMessage(41, 1_700_000_000_001L, null, Map.of(), new byte[]{1}),
                new StoredMessage(43, 1_700_000_000_002L, "k".getBytes(StandardCharsets.UTF_8),
                        Map.of("Nats-Msg-Id", "m-43"), new byte[0])),
                new MirrorProgress(MirrorProgress.State.CATCHING_UP, 5_000, 1_700_000_000_003L, 48_000, null)));
        samples.add(new Messages.Copy("leaf-orders", 0, List.of(), null));
        samples.add(new Messages.Copied(44));
        samples.add(new Messages.StorageFailed("orders", 2, "disk write failed"));
        samples.add(new Messages.MirrorSource(new MirrorConfig("orders", "http://hub:8080")));
        samples.add(new Messages.MirrorSource(new MirrorConfig("orders", null)));
        samples.add(new Messages.MirrorSourceInfo(3, true));
        return samples;
    }

    // ---- tests ----

    @Test
    void everyMessageTypeRoundTrips() {
        for (Record message : everyMessageType()) {
            assertDeepEquals(message, roundTrip(message), message.getClass().getSimpleName());
        }
    }

    @Test
    void everySampleIsCoveredAndEveryMessageRecordRegisters() {
        List<Class<?>> sampled = everyMessageType().stream().<Class<?>>map(Object::getClass).distinct().toList();
        for (Class<?> nested : Messages.class.getDeclaredClasses()) {
            if (nested.isRecord()) {
                new WireCodec<>(nested.asSubclass(Record.class)); // validates the class graph
                assertTrue(sampled.contains(nested), "no round-trip sample for " + nested.getSimpleName());
            }
        }
    }

    @Test
    void recursiveListsOfRecords() {
        Tree tree = new Tree("root", List.of(
                new Tree("a", List.of(new Tree("a1", List.of()), new Tree("a2", null))),
                new Tree(null, List.of(new Tree("b1", List.of(new Tree("b11", List.of())))))));
        assertDeepEquals(tree, roundTrip(tree), "tree");
    }

    @Test
    void mapsNullsAndNestedLists() {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("zeta", Long.MIN_VALUE);
        counts.put("alpha", 0L);
        counts.put("mid", Long.MAX_VALUE);
        counts.put("missing", null);
        Map<AckPolicy, List<Integer>> byPolicy = new LinkedHashMap<>();
        byPolicy.put(AckPolicy.ALL, List.of(1, 2, 3));
        byPolicy.put(AckPolicy.NONE, List.of());
        Map<String, String> nullValues = new LinkedHashMap<>();
        nullValues.put("k", null);
        nullValues.put(null, "v");
        List<String> withNulls = Arrays.asList("x", null, "", "y");
        Counters counters = new Counters(counts, Integer.MIN_VALUE, null,
                List.of(List.of("a", "b"), List.of(), List.of("ü")), byPolicy, withNulls, nullValues);

        Counters decoded = roundTrip(counters);

        assertDeepEquals(counters, decoded, "counters");
        assertNull(decoded.absent());
        assertEquals(List.of("zeta", "alpha", "mid", "missing"), new ArrayList<>(decoded.counts().keySet()));
        assertThrows(UnsupportedOperationException.class, () -> decoded.nested().add(List.of()));
    }

    @Test
    void primitivesAndBoxesAtTheirExtremes() {
        Primitives max = new Primitives(true, Byte.MIN_VALUE, Short.MIN_VALUE, '\uffff', Integer.MIN_VALUE,
                Long.MIN_VALUE, Float.NaN, -0.0d, false, Byte.MAX_VALUE, Short.MAX_VALUE, 'é', Long.MAX_VALUE,
                Float.NEGATIVE_INFINITY, Double.MIN_VALUE);
        Primitives nulls = new Primitives(false, (byte) 0, (short) 0, '\0', 0, 0, 0f, 0d,
                null, null, null, null, null, null, null);
        assertDeepEquals(max, roundTrip(max), "max");
        assertDeepEquals(nulls, roundTrip(nulls), "nulls");
    }

    @Test
    void listOfLogRecords() {
        RecordBatch batch = new RecordBatch("orders", List.of(
                new io.hawser.log.Record(0, 1, 1_700_000_000_000L, null, headers(), new byte[0]),
                new io.hawser.log.Record(41, 7, 1_700_000_000_500L, "k".getBytes(StandardCharsets.UTF_8),
                        headers("b", "2", "a", "1", "ключ", "значение"), allByteValues())));
        RecordBatch decoded = roundTrip(batch);
        assertDeepEquals(batch, decoded, "batch");
        assertEquals(List.of("b", "a", "ключ"), new ArrayList<>(decoded.records().get(1).headers().keySet()));
    }

    @Test
    void wildcardElementTypes() {
        Wildcards w = new Wildcards(publishMessages());
        assertDeepEquals(w, roundTrip(w), "wildcards");
    }

    @Test
    void messagesAreSelfDelimitingInsideALargerBuffer() {
        WireCodec<Messages.CursorGet> gets = new WireCodec<>(Messages.CursorGet.class);
        WireCodec<Messages.StreamName> names = new WireCodec<>(Messages.StreamName.class);
        Buffer buffer = Buffer.buffer().appendBytes(PREFIX);
        gets.encodeToWire(buffer, new Messages.CursorGet("s", "c"));
        int second = buffer.length();
        names.encodeToWire(buffer, new Messages.StreamName("next"));
        buffer.appendString("|trailer");

        int firstEnd = PREFIX.length + 5 + buffer.getInt(PREFIX.length + 1);
        assertEquals(second, firstEnd, "body length prefix");
        assertEquals(new Messages.CursorGet("s", "c"), gets.decodeFromWire(PREFIX.length, buffer));
        assertEquals(new Messages.StreamName("next"), names.decodeFromWire(second, buffer));
    }

    @Test
    void transformIsTheSameInstanceAndNamesAreStable() {
        WireCodec<Messages.Publish> codec = new WireCodec<>(Messages.Publish.class);
        Messages.Publish publish = new Messages.Publish("orders", publishMessages(), null, 1, -1);
        assertSame(publish, codec.transform(publish));
        assertEquals("hawser-wire-io.hawser.bus.Messages$Publish", codec.name());
        assertEquals(-1, codec.systemCodecID());
    }

    @Test
    void aMessageOfAnotherFormatVersionFailsClearly() {
        WireCodec<Messages.StreamName> codec = new WireCodec<>(Messages.StreamName.class);
        Buffer buffer = Buffer.buffer().appendBytes(PREFIX);
        codec.encodeToWire(buffer, new Messages.StreamName("orders"));
        assertEquals(WireCodec.FORMAT_V1, buffer.getByte(PREFIX.length));
        buffer.setByte(PREFIX.length, (byte) 2);

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> codec.decodeFromWire(PREFIX.length, buffer));
        assertTrue(e.getMessage().contains("version 2"), e.getMessage());
        assertTrue(e.getMessage().contains("version 1"), e.getMessage());
        assertTrue(e.getMessage().contains("StreamName"), e.getMessage());
    }

    @Test
    void aTruncatedBodyFailsInsteadOfReadingPastIt() {
        WireCodec<Messages.CursorGet> codec = new WireCodec<>(Messages.CursorGet.class);
        Buffer buffer = Buffer.buffer().appendBytes(PREFIX);
        codec.encodeToWire(buffer, new Messages.CursorGet("orders", "cursor"));
        buffer.appendBytes(new byte[64]);
        buffer.setInt(PREFIX.length + 1, buffer.getInt(PREFIX.length + 1) - 3); // claim a shorter body

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> codec.decodeFromWire(PREFIX.length, buffer));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void anUnsupportedComponentFailsAtRegistration() {
        IllegalArgumentException direct = assertThrows(IllegalArgumentException.class,
                () -> new WireCodec<>(HoldsFile.class));
        assertTrue(direct.getMessage().contains(HoldsFile.class.getName() + ".file"), direct.getMessage());
        assertTrue(direct.getMessage().contains("java.io.File"), direct.getMessage());

        IllegalArgumentException nested = assertThrows(IllegalArgumentException.class,
                () -> new WireCodec<>(HoldsFileDeep.class));
        assertTrue(nested.getMessage().contains(HoldsFileDeep.class.getName() + ".entries"), nested.getMessage());
        assertTrue(nested.getMessage().contains(HoldsFile.class.getName() + ".file"), nested.getMessage());

        for (Class<? extends Record> type : List.of(HoldsObjectList.class, HoldsRawList.class,
                HoldsUnboundedWildcard.class)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new WireCodec<>(type));
            assertTrue(e.getMessage().contains(type.getName() + ".things"), e.getMessage());
        }
    }

    // ---- helpers ----

    @SuppressWarnings("unchecked")
    private static <T extends Record> T roundTrip(T message) {
        WireCodec<T> codec = new WireCodec<>((Class<T>) message.getClass());
        Buffer buffer = Buffer.buffer().appendBytes(PREFIX);
        codec.encodeToWire(buffer, message);
        int end = buffer.length();
        buffer.appendBytes(new byte[] {9, 9, 9}); // whatever Vert.x might put after it
        assertEquals(end - PREFIX.length - 5, buffer.getInt(PREFIX.length + 1), "body length prefix");
        return codec.decodeFromWire(PREFIX.length, buffer);
    }

    /** Equality that compares byte arrays by content, records by component, lists and maps in iteration order. */
    private static void assertDeepEquals(Object expected, Object actual, String path) {
        if (expected == null || actual == null) {
            assertSame(expected, actual, path);
            return;
        }
        if (expected instanceof byte[] e) {
            assertTrue(actual instanceof byte[], path + " is not a byte[]");
            assertArrayEquals(e, (byte[]) actual, path);
        } else if (expected instanceof Record) {
            assertEquals(expected.getClass(), actual.getClass(), path);
            for (RecordComponent c : expected.getClass().getRecordComponents()) {
                try {
                    c.getAccessor().setAccessible(true);
                    assertDeepEquals(c.getAccessor().invoke(expected), c.getAccessor().invoke(actual),
                            path + "." + c.getName());
                } catch (ReflectiveOperationException ex) {
                    fail(path + "." + c.getName() + ": " + ex);
                }
            }
        } else if (expected instanceof List<?> e) {
            assertTrue(actual instanceof List<?>, path + " is not a List");
            List<?> a = (List<?>) actual;
            assertEquals(e.size(), a.size(), path + ".size");
            for (int i = 0; i < e.size(); i++) {
                assertDeepEquals(e.get(i), a.get(i), path + "[" + i + "]");
            }
        } else if (expected instanceof Map<?, ?> e) {
            assertTrue(actual instanceof Map<?, ?>, path + " is not a Map");
            Map<?, ?> a = (Map<?, ?>) actual;
            assertEquals(e.size(), a.size(), path + ".size");
            if (e instanceof LinkedHashMap<?, ?>) { // an ordered map: the decoded one must iterate the same way
                Iterator<? extends Map.Entry<?, ?>> ai = a.entrySet().iterator();
                for (Map.Entry<?, ?> entry : e.entrySet()) {
                    Map.Entry<?, ?> other = ai.next();
                    assertDeepEquals(entry.getKey(), other.getKey(), path + "{key}");
                    assertDeepEquals(entry.getValue(), other.getValue(), path + "{" + entry.getKey() + "}");
                }
            } else { // e.g. Map.copyOf in a record constructor: no order to keep
                for (Map.Entry<?, ?> entry : e.entrySet()) {
                    assertTrue(a.containsKey(entry.getKey()), path + " lacks key " + entry.getKey());
                    assertDeepEquals(entry.getValue(), a.get(entry.getKey()), path + "{" + entry.getKey() + "}");
                }
            }
        } else if (expected instanceof Float f) {
            assertEquals(Float.floatToRawIntBits(f), Float.floatToRawIntBits((Float) actual), path);
        } else if (expected instanceof Double d) {
            assertEquals(Double.doubleToRawLongBits(d), Double.doubleToRawLongBits((Double) actual), path);
        } else {
            assertEquals(expected, actual, path);
        }
    }
}
