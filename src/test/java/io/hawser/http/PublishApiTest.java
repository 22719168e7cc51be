package io.hawser.http;

import io.hawser.testkit.Expect;
import io.hawser.testkit.HttpApi;
import io.hawser.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static io.hawser.testkit.HttpApi.b64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code POST /v1/streams/{name}/messages} and {@code /batch}. */
class PublishApiTest {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final Duration WAIT = Duration.ofSeconds(10);
    @RegisterExtension
    static final TestNode node = TestNode.perClass();
    private static final HttpApi api = node.api();

    private static String stream(int partitions) {
        String s = "pub-" + SEQ.incrementAndGet();
        api.createStream(s, partitions);
        return s;
    }

    private static String stream(JsonObject config) {
        String s = "pub-" + SEQ.incrementAndGet();
        api.createStream(config.copy().put("name", s));
        return s;
    }

    /** The one message at {@code offset}, read back. */
    private static JsonObject messageAt(String s, int partition, long offset) {
        JsonArray messages = api.readOk(s, partition, "offset=" + offset + "&limit=1").getJsonArray("messages");
        assertEquals(1, messages.size(), () -> "no message at " + s + "/" + partition + "@" + offset);
        assertEquals(offset, messages.getJsonObject(0).getLong("offset"));
        return messages.getJsonObject(0);
    }

    // ------------------------------------------------------------------ single publish

    @Test
    void publishAnswers201WithStreamPartitionOffsetTimestampAndDuplicateFalse() {
        String s = stream(1);
        long before = System.currentTimeMillis();
        HttpApi.Response r = api.publish(s, "hello").expect(201);
        long after = System.currentTimeMillis();
        JsonObject ack = r.json();
        assertEquals(s, ack.getString("stream"), ack::encode);
        assertEquals(0, ack.getInteger("partition"), ack::encode);
        assertEquals(0L, ack.getLong("offset"), ack::encode);
        assertEquals(Boolean.FALSE, ack.getBoolean("duplicate"), ack::encode);
        long ts = ack.getLong("timestamp");
        assertTrue(ts >= before - 1000 && ts <= after + 1000, () -> "timestamp " + ts + " is not now: " + ack);
        for (int i = 1; i < 5; i++) {
            assertEquals(i, api.publishOk(s, "m" + i).getLong("offset"), "offsets are contiguous");
        }
        JsonObject read = messageAt(s, 0, 0);
        assertEquals("hello", HttpApi.text(read));
        assertEquals(ts, read.getLong("timestamp"), "read timestamp = ack timestamp");
    }

    @Test
    void anyBytesAreStoredExactlyIncludingEmptyAndBinary() {
        String s = stream(1);
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        long o1 = api.publish(s, null, all, Map.of()).expect(201).json().getLong("offset");
        long o2 = api.publish(s, null, new byte[0], Map.of()).expect(201).json().getLong("offset");
        byte[] invalidUtf8 = {(byte) 0xC3, (byte) 0x28, 0, (byte) 0xFF};
        long o3 = api.publish(s, null, invalidUtf8, Map.of("Content-Type", "text/plain")).expect(201).json()
                .getLong("offset");
        assertArrayEquals(all, HttpApi.unb64(messageAt(s, 0, o1).getString("value")));
        assertArrayEquals(new byte[0], HttpApi.unb64(messageAt(s, 0, o2).getString("value")));
        assertArrayEquals(invalidUtf8, HttpApi.unb64(messageAt(s, 0, o3).getString("value")));
    }

    @Test
    void ackNoneIs202WithoutOffsetAndTheMessageIsStored() {
        String s = stream(1);
        HttpApi.Response r = api.publish(s, "ack=none", "fire", Map.of());
        assertEquals(202, r.status(), r::describe);
        if (r.bytes().length > 0 && r.body().trim().startsWith("{")) {
            assertFalse(r.json().containsKey("offset"), () -> "ack=none promises no offset: " + r.describe());
        }
        api.awaitHighWatermark(s, 0, 0, WAIT);
        assertEquals("fire", HttpApi.text(messageAt(s, 0, 0)));
    }

