package io.hawser.http;

import io.hawser.testkit.Await;
import io.hawser.testkit.HttpApi;
import io.hawser.testkit.TestNode;
import io.hawser.testkit.WsClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static io.hawser.testkit.HttpApi.b64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /v1/streams/{name}/subscribe} over a real WebSocket. */
class SubscribeApiTest {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** Time given to a new subscription to settle before live publishes or "nothing more" checks. */
    private static final Duration SETTLE = Duration.ofMillis(400);
    @RegisterExtension
    static final TestNode node = TestNode.perClass();
    private static final HttpApi api = node.api();

    private static String stream(int partitions) {
        String s = "sub-" + SEQ.incrementAndGet();
        api.createStream(s, partitions);
        return s;
    }

    private static WsClient subscribe(String s, String query) {
        return WsClient.connect(node.wsUri("/v1/streams/" + s + "/subscribe" + (query.isEmpty() ? "" : "?" + query)));
    }

    private static void publishTexts(String s, int partition, int from, int to) {
        for (int i = from; i < to; i++) {
            api.publishOk(s, "partition=" + partition, "m" + i);
        }
    }

    private static void publishTextsToEach(String s, int partitions, int from, int to) {
        for (int p = 0; p < partitions; p++) {
            publishTexts(s, p, from, to);
        }
    }

    /** Checks a frame: stream, partition, offset and the text "m{offset}". */
    private static void assertFrame(JsonObject frame, String s, int partition, long offset) {
        assertNull(frame.getValue("error"), frame::encode);
        assertEquals(s, frame.getString("stream"), frame::encode);
        assertEquals(partition, frame.getInteger("partition"), frame::encode);
        assertEquals(offset, frame.getLong("offset"), frame::encode);
        assertEquals("m" + offset, HttpApi.text(frame), frame::encode);
        assertTrue(frame.getValue("timestamp") instanceof Number, frame::encode);
        assertTrue(frame.containsKey("key"), frame::encode);
        assertNotNull(frame.getJsonObject("headers"), frame::encode);
    }

    private static void assertFrames(List<JsonObject> frames, String s, int partition, long firstOffset) {
        for (int i = 0; i < frames.size(); i++) {
            assertFrame(frames.get(i), s, partition, firstOffset + i);
        }
    }

    private static void assertNothingMore(WsClient ws) {
        JsonObject extra = ws.poll(SETTLE);
        assertNull(extra, () -> "unexpected frame: " + extra);
    }

    // ------------------------------------------------------------------ start modes

    @Test
    void earliestDeliversEverythingThenGoesLive() {
        String s = stream(1);
        publishTexts(s, 0, 0, 5);
        try (WsClient ws = subscribe(s, "partition=0&start=earliest")) {
            assertFrames(ws.next(5, WAIT), s, 0, 0);
            assertNothingMore(ws);
            publishTexts(s, 0, 5, 7);
            assertFrames(ws.next(2, WAIT), s, 0, 5);
        }
    }

    @Test
    void framesAreReadMessagesPlusStreamAndPartition() {
        String s = stream(1);
        api.publish(s, null, "m0", Map.of("Hawser-Key", "k", "Hawser-Header-H", "v")).expect(201);
        JsonObject read = api.readOk(s, 0, "offset=0").getJsonArray("messages").getJsonObject(0);
        try (WsClient ws = subscribe(s, "start=earliest")) {
            JsonObject frame = ws.next(WAIT);
            assertEquals(s, frame.remove("stream"));
            assertEquals(0, frame.remove("partition"));
            assertEquals(read, frame, "a frame is the read message plus stream and partition");
            assertEquals(b64("k"), frame.getString("key"));
        }
    }

    @Test
    void latestStartsAtTheLastCommittedMessage() {
        String s = stream(1);
        publishTexts(s, 0, 0, 5);
        try (WsClient ws = subscribe(s, "partition=0&start=latest")) {
            assertFrame(ws.next(WAIT), s, 0, 4);
            assertNothingMore(ws);
            publishTexts(s, 0, 5, 6);
            assertFrame(ws.next(WAIT), s, 0, 5);
        }
    }

