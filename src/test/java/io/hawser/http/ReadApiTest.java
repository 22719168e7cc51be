package io.hawser.http;

import io.hawser.testkit.Await;
import io.hawser.testkit.Expect;
import io.hawser.testkit.HttpApi;
import io.hawser.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.hawser.testkit.HttpApi.b64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET .../partitions/{p}/messages} and cursors. */
class ReadApiTest {
    private static final AtomicInteger SEQ = new AtomicInteger();
    @RegisterExtension
    static final TestNode node = TestNode.perClass();
    private static final HttpApi api = node.api();

    private static String stream(int partitions) {
        String s = "read-" + SEQ.incrementAndGet();
        api.createStream(s, partitions);
        return s;
    }

    private static List<Long> offsets(JsonObject answer) {
        List<Long> out = new ArrayList<>();
        answer.getJsonArray("messages").forEach(o -> out.add(((JsonObject) o).getLong("offset")));
        return out;
    }

    // ------------------------------------------------------------------ read by offset

    @Test
    void readByOffsetWithLimit() {
        String s = stream(1);
        for (int i = 0; i < 10; i++) {
            api.publishOk(s, "m" + i);
        }
        JsonObject page = api.readOk(s, 0, "offset=3&limit=4");
        assertEquals(List.of(3L, 4L, 5L, 6L), offsets(page));
        assertEquals(7L, page.getLong("nextOffset"), page::encode);
        assertEquals(9L, page.getLong("highWatermark"), page::encode);
        JsonArray messages = page.getJsonArray("messages");
        for (int i = 0; i < 4; i++) {
            JsonObject m = messages.getJsonObject(i);
            assertEquals("m" + (3 + i), HttpApi.text(m));
            assertEquals(b64("m" + (3 + i)), m.getString("value"), "value is base64 by default");
            assertFalse(m.containsKey("text"), m::encode);
            assertTrue(m.getValue("timestamp") instanceof Number, m::encode);
            assertTrue(m.containsKey("key"), () -> "key is always present (null without key): " + m);
            assertNotNull(m.getJsonObject("headers"), m::encode);
        }
        // the last page, and reading at the end
        JsonObject tail = api.readOk(s, 0, "offset=8&limit=100");
        assertEquals(List.of(8L, 9L), offsets(tail));
        assertEquals(10L, tail.getLong("nextOffset"));
        JsonObject end = api.readOk(s, 0, "offset=10");
        assertEquals(List.of(), offsets(end));
        assertEquals(10L, end.getLong("nextOffset"), end::encode);
        assertEquals(9L, end.getLong("highWatermark"), end::encode);
        // default limit still returns everything from the offset in order
        JsonObject all = api.readOk(s, 0, "offset=0");
        List<Long> got = offsets(all);
        assertFalse(got.isEmpty());
        for (int i = 0; i < got.size(); i++) {
            assertEquals(i, got.get(i));
        }
    }

    @Test
    void emptyPartitionHasHighWatermarkMinusOne() {
        String s = stream(1);
        JsonObject empty = api.readOk(s, 0, "offset=0");
        assertEquals(List.of(), offsets(empty));
        assertEquals(0L, empty.getLong("nextOffset"), empty::encode);
        assertEquals(-1L, empty.getLong("highWatermark"), empty::encode);
    }

    @Test
    void formatTextAndKeysAndHeaders() {
        String s = stream(1);
        api.publish(s, null, "héllo wörld", Map.of("Hawser-Key", "k-1", "Hawser-Header-Color", "blue"))
                .expect(201);
        api.publish(s, null, "no key", Map.of()).expect(201);
        JsonObject asText = api.readOk(s, 0, "offset=0&format=text");
        JsonObject first = asText.getJsonArray("messages").getJsonObject(0);
        assertEquals("héllo wörld", first.getString("text"), first::encode);
        assertFalse(first.containsKey("value"), () -> "format=text returns text instead of value: " + first);
        assertEquals(b64("k-1"), first.getString("key"), first::encode);
        JsonObject headers = first.getJsonObject("headers");
        assertEquals(1, headers.size(), headers::encode);
        assertEquals("blue", headers.getString(headers.fieldNames().iterator().next()));
        assertTrue(headers.fieldNames().iterator().next().equalsIgnoreCase("Color"), headers::encode);
        JsonObject second = asText.getJsonArray("messages").getJsonObject(1);
        assertEquals("no key", second.getString("text"));
        assertTrue(second.containsKey("key"), second::encode);
        assertNull(second.getValue("key"), second::encode);
        // format=json is the default form
        JsonObject asJson = api.readOk(s, 0, "offset=0&format=json").getJsonArray("messages").getJsonObject(0);
        assertEquals(b64("héllo wörld"), asJson.getString("value"));
        Expect.error(api.read(s, 0, "offset=0&format=xml"), 400, null);
    }