    @Test
    void ackLeaderAndAllAre201AndReadable() {
        String s = stream(1);
        JsonObject leader = api.publishOk(s, "ack=leader", "by-leader");
        assertEquals(0L, leader.getLong("offset"));
        JsonObject all = api.publishOk(s, "ack=all", "by-all");
        assertEquals(1L, all.getLong("offset"));
        // ack=all means committed: visible to readers at once, no waiting
        JsonObject read = api.readOk(s, 0, "offset=0");
        assertEquals(1L, read.getLong("highWatermark"), read::encode);
        assertEquals(List.of("by-leader", "by-all"), read.getJsonArray("messages").stream()
                .map(o -> HttpApi.text((JsonObject) o)).toList());
        assertEquals(201, api.publish(s, "ack=all&timeoutMs=2000", "with-timeout", Map.of()).status());
    }

    @Test
    void partitionParameterChoosesThePartition() {
        String s = stream(3);
        for (int p = 0; p < 3; p++) {
            JsonObject ack = api.publishOk(s, "partition=" + p, "to-" + p);
            assertEquals(p, ack.getInteger("partition"), ack::encode);
            assertEquals(0L, ack.getLong("offset"), ack::encode);
        }
        for (int p = 0; p < 3; p++) {
            assertEquals("to-" + p, HttpApi.text(messageAt(s, p, 0)));
            assertEquals(1L, api.partition(s, p).getLong("endOffset"));
        }
    }

    @Test
    void sameKeyAlwaysGoesToTheSamePartitionAndKeysSpread() {
        String s = stream(3);
        Map<String, Integer> partitionOfKey = new HashMap<>();
        Set<Integer> used = new HashSet<>();
        for (int round = 0; round < 3; round++) {
            for (int k = 0; k < 30; k++) {
                String key = "customer-" + k;
                JsonObject ack = api.publish(s, null, "r" + round, Map.of("Hawser-Key", key)).expect(201).json();
                int p = ack.getInteger("partition");
                used.add(p);
                Integer first = partitionOfKey.putIfAbsent(key, p);
                if (first != null) {
                    assertEquals(first, p, "key " + key + " moved between partitions");
                }
                // the key is stored with the message
                JsonObject m = messageAt(s, p, ack.getLong("offset"));
                assertEquals(b64(key), m.getString("key"), m::encode);
            }
        }
        assertEquals(3, used.size(), () -> "30 keys over 3 partitions should use all of them: " + partitionOfKey);
        // an explicit partition wins over the key
        JsonObject pinned = api.publish(s, "partition=0", "pinned", Map.of("Hawser-Key", "customer-1")).expect(201)
                .json();
        assertEquals(0, pinned.getInteger("partition"));
        // the batch "key" field partitions like Hawser-Key
        List<JsonObject> lines = new ArrayList<>();
        for (int k = 0; k < 30; k++) {
            lines.add(new JsonObject().put("text", "batch").put("key", "customer-" + k));
        }
        JsonArray acks = batchOk(s, lines);
        for (int k = 0; k < 30; k++) {
            assertEquals(partitionOfKey.get("customer-" + k), acks.getJsonObject(k).getInteger("partition"),
                    "batch key customer-" + k + " went elsewhere than Hawser-Key");
        }
    }