    @Test
    void latestAndNewOverAllPartitionsStartPerPartition() {
        String s = stream(2);
        publishTexts(s, 0, 0, 3);
        publishTexts(s, 1, 0, 5);
        try (WsClient latest = subscribe(s, "start=latest"); WsClient fresh = subscribe(s, "start=new")) {
            Map<Integer, List<Long>> got = byPartition(latest.next(2, WAIT), s);
            assertEquals(List.of(2L), got.get(0), got::toString);
            assertEquals(List.of(4L), got.get(1), got::toString);
            assertNothingMore(latest);
            assertNothingMore(fresh);
            publishTexts(s, 1, 5, 6);
            publishTexts(s, 0, 3, 4);
            for (WsClient ws : List.of(latest, fresh)) {
                Map<Integer, List<Long>> live = byPartition(ws.next(2, WAIT), s);
                assertEquals(List.of(3L), live.get(0), live::toString);
                assertEquals(List.of(5L), live.get(1), live::toString);
            }
        }
    }

    @Test
    void latestOnAnEmptyPartitionStartsWithTheFirstMessage() {
        String s = stream(1);
        try (WsClient ws = subscribe(s, "partition=0&start=latest")) {
            assertNothingMore(ws);
            publishTexts(s, 0, 0, 2);
            assertFrames(ws.next(2, WAIT), s, 0, 0);
        }
    }

    @Test
    void newStartsAfterTheLastCommittedMessage() {
        String s = stream(1);
        publishTexts(s, 0, 0, 5);
        try (WsClient ws = subscribe(s, "partition=0&start=new")) {
            assertNothingMore(ws);
            publishTexts(s, 0, 5, 8);
            assertFrames(ws.next(3, WAIT), s, 0, 5);
        }
    }

    @Test
    void offsetStartsAtThatOffset() {
        String s = stream(1);
        publishTexts(s, 0, 0, 5);
        try (WsClient ws = subscribe(s, "partition=0&start=offset&offset=2")) {
            assertFrames(ws.next(3, WAIT), s, 0, 2);
            assertNothingMore(ws);
        }
        // an offset at the end waits for the next message
        try (WsClient ws = subscribe(s, "partition=0&start=offset&offset=5")) {
            assertNothingMore(ws);
            publishTexts(s, 0, 5, 6);
            assertFrame(ws.next(WAIT), s, 0, 5);
        }
    }

    @Test
    void timeStartsAtTheFirstMessageAtOrAfterT() {
        String s = stream(1);
        long last = 0;
        for (int i = 0; i < 3; i++) {
            last = api.publishOk(s, "m" + i).getLong("timestamp");
        }
        long t = last + 1;
        Await.until(Duration.ofSeconds(5), "clock passes " + t, () -> System.currentTimeMillis() > t);
        publishTexts(s, 0, 3, 5);
        try (WsClient ws = subscribe(s, "partition=0&start=time&time=" + t)) {
            assertFrames(ws.next(2, WAIT), s, 0, 3);
            assertNothingMore(ws);
        }
        try (WsClient ws = subscribe(s, "partition=0&start=time&time=0")) {
            assertFrames(ws.next(5, WAIT), s, 0, 0);
        }
    }

    @Test
    void cursorResumesAfterTheStoredOffset() {
        String s = stream(2);
        publishTexts(s, 0, 0, 5);
        publishTexts(s, 1, 0, 3);
        api.putJson("/v1/streams/" + s + "/cursors/reader", new JsonObject().put("partition", 0).put("offset", 2));
        api.putJson("/v1/streams/" + s + "/cursors/reader", new JsonObject().put("partition", 1).put("offset", 0));
        try (WsClient ws = subscribe(s, "partition=0&start=cursor&cursor=reader")) {
            assertFrames(ws.next(2, WAIT), s, 0, 3);
            assertNothingMore(ws);
        }
        // -1 = nothing processed yet: resumes at 0
        api.putJson("/v1/streams/" + s + "/cursors/fresh", new JsonObject().put("partition", 0).put("offset", -1))
                .expect(200);
        try (WsClient ws = subscribe(s, "partition=0&start=cursor&cursor=fresh")) {
            assertFrames(ws.next(5, WAIT), s, 0, 0);
        }
        try (WsClient ws = subscribe(s, "start=cursor&cursor=reader")) {
            Map<Integer, List<Long>> got = byPartition(ws.next(4, WAIT), s);
            assertEquals(List.of(3L, 4L), got.get(0), got::toString);
            assertEquals(List.of(1L, 2L), got.get(1), got::toString);
            assertNothingMore(ws);
        }
    }

    // ------------------------------------------------------------------ partitions and format