    // ------------------------------------------------------------------ read by time

    @Test
    void timeReturnsTheFirstMessageAtOrAfterT() {
        String s = stream(1);
        long lastA = 0;
        for (int i = 0; i < 3; i++) {
            lastA = api.publishOk(s, "a" + i).getLong("timestamp");
        }
        long t = lastA + 1;
        Await.until(Duration.ofSeconds(5), "the clock passes " + t, () -> System.currentTimeMillis() > t);
        long firstB = api.publishOk(s, "b0").getLong("timestamp");
        api.publishOk(s, "b1");
        assertTrue(firstB >= t);

        JsonObject fromT = api.readOk(s, 0, "time=" + t);
        assertEquals(3L, fromT.getJsonArray("messages").getJsonObject(0).getLong("offset"), fromT::encode);
        assertEquals("b0", HttpApi.text(fromT.getJsonArray("messages").getJsonObject(0)));
        JsonObject exact = api.readOk(s, 0, "time=" + firstB + "&limit=1");
        assertEquals(List.of(3L), offsets(exact));
        JsonObject fromZero = api.readOk(s, 0, "time=0&limit=2");
        assertEquals(List.of(0L, 1L), offsets(fromZero));
        JsonObject future = api.readOk(s, 0, "time=" + (System.currentTimeMillis() + 3_600_000));
        assertEquals(List.of(), offsets(future), future::encode);
        assertEquals(5L, future.getLong("nextOffset"), "nothing at or after T: next is the end");
    }

    // ------------------------------------------------------------------ long poll