    @Test
    void messageIdDuplicateAnswers200WithTheFirstOffset() {
        String s = stream(1);
        api.publishOk(s, "other");
        HttpApi.Response first = api.publish(s, null, "once", Map.of("Hawser-Msg-Id", "id-1")).expect(201);
        assertEquals(Boolean.FALSE, first.json().getBoolean("duplicate"));
        long offset = first.json().getLong("offset");
        assertEquals(1L, offset);
        for (String body : List.of("once", "a different body with the same id")) {
            HttpApi.Response again = api.publish(s, null, body, Map.of("Hawser-Msg-Id", "id-1"));
            assertEquals(200, again.status(), again::describe);
            JsonObject ack = again.json();
            assertEquals(Boolean.TRUE, ack.getBoolean("duplicate"), ack::encode);
            assertEquals(offset, ack.getLong("offset"), ack::encode);
            assertEquals(0, ack.getInteger("partition"), ack::encode);
            assertEquals(s, ack.getString("stream"), ack::encode);
        }
        assertEquals(2L, api.partition(s, 0).getLong("endOffset"), "a duplicate is not stored again");
        // another id is a new message; ids are per stream
        assertEquals(2L, api.publish(s, null, "x", Map.of("Hawser-Msg-Id", "id-2")).expect(201).json()
                .getLong("offset"));
        String other = stream(1);
        assertEquals(201, api.publish(other, null, "once", Map.of("Hawser-Msg-Id", "id-1")).status());
        // the batch "id" field de-duplicates against the same window
        JsonArray acks = batchOk(s, List.of(new JsonObject().put("text", "dup").put("id", "id-1"),
                new JsonObject().put("text", "fresh").put("id", "id-3")));
        assertEquals(offset, acks.getJsonObject(0).getLong("offset"), acks::encode);
        assertEquals(3L, acks.getJsonObject(1).getLong("offset"), acks::encode);
        assertEquals(4L, api.partition(s, 0).getLong("endOffset"));
    }

    @Test
    void messageIdDuplicateIsDetectedAcrossARestart() {
        try (TestNode own = TestNode.start()) {
            HttpApi a = own.api();
            a.createStream("dedup", 2);
            JsonObject first = a.publish("dedup", null, "v", Map.of("Hawser-Msg-Id", "restart-id",
                    "Hawser-Key", "k")).expect(201).json();
            own.restart();
            HttpApi.Response again = a.publish("dedup", null, "v", Map.of("Hawser-Msg-Id", "restart-id",
                    "Hawser-Key", "k"));
            assertEquals(200, again.status(), again::describe);
            assertEquals(Boolean.TRUE, again.json().getBoolean("duplicate"), again::describe);
            assertEquals(first.getLong("offset"), again.json().getLong("offset"));
            assertEquals(first.getInteger("partition"), again.json().getInteger("partition"));
            long stored = a.partition("dedup", 0).getLong("endOffset") + a.partition("dedup", 1).getLong("endOffset");
            assertEquals(1L, stored);
        }
    }

    @Test
    void messageIdIsAcceptedAgainAfterTheDedupWindow() {
        String s = stream(new JsonObject().put("dedupWindowMs", 300));
        JsonObject first = api.publish(s, null, "v", Map.of("Hawser-Msg-Id", "short")).expect(201).json();
        assertEquals(200, api.publish(s, null, "v", Map.of("Hawser-Msg-Id", "short")).status(),
                "within the window it is a duplicate");
        long after = first.getLong("timestamp") + 300 + 200;
        io.hawser.testkit.Await.until(Duration.ofSeconds(5), "the dedup window passes",
                () -> System.currentTimeMillis() > after);
        HttpApi.Response again = api.publish(s, null, "v", Map.of("Hawser-Msg-Id", "short"));
        assertEquals(201, again.status(), () -> "after dedupWindowMs the id is new again: " + again.describe());
        assertEquals(Boolean.FALSE, again.json().getBoolean("duplicate"));
        assertEquals(1L, again.json().getLong("offset"));
    }