    @Test
    void partitionNDeliversOnlyThatPartition() {
        String s = stream(3);
        publishTextsToEach(s, 3, 0, 3);
        try (WsClient ws = subscribe(s, "partition=1&start=earliest")) {
            assertFrames(ws.next(3, WAIT), s, 1, 0);
            assertNothingMore(ws);
            publishTexts(s, 0, 3, 4);
            publishTexts(s, 1, 3, 4);
            assertFrame(ws.next(WAIT), s, 1, 3);
            assertNothingMore(ws);
        }
    }

    @Test
    void noPartitionMeansAllPartitionsEachInOffsetOrder() {
        String s = stream(3);
        publishTextsToEach(s, 3, 0, 4);
        try (WsClient ws = subscribe(s, "start=earliest")) {
            Map<Integer, List<Long>> got = byPartition(ws.next(12, WAIT), s);
            for (int p = 0; p < 3; p++) {
                assertEquals(List.of(0L, 1L, 2L, 3L), got.get(p), "partition " + p + ": " + got);
            }
            assertNothingMore(ws);
            publishTextsToEach(s, 3, 4, 6);
            Map<Integer, List<Long>> live = byPartition(ws.next(6, WAIT), s);
            for (int p = 0; p < 3; p++) {
                assertEquals(List.of(4L, 5L), live.get(p), "live partition " + p + ": " + live);
            }
        }
    }

    @Test
    void formatTextSendsText() {
        String s = stream(1);
        api.publishOk(s, "héllo");
        try (WsClient ws = subscribe(s, "start=earliest&format=text")) {
            JsonObject frame = ws.next(WAIT);
            assertEquals("héllo", frame.getString("text"), frame::encode);
            assertFalse(frame.containsKey("value"), frame::encode);
        }
        try (WsClient ws = subscribe(s, "start=earliest&format=json")) {
            assertEquals(b64("héllo"), ws.next(WAIT).getString("value"));
        }
    }

    @Test
    void aOneMebibyteMessageArrivesWhole() {
        String s = stream(1);
        byte[] value = new byte[1024 * 1024];
        new java.util.Random(3).nextBytes(value);
        api.publish(s, null, value, Map.of()).expect(201);
        api.publishOk(s, "m1");
        try (WsClient ws = subscribe(s, "start=earliest")) {
            JsonObject big = ws.next(Duration.ofSeconds(20));
            assertEquals(0L, big.getLong("offset"));
            org.junit.jupiter.api.Assertions.assertArrayEquals(value, HttpApi.unb64(big.getString("value")));
            assertFrame(ws.next(WAIT), s, 0, 1);
        }
    }

    @Test
    void deletingTheStreamSendsAnErrorFrameThenClose() {
        String s = stream(1);
        publishTexts(s, 0, 0, 2);
        try (WsClient ws = subscribe(s, "start=earliest")) {
            assertFrames(ws.next(2, WAIT), s, 0, 0);
            api.delete("/v1/streams/" + s).expect(204);
            JsonObject frame = ws.poll(WAIT);
            assertNotNull(frame, "a subscriber of a deleted stream got neither an error frame nor a close within "
                    + WAIT.toMillis() + " ms: it would wait forever (closed: " + ws.isClosed() + ")");
            assertNotNull(frame.getJsonObject("error"), () -> "expected an error frame, got " + frame);
            ws.awaitClose(WAIT);
        }
    }

    @Test
    void offsetBeforeTheStartOffsetIsNeverASilentGap() {
        try (TestNode own = TestNode.start(c -> c.withSegmentBytes(16 * 1024).withRetentionCheckMs(100))) {
            HttpApi a = own.api();
            a.createStream(new JsonObject().put("name", "r").put("retention", new JsonObject()
                    .put("maxMessages", 50)));
            a.fill("r", 0, 1000, 50, i -> "m" + i + ":" + "x".repeat(200));
            long start = Await.value(Duration.ofSeconds(30), "retention runs", () -> a.partition("r", 0)
                    .getLong("startOffset"), v -> v > 0);
            try (WsClient ws = WsClient.connect(own.wsUri("/v1/streams/r/subscribe?partition=0&start=offset"
                    + "&offset=0"))) {
                JsonObject first = ws.next(WAIT);
                if (first.containsKey("error")) {
                    assertEquals("offset_out_of_range", first.getJsonObject("error").getString("code"),
                            first::encode);
                    ws.awaitClose(WAIT);
                } else {
                    // resuming at the start offset would silently skip 0..start-1: the contract's read answers 404
                    throw new AssertionError("subscribe from offset 0 below startOffset " + start
                            + " delivered " + first.getLong("offset") + " instead of an offset_out_of_range error");
                }
            }
            // earliest starts at the start offset
            try (WsClient ws = WsClient.connect(own.wsUri("/v1/streams/r/subscribe?partition=0&start=earliest"))) {
                long now = a.partition("r", 0).getLong("startOffset");
                long first = ws.next(WAIT).getLong("offset");
                assertTrue(first >= start && first <= now, () -> "earliest began at " + first + ", startOffset "
                        + now);
            }
        }
    }