    @Test
    void waitMsReturnsAsSoonAsAMessageIsPublished() throws Exception {
        String s = stream(1);
        api.publishOk(s, "old");
        long start = System.nanoTime();
        CompletableFuture<JsonObject> poll = CompletableFuture.supplyAsync(() ->
                api.readOk(s, 0, "offset=1&waitMs=10000"));
        Await.until(Duration.ofSeconds(2), "300 ms pass", () -> System.nanoTime() - start > 300_000_000L);
        assertFalse(poll.isDone(), () -> "the long poll returned before anything was published: " + poll.join());
        api.publishOk(s, "new");
        JsonObject answer = poll.get(10, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(List.of(1L), offsets(answer), answer::encode);
        assertEquals("new", HttpApi.text(answer.getJsonArray("messages").getJsonObject(0)));
        assertTrue(ms < 3000, () -> "long poll took " + ms + " ms for a message published after ~300 ms");
    }

    @Test
    void waitMsReturnsEmptyAfterTheWaitWhenNothingComes() {
        String s = stream(1);
        api.publishOk(s, "only");
        long start = System.nanoTime();
        JsonObject answer = api.readOk(s, 0, "offset=1&waitMs=800");
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(List.of(), offsets(answer), answer::encode);
        assertEquals(1L, answer.getLong("nextOffset"));
        assertTrue(ms >= 700, () -> "returned after " + ms + " ms, before waitMs=800");
        assertTrue(ms < 5000, () -> "returned after " + ms + " ms, long after waitMs=800");
        // with data available, waitMs does not delay
        long t2 = System.nanoTime();
        assertEquals(List.of(0L), offsets(api.readOk(s, 0, "offset=0&waitMs=5000")));
        assertTrue((System.nanoTime() - t2) / 1_000_000 < 2000, "waitMs delayed an answer that had data");
    }

    // ------------------------------------------------------------------ retention

    @Test
    void offsetBeforeStartOffsetIs404OffsetOutOfRangeWithTheStartOffset() {
        try (TestNode own = TestNode.start(c -> c.withSegmentBytes(16 * 1024).withRetentionCheckMs(100))) {
            HttpApi a = own.api();
            a.createStream(new JsonObject().put("name", "retained")
                    .put("retention", new JsonObject().put("maxMessages", 100)));
            String pad = "x".repeat(200);
            a.fill("retained", 0, 2000, 50, i -> i + "-" + pad); // small batches: segments roll between appends
            // Retention runs every 100 ms and may take several rounds: wait until the start stops moving.
            long[] lastStart = {-1};
            JsonObject p = Await.value(Duration.ofSeconds(30), "retention removes old segments and settles",
                    () -> {
                        try {
                            Thread.sleep(500);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return a.partition("retained", 0);
                    }, d -> {
                        long start = d.getLong("startOffset");
                        boolean settled = start > 0 && start == lastStart[0];
                        lastStart[0] = start;
                        return settled;
                    });
            assertEquals(2000L, p.getLong("endOffset"), p::encode);
            assertTrue(p.getLong("startOffset") <= 1900, () -> "retention removed more than maxMessages: " + p);

            long before = a.partition("retained", 0).getLong("startOffset");
            HttpApi.Response r = a.read("retained", 0, "offset=0");
            long after = a.partition("retained", 0).getLong("startOffset");
            Expect.error(r, 404, "offset_out_of_range");
            Matcher m = Pattern.compile("\\d+").matcher(r.errorMessage());
            boolean mentioned = false;
            while (m.find()) {
                long n = Long.parseLong(m.group());
                mentioned |= n >= before && n <= after;
            }
            assertTrue(mentioned, () -> "the message should name the startOffset (" + before + "): "
                    + r.describe());
            Expect.error(a.read("retained", 0, "offset=" + (before - 1)), 404, "offset_out_of_range");

            // from startOffset on, everything is there and contiguous
            long start = a.partition("retained", 0).getLong("startOffset");
            List<JsonObject> rest = a.readAll("retained", 0, start, 500);
            assertEquals(2000 - start, rest.size());
            for (int i = 0; i < rest.size(); i++) {
                assertEquals(start + i, rest.get(i).getLong("offset"));
                assertTrue(HttpApi.text(rest.get(i)).startsWith((start + i) + "-"));
            }
            JsonObject desc = a.partition("retained", 0);
            assertEquals(desc.getLong("endOffset") - desc.getLong("startOffset"), desc.getLong("messages"),
                    desc::encode);
            // a time read before the first kept message starts at startOffset
            // (retention keeps running meanwhile, so the start may move on between the two calls)
            long first = a.readOk("retained", 0, "time=0&limit=1").getJsonArray("messages").getJsonObject(0)
                    .getLong("offset");
            long startNow = a.partition("retained", 0).getLong("startOffset");
            assertTrue(first >= start && first <= startNow, "time=0 read began at " + first + ", start was "
                    + start + " then " + startNow);

            // retention's result survives a restart: nothing removed comes back, offsets go on
            long startBefore = a.partition("retained", 0).getLong("startOffset");
            own.restart();
            JsonObject restarted = a.partition("retained", 0);
            assertTrue(restarted.getLong("startOffset") >= startBefore, restarted::encode);
            assertEquals(2000L, restarted.getLong("endOffset"), restarted::encode);
            Expect.error(a.read("retained", 0, "offset=0"), 404, "offset_out_of_range");
            assertEquals(2000L, a.publishOk("retained", "after restart").getLong("offset"));
        }
    }

    @Test
    void requestsDuringACleanStopGet503OrNoConnectionNeverA500AndAcksAreKept() throws Exception {
        TestNode own = TestNode.start();
        try {
            HttpApi a = own.api();
            a.createStream("stopping", 1);
            a.fill("stopping", 0, 100, i -> "m" + i);
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            List<String> bad = java.util.Collections.synchronizedList(new ArrayList<>());
            Map<Long, String> acked = new java.util.concurrent.ConcurrentHashMap<>();
            HttpApi fixed = new HttpApi(own.baseUri()); // keeps the old port after the stop
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int kind = t;
                Thread th = new Thread(() -> {
                    while (!stop.get()) {
                        try {
                            String value = "during stop " + kind + "-" + System.nanoTime();
                            HttpApi.Response r = kind % 2 == 0 ? fixed.read("stopping", 0, "offset=0&limit=50")
                                    : fixed.publish("stopping", value);
                            if (r.status() >= 500 && r.status() != 503) {
                                bad.add(r.describe());
                            }
                            if (kind % 2 == 1 && r.status() == 201) {
                                acked.put(r.json().getLong("offset"), value);
                            }
                        } catch (AssertionError e) {
                            // connection refused/reset once the server is down: fine
                        }
                    }
                });
                threads.add(th);
                th.start();
            }
            Await.until(Duration.ofSeconds(5), "traffic runs", () -> a.partition("stopping", 0)
                    .getLong("endOffset") > 120);
            own.stop();
            stop.set(true);
            for (Thread th : threads) {
                th.join(30_000);
            }
            assertTrue(bad.isEmpty(), () -> "5xx during a clean stop: " + bad.subList(0, Math.min(5, bad.size())));
            own.restart();
            List<JsonObject> all = a.readAll("stopping", 0, 0, 500);
            for (Map.Entry<Long, String> ack : acked.entrySet()) {
                assertTrue(ack.getKey() < all.size(), () -> "acknowledged offset " + ack.getKey() + " lost in a clean"
                        + " stop (" + all.size() + " messages after restart)");
                assertEquals(ack.getValue(), HttpApi.text(all.get(ack.getKey().intValue())));
            }
        } finally {
            own.close();
        }
    }

    @Test
    void compactionKeepsTheNewestMessageOfEachKey() {
        try (TestNode own = TestNode.start(c -> c.withSegmentBytes(4 * 1024).withRetentionCheckMs(100))) {
            HttpApi a = own.api();
            a.createStream(new JsonObject().put("name", "table").put("compact", true));
            Map<String, Long> newest = new java.util.HashMap<>();
            for (int round = 0; round < 40; round++) {
                List<JsonObject> lines = new ArrayList<>();
                for (int k = 0; k < 5; k++) {
                    lines.add(new JsonObject().put("text", "k" + k + "=" + round + ":" + "v".repeat(80))
                            .put("key", "k" + k));
                }
                io.vertx.core.json.JsonArray acks = a.batch("table", lines).json().getJsonArray("acks");
                for (int k = 0; k < 5; k++) {
                    newest.put("k" + k, acks.getJsonObject(k).getLong("offset"));
                }
            }
            a.publish("table", null, "roll", Map.of("Hawser-Key", "other")).expect(201);
            Await.until(Duration.ofSeconds(30), "compaction removes old versions",
                    () -> a.partition("table", 0).getLong("messages") < 100);
            JsonObject p = a.partition("table", 0);
            List<JsonObject> all = new ArrayList<>();
            long offset = p.getLong("startOffset");
            while (true) {
                JsonObject page = a.readOk("table", 0, "offset=" + offset + "&limit=100");
                io.vertx.core.json.JsonArray ms = page.getJsonArray("messages");
                ms.forEach(o -> all.add((JsonObject) o));
                if (ms.isEmpty() || page.getLong("nextOffset") > page.getLong("highWatermark")) {
                    break;
                }
                offset = page.getLong("nextOffset");
            }
            Map<String, Long> seen = new java.util.HashMap<>();
            long last = -1;
            for (JsonObject m : all) {
                assertTrue(m.getLong("offset") > last, "offsets stay increasing after compaction");
                last = m.getLong("offset");
                String key = new String(HttpApi.unb64(m.getString("key")), java.nio.charset.StandardCharsets.UTF_8);
                seen.put(key, m.getLong("offset"));
            }
            for (Map.Entry<String, Long> e : newest.entrySet()) {
                assertEquals(e.getValue(), seen.get(e.getKey()), "newest message of key " + e.getKey() + " kept");
            }
            assertTrue(all.size() < 150, () -> all.size() + " messages left after compaction of 201");
            // offsets are never reused
            assertEquals(201L, a.publishOk("table", "next").getLong("offset"));
        }
    }

    // ------------------------------------------------------------------ bad input

    @ParameterizedTest
    @ValueSource(strings = {"offset=-1", "offset=abc", "offset=1e3", "offset=", "offset=99999999999999999999",
            "offset=9223372036854775807", "offset=9223372036854775806&limit=1000", "limit=-1", "limit=0",
            "limit=abc", "limit=100000000", "offset=0&limit=2147483647", "waitMs=-1", "waitMs=abc",
            "offset=9223372036854775807&waitMs=100", "time=abc", "time=-1", "time=9223372036854775807",
            "offset=0&time=0", "format=xml", "offset=0x10"})
    void oddQueriesNeverGive5xx(String query) {
        String s = stream(1);
        api.publishOk(s, "a");
        api.publishOk(s, "b");
        HttpApi.Response r = api.read(s, 0, query);
        Expect.no5xx(r);
    }

    @Test
    void malformedOffsetAndLimitAre400() {
        String s = stream(1);
        api.publishOk(s, "a");
        for (String q : List.of("offset=-1", "offset=abc", "offset=99999999999999999999", "limit=abc",
                "limit=-5", "waitMs=abc", "time=abc")) {
            Expect.error(api.read(s, 0, q), 400, null);
        }
    }

    @Test
    void hugeOffsetIsNotAServerError() {
        String s = stream(1);
        api.publishOk(s, "a");
        HttpApi.Response r = api.read(s, 0, "offset=9223372036854775807&limit=100");
        Expect.no5xx(r);
        if (r.status() == 200) {
            assertEquals(List.of(), offsets(r.json()));
        }
    }

    @Test
    void unknownPartitionAndStreamAre404() {
        String s = stream(2);
        Expect.error(api.read(s, 2, "offset=0"), 404, null);
        Expect.error(api.read(s, 99, "offset=0"), 404, null);
        Expect.error(api.read("no-such-" + SEQ.incrementAndGet(), 0, "offset=0"), 404, null);
        HttpApi.Response negative = api.get("/v1/streams/" + s + "/partitions/-1/messages?offset=0");
        assertTrue(negative.status() == 400 || negative.status() == 404, negative::describe);
        Expect.errorShape(negative, null);
        HttpApi.Response word = api.get("/v1/streams/" + s + "/partitions/zero/messages?offset=0");
        assertTrue(word.status() == 400 || word.status() == 404, word::describe);
        Expect.errorShape(word, null);
    }

    @Test
    void unknownPathsAre404JsonErrors() {
        String s = stream(1);
        for (String path : List.of("/nope", "/v1", "/v1/stream", "/v1/streams/" + s + "/nothing",
                "/v1/streams/" + s + "/partitions/0/nothing", "/v2/streams")) {
            HttpApi.Response r = api.get(path);
            Expect.error(r, 404, null);
            assertTrue(r.header("Content-Type").orElse("").startsWith("application/json"), r::describe);
        }
    }

    // ------------------------------------------------------------------ cursors

    private static String cursorPath(String s, String id) {
        return "/v1/streams/" + s + "/cursors/" + id;
    }

    private static void putCursor(HttpApi a, String s, String id, int partition, long offset) {
        HttpApi.Response put = a.putJson(cursorPath(s, id), new JsonObject().put("partition", partition)
                .put("offset", offset));
        assertTrue(put.status() == 200 || put.status() == 204, put::describe);
    }

    @Test
    void cursorPutGetRoundTrip() {
        String s = stream(3);
        api.fill(s, 0, 60, i -> "m" + i);
        api.fill(s, 2, 10, i -> "m" + i);
        putCursor(api, s, "c1", 0, 41);
        assertEquals(new JsonObject().put("partitions", new JsonObject().put("0", 41)),
                api.get(cursorPath(s, "c1")).expect(200).json());
        putCursor(api, s, "c1", 2, 7);
        putCursor(api, s, "c1", 0, 50);
        JsonObject got = api.get(cursorPath(s, "c1")).expect(200).json();
        assertEquals(new JsonObject().put("0", 50).put("2", 7), got.getJsonObject("partitions"), got::encode);
        // a cursor may move back
        putCursor(api, s, "c1", 0, 3);
        assertEquals(3, api.get(cursorPath(s, "c1")).expect(200).json().getJsonObject("partitions").getInteger("0"));
        // another cursor is independent; the longest and oddest valid ids work
        String longId = "a.b-c_D" + "x".repeat(121);
        assertEquals(128, longId.length());
        putCursor(api, s, longId, 2, 0);
        assertEquals(new JsonObject().put("2", 0), api.get(cursorPath(s, longId)).expect(200).json()
                .getJsonObject("partitions"));
        assertEquals(new JsonObject().put("0", 3).put("2", 7), api.get(cursorPath(s, "c1")).expect(200).json()
                .getJsonObject("partitions"));
    }

    @Test
    void cursorsSurviveARestart() {
        try (TestNode own = TestNode.start()) {
            HttpApi a = own.api();
            a.createStream("cur", 2);
            a.fill("cur", 0, 20, i -> "m" + i);
            a.fill("cur", 1, 5, i -> "m" + i);
            putCursor(a, "cur", "app.1", 0, 12);
            putCursor(a, "cur", "app.1", 1, 3);
            own.restart();
            assertEquals(new JsonObject().put("0", 12).put("1", 3), a.get(cursorPath("cur", "app.1")).expect(200)
                    .json().getJsonObject("partitions"));
        }
    }

    @Test
    void unknownCursorIs404AndInvalidCursorIdIs400() {
        String s = stream(1);
        Expect.error(api.get(cursorPath(s, "never-stored")), 404, null);
        Expect.error(api.get(cursorPath("no-stream-" + SEQ.incrementAndGet(), "c")), 404, null);
        Expect.error(api.putJson(cursorPath("no-stream-" + SEQ.incrementAndGet(), "c"),
                new JsonObject().put("partition", 0).put("offset", -1)), 404, null);
        for (String bad : List.of("has%20space", "x".repeat(129), "star*", "%C3%BC", "a%2Fb", "q%3F")) {
            Expect.error(api.putJson(cursorPath(s, bad), new JsonObject().put("partition", 0).put("offset", -1)),
                    400, null);
            HttpApi.Response get = api.get(cursorPath(s, bad));
            assertTrue(get.status() == 400 || get.status() == 404, get::describe);
        }
    }

    @Test
    void badCursorBodiesAreRejected() {
        String s = stream(2); // no partition to default to
        api.fill(s, 0, 5, i -> "m" + i);
        String p = cursorPath(s, "c");
        org.junit.jupiter.api.Assertions.assertAll(
                () -> Expect.error(api.putJson(p, new JsonObject().put("partition", 0).put("offset", -2)), 400, null),
                () -> Expect.error(api.putJson(p, new JsonObject().put("partition", 0)), 400, null),
                () -> Expect.error(api.putJson(p, new JsonObject().put("offset", 3)), 400, null),
                () -> Expect.error(api.putJson(p, new JsonObject().put("partition", "0").put("offset", "x")), 400,
                        null),
                () -> Expect.error(api.request("PUT", p, "{nope", Map.of("Content-Type", HttpApi.JSON)), 400, null),
                () -> Expect.error(api.putJson(p, new JsonObject().put("partition", 0).put("offset", 1)
                        .put("extra", true)), 400, null),
                () -> {
                    HttpApi.Response outOfRange = api.putJson(p, new JsonObject().put("partition", 2)
                            .put("offset", 1));
                    assertTrue(outOfRange.status() == 400 || outOfRange.status() == 404, outOfRange::describe);
                    Expect.errorShape(outOfRange, null);
                });
        // nothing was stored by any of them
        Expect.error(api.get(p), 404, null);
    }
}