    @Test
    void concurrentPublishersGetDistinctContiguousOffsets() throws Exception {
        String s = stream(1);
        int threads = 8;
        int each = 50;
        Map<Long, String> byOffset = new java.util.concurrent.ConcurrentHashMap<>();
        List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread w = new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    String value = "t" + id + "-" + i;
                    HttpApi.Response r = api.publish(s, id % 2 == 0 ? "ack=all" : "ack=leader", value, Map.of());
                    if (r.status() != 201) {
                        problems.add(r.describe());
                        return;
                    }
                    if (byOffset.putIfAbsent(r.json().getLong("offset"), value) != null) {
                        problems.add("offset " + r.json().getLong("offset") + " acknowledged twice");
                    }
                }
            });
            workers.add(w);
            w.start();
        }
        for (Thread w : workers) {
            w.join(60_000);
        }
        assertTrue(problems.isEmpty(), problems::toString);
        int total = threads * each;
        assertEquals(total, byOffset.size());
        api.awaitHighWatermark(s, 0, total - 1, WAIT);
        List<JsonObject> all = api.readAll(s, 0, 0, 150);
        assertEquals(total, all.size());
        for (int i = 0; i < total; i++) {
            assertEquals((long) i, all.get(i).getLong("offset"));
            assertEquals(byOffset.get((long) i), HttpApi.text(all.get(i)), "value at offset " + i);
        }
    }

    @Test
    void aOneMebibyteMessageAtTheDefaultLimitRoundTrips() {
        String s = stream(1);
        long max = api.describe(s).getLong("maxMessageBytes");
        byte[] value = new byte[(int) Math.min(max, 1024 * 1024)];
        new java.util.Random(7).nextBytes(value);
        long offset = api.publish(s, null, value, Map.of()).expect(201).json().getLong("offset");
        assertArrayEquals(value, HttpApi.unb64(messageAt(s, 0, offset).getString("value")));
        Expect.error(api.publish(s, null, new byte[(int) max + 1], Map.of()), 413, null);
    }

    @Test
    void expectedOffsetMatchIs201AndMismatchIs409() {
        String s = stream(1);
        assertEquals(0L, api.publish(s, null, "a", Map.of("Hawser-Expected-Offset", "0")).expect(201).json()
                .getLong("offset"));
        Expect.error(api.publish(s, null, "b", Map.of("Hawser-Expected-Offset", "0")), 409, "offset_mismatch");
        Expect.error(api.publish(s, null, "b", Map.of("Hawser-Expected-Offset", "5")), 409, "offset_mismatch");
        assertEquals(1L, api.partition(s, 0).getLong("endOffset"), "a mismatch stores nothing");
        assertEquals(1L, api.publish(s, null, "b", Map.of("Hawser-Expected-Offset", "1")).expect(201).json()
                .getLong("offset"));
        Expect.error(api.publish(s, null, "c", Map.of("Hawser-Expected-Offset", "not-a-number")), 400, null);
        // per partition
        String multi = stream(2);
        api.publish(multi, "partition=1", "x", Map.of("Hawser-Expected-Offset", "0")).expect(201);
        api.publish(multi, "partition=0", "x", Map.of("Hawser-Expected-Offset", "0")).expect(201);
        Expect.error(api.publish(multi, "partition=1", "y", Map.of("Hawser-Expected-Offset", "0")), 409,
                "offset_mismatch");
    }

    @Test
    void hawserHeaderPrefixIsStoredAsAMessageHeader() {
        String s = stream(1);
        Map<String, String> headers = Map.of("Hawser-Header-Trace-Id", "abc-123",
                "Hawser-Header-Tenant", "acme corp", "X-Not-Stored", "nope");
        long offset = api.publish(s, null, "with headers", headers).expect(201).json().getLong("offset");
        JsonObject stored = messageAt(s, 0, offset).getJsonObject("headers");
        assertNotNull(stored);
        Map<String, Object> lower = new HashMap<>();
        stored.forEach(e -> lower.put(e.getKey().toLowerCase(), e.getValue()));
        assertEquals("abc-123", lower.get("trace-id"), stored::encode);
        assertEquals("acme corp", lower.get("tenant"), stored::encode);
        assertEquals(2, stored.size(), () -> "only Hawser-Header-* are message headers: " + stored);
        // no headers at all: an empty object
        long plain = api.publishOk(s, "plain").getLong("offset");
        JsonObject none = messageAt(s, 0, plain);
        assertTrue(none.getJsonObject("headers") == null || none.getJsonObject("headers").isEmpty(), none::encode);
    }

    @Test
    void bodyAboveMaxMessageBytesIs413AndNothingIsStored() {
        String s = stream(new JsonObject().put("maxMessageBytes", 1024));
        api.publish(s, null, new byte[1024], Map.of()).expect(201);
        HttpApi.Response r = api.publish(s, null, new byte[1025], Map.of());
        Expect.error(r, 413, null);
        HttpApi.Response big = api.publish(s, null, new byte[3 * 1024 * 1024], Map.of());
        Expect.error(big, 413, null);
        assertEquals(1L, api.partition(s, 0).getLong("endOffset"));
        // the connection / server is still fine
        assertEquals(1L, api.publish(s, null, new byte[10], Map.of()).expect(201).json().getLong("offset"));
    }

    @Test
    void chunkedBodyAboveMaxMessageBytesIs413() {
        String s = stream(new JsonObject().put("maxMessageBytes", 1024));
        String path = "/v1/streams/" + s + "/messages";
        Map<String, String> octets = Map.of("Content-Type", HttpApi.OCTETS);
        HttpApi.Response small = api.requestChunked("POST", path, "chunked ok".getBytes(StandardCharsets.UTF_8),
                octets);
        assertEquals(201, small.status(), small::describe);
        Expect.error(api.requestChunked("POST", path, new byte[1025], octets), 413, null);
        Expect.error(api.requestChunked("POST", path, new byte[256 * 1024], octets), 413, null);
        assertEquals(1L, api.partition(s, 0).getLong("endOffset"));
        assertEquals("chunked ok", HttpApi.text(messageAt(s, 0, 0)));
    }

    @Test
    void unknownStreamIs404() {
        Expect.error(api.publish("no-such-stream-" + SEQ.incrementAndGet(), "x"), 404, null);
    }

    @Test
    void partitionOutOfRangeIs404() {
        String s = stream(3);
        Expect.error(api.publish(s, "partition=3", "x", Map.of()), 404, null);
        Expect.error(api.publish(s, "partition=1000", "x", Map.of()), 404, null);
        for (int p = 0; p < 3; p++) {
            assertEquals(0L, api.partition(s, p).getLong("endOffset"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ack=bogus", "ack=", "ack=ALL1", "partition=abc", "partition=1.5", "partition=",
            "partition=-1", "partition=99999999999999999999", "timeoutMs=abc", "timeoutMs=-1", "timeoutMs=1.5"})
    void badQueryValuesAre400(String query) {
        String s = stream(3);
        Expect.error(api.publish(s, query, "x", Map.of()), 400, null);
        for (int p = 0; p < 3; p++) {
            assertEquals(0L, api.partition(s, p).getLong("endOffset"), "a rejected publish stored something");
        }
    }

    @Test
    void pausedIs503ReadOnlyIs409() {
        String s = stream(1);
        api.patchStream(s, new JsonObject().put("paused", true)).expect(200);
        HttpApi.Response paused = api.publish(s, "x");
        Expect.error(paused, 503, "stream_paused");
        Expect.retryAfter(paused);
        Expect.error(api.batch(s, List.of(new JsonObject().put("text", "x"))), 503, "stream_paused");
        api.patchStream(s, new JsonObject().put("paused", false).put("readOnly", true)).expect(200);
        Expect.error(api.publish(s, "x"), 409, "stream_read_only");
        Expect.error(api.batch(s, List.of(new JsonObject().put("text", "x"))), 409, "stream_read_only");
        assertEquals(0L, api.partition(s, 0).getLong("endOffset"));
    }

    @Test
    void publishToAMirrorIs409MirrorReadOnlyNamingTheSource() {
        String source = stream(2);
        String mirror = "mirror-" + SEQ.incrementAndGet();
        HttpApi.Response created = api.createStreamRaw(new JsonObject().put("name", mirror)
                .put("mirror", new JsonObject().put("stream", source)));
        assertEquals(201, created.status(), created::describe);
        HttpApi.Response r = api.publish(mirror, "x");
        Expect.error(r, 409, "mirror_read_only");
        assertTrue(r.errorMessage().contains(source), () -> "the error should name the source: " + r.describe());
        Expect.error(api.batch(mirror, List.of(new JsonObject().put("text", "x"))), 409, "mirror_read_only");
    }

    // ------------------------------------------------------------------ NDJSON batch

    private static JsonArray batchOk(String s, List<JsonObject> lines) {
        HttpApi.Response r = api.batch(s, lines);
        assertTrue(r.status() == 200 || r.status() == 201, r::describe);
        JsonArray acks = r.json().getJsonArray("acks");
        assertNotNull(acks, r::describe);
        assertEquals(lines.size(), acks.size(), () -> "one ack per line: " + r.describe());
        return acks;
    }

    @Test
    void batchAcksEveryLineInInputOrderWithAllFieldsStored() {
        String s = stream(3);
        byte[] binary = {0, 1, 2, (byte) 0xFE, (byte) 0xFF, 10, 13};
        List<JsonObject> lines = List.of(
                new JsonObject().put("text", "plain text ✓"),
                new JsonObject().put("value", b64(binary)),
                new JsonObject().put("text", "keyed").put("key", "user-7"),
                new JsonObject().put("text", "pinned").put("partition", 2),
                new JsonObject().put("text", "with-id").put("id", "batch-id-1").put("partition", 0),
                new JsonObject().put("text", "with-headers").put("partition", 1)
                        .put("headers", new JsonObject().put("h1", "v1").put("h2", "v 2")));
        JsonArray acks = batchOk(s, lines);
        for (int i = 0; i < lines.size(); i++) {
            JsonObject ack = acks.getJsonObject(i);
            assertNull(ack.getValue("error"), ack::encode);
            assertNotNull(ack.getInteger("partition"), ack::encode);
            assertNotNull(ack.getLong("offset"), ack::encode);
        }
        assertEquals(2, acks.getJsonObject(3).getInteger("partition"));
        assertEquals(0, acks.getJsonObject(4).getInteger("partition"));
        assertEquals(1, acks.getJsonObject(5).getInteger("partition"));
        JsonObject m0 = at(s, acks.getJsonObject(0));
        assertEquals("plain text ✓", HttpApi.text(m0));
        assertTrue(m0.getValue("key") == null, m0::encode);
        assertArrayEquals(binary, HttpApi.unb64(at(s, acks.getJsonObject(1)).getString("value")));
        JsonObject keyed = at(s, acks.getJsonObject(2));
        assertEquals("keyed", HttpApi.text(keyed));
        assertEquals(b64("user-7"), keyed.getString("key"));
        assertEquals("pinned", HttpApi.text(at(s, acks.getJsonObject(3))));
        assertEquals("with-id", HttpApi.text(at(s, acks.getJsonObject(4))));
        JsonObject withHeaders = at(s, acks.getJsonObject(5));
        assertEquals(new JsonObject().put("h1", "v1").put("h2", "v 2"), withHeaders.getJsonObject("headers"));
        // the id is de-duplicated against a later single publish
        HttpApi.Response dup = api.publish(s, "partition=0", "with-id", Map.of("Hawser-Msg-Id", "batch-id-1"));
        assertEquals(200, dup.status(), dup::describe);
        assertEquals(acks.getJsonObject(4).getLong("offset"), dup.json().getLong("offset"));
    }

    @Test
    void batchOffsetsWithinAPartitionFollowInputOrder() {
        String s = stream(1);
        api.publishOk(s, "first");
        List<JsonObject> lines = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            lines.add(new JsonObject().put("text", "line-" + i));
        }
        JsonArray acks = batchOk(s, lines);
        for (int i = 0; i < 500; i++) {
            assertEquals(i + 1L, acks.getJsonObject(i).getLong("offset"), "ack " + i);
        }
        List<JsonObject> all = api.readAll(s, 0, 0, 200);
        assertEquals(501, all.size());
        for (int i = 0; i < 500; i++) {
            assertEquals("line-" + i, HttpApi.text(all.get(i + 1)));
            assertEquals(i + 1L, all.get(i + 1).getLong("offset"));
        }
    }

    @Test
    void batchReportsPerMessageErrorsWhileOthersSucceed() {
        String s = stream(new JsonObject().put("partitions", 2).put("maxMessageBytes", 64));
        List<JsonObject> lines = List.of(
                new JsonObject().put("text", "ok-0").put("partition", 0),
                new JsonObject().put("text", "bad partition").put("partition", 7),
                new JsonObject().put("text", "ok-1").put("partition", 0),
                new JsonObject().put("text", "x".repeat(65)).put("partition", 0),
                new JsonObject().put("text", "ok-2").put("partition", 0));
        JsonArray acks = batchOk(s, lines);
        assertEquals(0L, acks.getJsonObject(0).getLong("offset"), acks::encode);
        assertEquals(1L, acks.getJsonObject(2).getLong("offset"), acks::encode);
        assertEquals(2L, acks.getJsonObject(4).getLong("offset"), acks::encode);
        for (int i : new int[] {1, 3}) {
            JsonObject error = acks.getJsonObject(i).getJsonObject("error");
            assertNotNull(error, () -> "expected an error entry: " + acks);
            assertNotNull(error.getString("code"), acks::encode);
            assertNotNull(error.getString("message"), acks::encode);
            assertFalse(acks.getJsonObject(i).containsKey("offset"), acks::encode);
        }
        assertEquals(List.of("ok-0", "ok-1", "ok-2"), api.readAll(s, 0, 0, 10).stream().map(HttpApi::text).toList());
        assertEquals(0L, api.partition(s, 1).getLong("endOffset"));
    }

    @Test
    void batchWithAnInvalidLineIs400AndStoresNothing() {
        String s = stream(2);
        api.publishOk(s, "partition=0", "before");
        String good = new JsonObject().put("text", "good").encode();
        List<String> invalid = List.of(
                good + "\nnot json\n" + good + "\n",
                good + "\n{\"text\":\"unterminated\n" + good + "\n",
                good + "\n{\"partition\":0}\n",                        // neither text nor value
                good + "\n{\"value\":\"***not base64***\"}\n",
                good + "\n[1,2,3]\n",
                good + "\n{\"text\":42}\n",
                good + "\n{\"text\":\"x\",\"partition\":\"zero\"}\n",
                good + "\n{\"text\":\"x\",\"headers\":\"h\"}\n");
        for (String body : invalid) {
            HttpApi.Response r = api.batchRaw(s, body);
            Expect.error(r, 400, null);
            assertEquals(1L, api.partition(s, 0).getLong("endOffset"), () -> "stored after " + r.describe());
            assertEquals(0L, api.partition(s, 1).getLong("endOffset"), () -> "stored after " + r.describe());
        }
        // a batch to an unknown stream
        Expect.error(api.batchRaw("nope-" + SEQ.incrementAndGet(), good + "\n"), 404, null);
    }

    @Test
    void batchesOverTheNodeLimitsAreRejectedWhole() {
        // a node with small batch limits (maxBatchBytes 64 KiB, maxBatchMessages 100)
        try (TestNode small = TestNode.start(c -> c.with(java.util.Map.of(
                io.hawser.config.ConfigKey.MAX_BATCH_BYTES, Integer.toString(64 * 1024),
                io.hawser.config.ConfigKey.MAX_BATCH_MESSAGES, "100")))) {
            HttpApi a = small.api();
            a.createStream("limits", 1);
            List<JsonObject> hundred = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                hundred.add(new JsonObject().put("text", "m" + i));
            }
            assertEquals(100, a.batch("limits", hundred).json().getJsonArray("acks").size());
            List<JsonObject> tooMany = new ArrayList<>(hundred);
            tooMany.add(new JsonObject().put("text", "one too many"));
            HttpApi.Response r = a.batch("limits", tooMany);
            assertTrue(r.status() == 413 || r.status() == 429, r::describe);
            Expect.errorShape(r, null);
            List<JsonObject> tooBig = List.of(new JsonObject().put("text", "x".repeat(40 * 1024)),
                    new JsonObject().put("text", "y".repeat(40 * 1024)));
            HttpApi.Response big = a.batch("limits", tooBig);
            Expect.error(big, 413, null);
            HttpApi.Response bigChunked = a.requestChunked("POST", "/v1/streams/limits/batch",
                    (tooBig.get(0).encode() + "\n" + tooBig.get(1).encode() + "\n").getBytes(StandardCharsets.UTF_8),
                    Map.of("Content-Type", HttpApi.NDJSON));
            Expect.error(bigChunked, 413, null);
            assertEquals(100L, a.partition("limits", 0).getLong("endOffset"), "a rejected batch stored something");
        }
    }

    private static JsonObject at(String s, JsonObject ack) {
        return messageAt(s, ack.getInteger("partition"), ack.getLong("offset"));
    }
}