    // ------------------------------------------------------------------ live tail

    @Test
    void liveTailDeliversEveryNewMessageInOrderWithoutGapsOrDuplicates() throws Exception {
        String s = stream(2);
        publishTexts(s, 0, 0, 3);
        try (WsClient one = subscribe(s, "partition=0&start=new"); WsClient all = subscribe(s, "start=new")) {
            assertNothingMore(one);
            assertNothingMore(all);
            // singles from two threads (one per partition) and batches
            Thread p1 = new Thread(() -> publishTexts(s, 1, 0, 200));
            p1.start();
            publishTexts(s, 0, 3, 203);
            p1.join(60_000);
            api.fill(s, 0, 1000, i -> "m" + (203 + i));
            assertFrames(one.next(1200, Duration.ofSeconds(60)), s, 0, 3);
            Map<Integer, List<Long>> got = byPartition(all.next(1400, Duration.ofSeconds(60)), s);
            assertContiguous(got.get(0), 3, 1203);
            assertContiguous(got.get(1), 0, 200);
            assertNothingMore(one);
            assertNothingMore(all);
        }
    }

    // ------------------------------------------------------------------ errors

    private static void assertErrorFrameThenClose(String s, String query) {
        try (WsClient ws = subscribe(s, query)) {
            JsonObject frame = ws.next(WAIT);
            JsonObject error = frame.getJsonObject("error");
            assertNotNull(error, () -> "expected one error frame for ?" + query + ", got " + frame);
            assertNotNull(error.getString("code"), frame::encode);
            assertTrue(error.getString("code").matches("[a-z][a-z0-9_]*"), frame::encode);
            assertNotNull(error.getString("message"), frame::encode);
            WsClient.Close close = ws.awaitClose(WAIT);
            assertTrue(close.status() >= 1000, () -> "closed badly: " + close);
            assertEquals(0, ws.queued(), "nothing after the error frame");
        }
    }

    @Test
    void unknownStreamGetsAnErrorFrameThenClose() {
        assertErrorFrameThenClose("no-such-" + SEQ.incrementAndGet(), "start=earliest");
    }

    @Test
    void badStartParametersGetAnErrorFrameThenClose() {
        String s = stream(2);
        api.publishOk(s, "partition=0", "m0");
        for (String query : List.of("start=bogus", "start=offset", "start=offset&offset=abc",
                "start=offset&offset=-1", "start=time", "start=time&time=abc", "start=cursor",
                "start=cursor&cursor=never-stored", "start=cursor&cursor=bad%20id", "partition=2&start=earliest",
                "partition=abc&start=earliest", "start=earliest&format=xml")) {
            assertErrorFrameThenClose(s, query);
        }
        // the node is still fine
        try (WsClient ws = subscribe(s, "partition=0&start=earliest")) {
            assertFrame(ws.next(WAIT), s, 0, 0);
        }
    }

    // ------------------------------------------------------------------ back-pressure

    @Test
    void slowClientIsBackPressuredAndGetsEverythingInOrder() {
        String s = stream(1);
        int total = 50_000;
        String pad = "p".repeat(1000);
        api.fill(s, 0, total, i -> "m" + i + ":" + pad);
        long payload = (long) total * (b64("m0:" + pad).length() + 100);
        long baseline = usedMemory();

        try (WsClient ws = WsClient.connectManual(node.wsUri("/v1/streams/" + s + "/subscribe?partition=0"
                + "&start=earliest"), 10)) {
            List<JsonObject> firstTen = ws.next(10, WAIT);
            for (int i = 0; i < 10; i++) {
                assertEquals((long) i, firstTen.get(i).getLong("offset"));
            }
            // a stalled client: nothing beyond its demand arrives, and the server does not buffer the whole log
            assertNull(ws.poll(Duration.ofSeconds(3)), "a frame arrived without demand");
            long stalled = usedMemory();
            long growth = stalled - baseline;
            System.out.println("back-pressure: memory growth while stalled " + growth / 1024 + " KiB, backlog "
                    + payload / 1024 + " KiB, queued frames " + ws.queued());
            assertTrue(growth < payload / 3, () -> "memory grew by " + growth / 1024 / 1024 + " MiB while a client"
                    + " stalled on a " + payload / 1024 / 1024 + " MiB backlog: the server buffers instead of"
                    + " back-pressuring");

            long next = 10;
            while (next < total) {
                int chunk = (int) Math.min(250, total - next);
                ws.request(chunk);
                List<JsonObject> frames = ws.next(chunk, Duration.ofSeconds(30));
                for (JsonObject f : frames) {
                    long offset = f.getLong("offset");
                    assertEquals(next, offset, "gap or duplicate in a back-pressured subscription");
                    String text = HttpApi.text(f);
                    assertTrue(text.startsWith("m" + next + ":"), () -> "wrong value at " + offset);
                    next++;
                }
                assertTrue(ws.received() <= next, "more frames than demanded");
            }
            assertEquals(total, next);
            // still live after the backlog
            ws.request(1);
            api.publishOk(s, "m" + total);
            JsonObject live = ws.next(WAIT);
            assertEquals((long) total, live.getLong("offset"));
        }
    }

    @Test
    void aSubscriberOvertakenByRetentionIsNotSilentlySkippedAhead() {
        try (TestNode own = TestNode.start(c -> c.withSegmentBytes(8 * 1024).withRetentionCheckMs(100))) {
            HttpApi a = own.api();
            a.createStream(new JsonObject().put("name", "r").put("retention", new JsonObject()
                    .put("maxMessages", 100)));
            a.fill("r", 0, 20, 10, i -> "m" + i);
            try (WsClient ws = WsClient.connectManual(own.wsUri("/v1/streams/r/subscribe?partition=0"
                    + "&start=earliest"), 5)) {
                List<JsonObject> first = ws.next(5, WAIT);
                assertEquals(4L, first.get(4).getLong("offset"));
                a.fill("r", 0, 3000, 25, i -> "m" + (20 + i) + ":" + "x".repeat(100));
                Await.until(Duration.ofSeconds(30), "retention passes the stalled subscriber",
                        () -> a.partition("r", 0).getLong("startOffset") > 2500);
                // resume: either contiguous from 5 (whatever the server had kept for us) or an error; never a jump
                long expected = 5;
                ws.request(10_000);
                while (true) {
                    JsonObject f = ws.poll(Duration.ofSeconds(3));
                    if (f == null) {
                        break;
                    }
                    if (f.containsKey("error")) {
                        ws.awaitClose(WAIT);
                        return;
                    }
                    long offset = f.getLong("offset");
                    assertEquals(expected, offset, "the subscriber silently skipped from " + expected + " to "
                            + offset + " (removed by retention) without an error frame");
                    expected++;
                }
                assertEquals(3020L, expected, "subscriber stopped at " + expected + " without an error");
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private static Map<Integer, List<Long>> byPartition(List<JsonObject> frames, String s) {
        Map<Integer, List<Long>> out = new HashMap<>();
        for (JsonObject f : frames) {
            assertNull(f.getValue("error"), f::encode);
            assertEquals(s, f.getString("stream"), f::encode);
            int p = f.getInteger("partition");
            long offset = f.getLong("offset");
            assertEquals("m" + offset, HttpApi.text(f), f::encode);
            out.computeIfAbsent(p, k -> new ArrayList<>()).add(offset);
        }
        return out;
    }

    private static void assertContiguous(List<Long> offsets, long from, long toExclusive) {
        assertNotNull(offsets, "no frames for a partition");
        assertEquals(toExclusive - from, offsets.size(), () -> "count of " + offsets);
        for (int i = 0; i < offsets.size(); i++) {
            assertEquals(from + i, offsets.get(i), "gap or duplicate at index " + i);
        }
    }

    /** Heap after GC plus direct buffers (JDK pool and Netty's own counter). */
    private static long usedMemory() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Await.until(Duration.ofMillis(500), "a short GC pause", new java.util.function.BooleanSupplier() {
                private final long until = System.nanoTime() + 100_000_000L;

                @Override
                public boolean getAsBoolean() {
                    return System.nanoTime() > until;
                }
            });
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long direct = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                direct += pool.getMemoryUsed();
            }
        }
        long netty = io.netty.util.internal.PlatformDependent.usedDirectMemory();
        return heap + direct + Math.max(0, netty);
    }
}
