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

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code /v1/streams}: create, list, describe, patch, delete, validation, durability of the catalogue. */
class StreamsApiTest {
    private static final AtomicInteger SEQ = new AtomicInteger();
    @RegisterExtension
    static final TestNode node = TestNode.perClass();
    private static final HttpApi api = node.api();

    private static String name(String prefix) {
        return prefix + "-" + SEQ.incrementAndGet();
    }

    // ------------------------------------------------------------------ create

    @Test
    void createAnswers201WithTheDescription() {
        String s = name("create");
        JsonObject config = new JsonObject().put("name", s).put("partitions", 3).put("ackPolicy", "leader")
                .put("retention", new JsonObject().put("maxMessages", 1000).put("maxBytes", 0).put("maxAgeMs", 0))
                .put("dedupWindowMs", 60000).put("maxMessageBytes", 4096).put("compact", false);
        HttpApi.Response r = api.createStreamRaw(config).expect(201);
        assertTrue(r.header("Content-Type").orElse("").startsWith("application/json"), r::describe);
        JsonObject d = r.json();
        assertEquals(s, d.getString("name"));
        assertEquals("leader", d.getString("ackPolicy"));
        assertEquals(1000L, d.getJsonObject("retention").getLong("maxMessages"));
        assertEquals(60000L, d.getLong("dedupWindowMs"));
        assertEquals(4096L, d.getLong("maxMessageBytes"));
        assertEquals(Boolean.FALSE, d.getBoolean("compact"));
        JsonArray partitions = d.getJsonArray("partitions");
        assertNotNull(partitions, () -> "partitions must be a list in the description: " + d);
        assertEquals(3, partitions.size());
        for (int i = 0; i < 3; i++) {
            assertEmptyPartition(partitions.getJsonObject(i), i);
        }
    }

    @Test
    void defaultsAreApplied() {
        String s = name("defaults");
        JsonObject d = api.createStream(new JsonObject().put("name", s));
        assertEquals(1, d.getJsonArray("partitions").size(), d::encode);
        assertEquals(1, d.getInteger("replicationFactor"), d::encode);
        assertEquals(1, d.getInteger("minInsyncReplicas"), d::encode);
        assertEquals("all", d.getString("ackPolicy"), d::encode);
        JsonObject retention = d.getJsonObject("retention");
        assertNotNull(retention, d::encode);
        assertEquals(0L, retention.getLong("maxMessages", 0L), d::encode);
        assertEquals(0L, retention.getLong("maxBytes", 0L), d::encode);
        assertEquals(0L, retention.getLong("maxAgeMs", 0L), d::encode);
        assertEquals(Boolean.FALSE, d.getBoolean("compact", false), d::encode);
        assertTrue(d.getLong("dedupWindowMs") > 0, d::encode);
        assertTrue(d.getLong("maxMessageBytes") > 0, d::encode);
        assertFalse(d.containsKey("mirror") && d.getValue("mirror") != null, d::encode);
        assertEmptyPartition(d.getJsonArray("partitions").getJsonObject(0), 0);
        // the description from GET is the same as the one from create
        assertEquals(d, api.describe(s));
    }

    @Test
    void sameRequestAgainIs200AndIdempotent() {
        String s = name("idem");
        JsonObject config = new JsonObject().put("name", s).put("partitions", 2).put("ackPolicy", "leader");
        JsonObject first = api.createStreamRaw(config).expect(201).json();
        HttpApi.Response again = api.createStreamRaw(config).expect(200);
        assertEquals(first.getString("name"), again.json().getString("name"));
        assertEquals(2, again.json().getJsonArray("partitions").size());
        // still exactly one stream of that name
        long count = api.get("/v1/streams").expect(200).json().getJsonArray("streams").stream()
                .filter(o -> s.equals(((JsonObject) o).getString("name"))).count();
        assertEquals(1, count);
    }

    @Test
    void sameRequestSpelledWithItsDefaultsIsStillIdempotent() {
        String s = name("idem-defaults");
        api.createStream(new JsonObject().put("name", s));
        api.createStreamRaw(new JsonObject().put("name", s).put("partitions", 1).put("replicationFactor", 1)
                .put("ackPolicy", "all")).expect(200);
    }

    @Test
    void sameNameOtherConfigIs409StreamExists() {
        String s = name("exists");
        api.createStream(s, 2);
        Expect.error(api.createStreamRaw(new JsonObject().put("name", s).put("partitions", 3)), 409,
                "stream_exists");
        Expect.error(api.createStreamRaw(new JsonObject().put("name", s).put("partitions", 2)
                .put("ackPolicy", "none")), 409, "stream_exists");
        // unchanged
        assertEquals(2, api.describe(s).getJsonArray("partitions").size());
        assertEquals("all", api.describe(s).getString("ackPolicy"));
    }

    @Test
    void replicationFactorAboveLiveNodesIs503InsufficientNodesAndNothingIsCreated() {
        String s = name("rf3");
        HttpApi.Response r = api.createStreamRaw(new JsonObject().put("name", s).put("replicationFactor", 3));
        Expect.error(r, 503, "insufficient_nodes");
        Expect.retryAfter(r);
        Expect.error(api.describeRaw(s), 404, null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "has space", "dot.ted", "slash/ed", "ünïcode", "star*", "gt>",
            "12345678901234567890123456789012345678901234567890123456789012345"})
    void invalidNamesAre400(String bad) {
        HttpApi.Response r = api.createStreamRaw(new JsonObject().put("name", bad));
        Expect.error(r, 400, null);
    }

    @Test
    void longestAndOddButValidNamesAreAccepted() {
        String max = "a".repeat(60) + SEQ.incrementAndGet() % 10 + "_-Z";
        assertEquals(64, max.length());
        api.createStream(new JsonObject().put("name", max));
        api.describe(max);
        String odd = "_-" + SEQ.incrementAndGet();
        api.createStream(new JsonObject().put("name", odd));
        api.describe(odd);
    }

    @Test
    void missingOrNonStringNameIs400() {
        Expect.error(api.createStreamRaw(new JsonObject().put("partitions", 1)), 400, null);
        Expect.error(api.createStreamRaw(new JsonObject().put("name", 42)), 400, null);
        Expect.error(api.createStreamRaw(new JsonObject().putNull("name")), 400, null);
    }

    @Test
    void badJsonIs400() {
        Map<String, String> json = Map.of("Content-Type", HttpApi.JSON);
        for (String body : List.of("{", "{\"name\":", "not json", "", "[]", "[{\"name\":\"x\"}]", "\"x\"", "null",
                "{\"name\":\"bad-json\"} trailing")) {
            HttpApi.Response r = api.request("POST", "/v1/streams", body, json);
            Expect.error(r, 400, null);
        }
    }

    @Test
    void unknownFieldsAre400() {
        String s = name("unknown-field");
        Expect.error(api.createStreamRaw(new JsonObject().put("name", s).put("partitons", 3)), 400, null);
        Expect.error(api.createStreamRaw(new JsonObject().put("name", s)
                .put("retention", new JsonObject().put("maxMessage", 3))), 400, null);
        Expect.error(api.describeRaw(s), 404, null);
    }

    @Test
    void badValuesAre400() {
        String s = name("bad-values");
        List<JsonObject> bad = List.of(
                new JsonObject().put("name", s).put("partitions", 0),
                new JsonObject().put("name", s).put("partitions", -1),
                new JsonObject().put("name", s).put("partitions", "3"),
                new JsonObject().put("name", s).put("partitions", 1.5),
                new JsonObject().put("name", s).put("replicationFactor", 0),
                new JsonObject().put("name", s).put("minInsyncReplicas", 0),
                new JsonObject().put("name", s).put("ackPolicy", "sometimes"),
                new JsonObject().put("name", s).put("retention", new JsonObject().put("maxMessages", -1)),
                new JsonObject().put("name", s).put("retention", "forever"),
                new JsonObject().put("name", s).put("maxMessageBytes", 0),
                new JsonObject().put("name", s).put("dedupWindowMs", -5),
                new JsonObject().put("name", s).put("compact", "yes"));
        for (JsonObject config : bad) {
            HttpApi.Response r = api.createStreamRaw(config);
            Expect.error(r, 400, null);
        }
        Expect.error(api.describeRaw(s), 404, null);
    }

    @Test
    void wrongContentTypeIs415() {
        String s = name("ctype");
        String body = new JsonObject().put("name", s).encode();
        Expect.error(api.request("POST", "/v1/streams", body, Map.of("Content-Type", "text/plain")), 415, null);
        Expect.error(api.request("POST", "/v1/streams", body, Map.of("Content-Type", "application/xml")), 415, null);
        Expect.error(api.describeRaw(s), 404, null);
        // a charset parameter is fine
        api.request("POST", "/v1/streams", body, Map.of("Content-Type", "application/json; charset=utf-8"))
                .expect(201);
    }

    // ------------------------------------------------------------------ list and describe

    @Test
    void listShowsEveryStreamWithItsDescription() {
        String a = name("list-a");
        String b = name("list-b");
        api.createStream(a, 1);
        api.createStream(b, 2);
        JsonObject body = api.get("/v1/streams").expect(200).json();
        JsonArray streams = body.getJsonArray("streams");
        assertNotNull(streams, body::encode);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < streams.size(); i++) {
            JsonObject d = streams.getJsonObject(i);
            names.add(d.getString("name"));
            if (b.equals(d.getString("name"))) {
                assertEquals(2, d.getJsonArray("partitions").size(), d::encode);
                assertEquals("all", d.getString("ackPolicy"), d::encode);
            }
        }
        assertTrue(names.containsAll(Set.of(a, b)), () -> "list misses streams: " + names);
    }

    @Test
    void describeShowsOffsetsMessagesAndBytesOfEachPartition() {
        String s = name("describe");
        api.createStream(s, 2);
        for (int i = 0; i < 5; i++) {
            api.publishOk(s, "partition=1&ack=all", "message-" + i);
        }
        JsonObject d = api.describe(s);
        JsonArray partitions = d.getJsonArray("partitions");
        assertEquals(2, partitions.size());
        JsonObject p0 = partitions.getJsonObject(0).getInteger("id") == 0 ? partitions.getJsonObject(0)
                : partitions.getJsonObject(1);
        JsonObject p1 = partitions.getJsonObject(0).getInteger("id") == 1 ? partitions.getJsonObject(0)
                : partitions.getJsonObject(1);
        assertEmptyPartition(p0, 0);
        assertEquals(1, p1.getInteger("id"));
        assertEquals(0L, p1.getLong("startOffset"), p1::encode);
        assertEquals(5L, p1.getLong("endOffset"), p1::encode);
        assertEquals(4L, p1.getLong("highWatermark"), p1::encode);
        assertEquals(5L, p1.getLong("messages"), p1::encode);
        assertTrue(p1.getLong("bytes") >= 5 * "message-0".length(), p1::encode);
        assertTrue(p1.getLong("bytes") > p0.getLong("bytes"), "bytes grows with messages: " + d.encode());
        assertEquals(TestNode.NODE_ID, p1.getString("leader"), p1::encode);
    }

    @Test
    void describeUnknownStreamIs404() {
        Expect.error(api.describeRaw(name("nope")), 404, null);
        HttpApi.Response invalid = api.describeRaw("in%20valid");
        assertTrue(invalid.status() == 400 || invalid.status() == 404, invalid::describe);
        Expect.errorShape(invalid, null);
    }

    // ------------------------------------------------------------------ patch

    @Test
    void patchChangesRetentionAckPolicyAndMinInsyncReplicas() {
        String s = name("patch");
        api.createStream(s, 1);
        HttpApi.Response r = api.patchStream(s, new JsonObject()
                .put("retention", new JsonObject().put("maxMessages", 10).put("maxBytes", 1_000_000)
                        .put("maxAgeMs", 3_600_000))
                .put("ackPolicy", "leader")
                .put("minInsyncReplicas", 1));
        assertEquals(200, r.status(), r::describe);
        JsonObject d = api.describe(s);
        assertEquals(10L, d.getJsonObject("retention").getLong("maxMessages"), d::encode);
        assertEquals(1_000_000L, d.getJsonObject("retention").getLong("maxBytes"), d::encode);
        assertEquals(3_600_000L, d.getJsonObject("retention").getLong("maxAgeMs"), d::encode);
        assertEquals("leader", d.getString("ackPolicy"), d::encode);
        assertEquals(1, d.getInteger("minInsyncReplicas"), d::encode);
        // the answer is the new description
        assertEquals("leader", r.json().getString("ackPolicy"), r::describe);
        // the new default ack policy is used by publishes: leader acks are 201 with an offset
        JsonObject ack = api.publishOk(s, "hello");
        assertEquals(0L, ack.getLong("offset"));
        // ack=none as the stream's policy makes a plain publish 202
        api.patchStream(s, new JsonObject().put("ackPolicy", "none")).expect(200);
        assertEquals(202, api.publish(s, "fire-and-forget").status());
    }

    @Test
    void patchPausedStopsPublishesWith503UntilUnpaused() {
        String s = name("paused");
        api.createStream(s, 1);
        api.patchStream(s, new JsonObject().put("paused", true)).expect(200);
        assertEquals(Boolean.TRUE, api.describe(s).getBoolean("paused"));
        HttpApi.Response r = api.publish(s, "while paused");
        Expect.error(r, 503, "stream_paused");
        Expect.retryAfter(r);
        assertEquals(0L, api.partition(s, 0).getLong("endOffset"));
        api.patchStream(s, new JsonObject().put("paused", false)).expect(200);
        assertEquals(0L, api.publishOk(s, "after").getLong("offset"));
    }

    @Test
    void patchReadOnlyRejectsPublishesWith409() {
        String s = name("readonly");
        api.createStream(s, 1);
        api.publishOk(s, "before");
        api.patchStream(s, new JsonObject().put("readOnly", true)).expect(200);
        assertEquals(Boolean.TRUE, api.describe(s).getBoolean("readOnly"));
        Expect.error(api.publish(s, "while read-only"), 409, "stream_read_only");
        // reads still work
        assertEquals(1, api.readOk(s, 0, "offset=0").getJsonArray("messages").size());
        api.patchStream(s, new JsonObject().put("readOnly", false)).expect(200);
        assertEquals(1L, api.publishOk(s, "after").getLong("offset"));
    }

    @Test
    void patchReplicationFactorAboveLiveNodesIs503InsufficientNodes() {
        String s = name("patch-rf");
        api.createStream(s, 1);
        HttpApi.Response r = api.patchStream(s, new JsonObject().put("replicationFactor", 2));
        Expect.error(r, 503, "insufficient_nodes");
        Expect.retryAfter(r);
        assertEquals(1, api.describe(s).getInteger("replicationFactor"));
        // the same replication factor is fine
        api.patchStream(s, new JsonObject().put("replicationFactor", 1)).expect(200);
    }

    @Test
    void patchBadInputIs400AndUnknownStreamIs404() {
        String s = name("patch-bad");
        api.createStream(s, 1);
        Expect.error(api.patchStream(s, new JsonObject().put("ackPolicy", "maybe")), 400, null);
        Expect.error(api.patchStream(s, new JsonObject().put("paused", "yes")), 400, null);
        Expect.error(api.patchStream(s, new JsonObject().put("noSuchField", 1)), 400, null);
        Expect.error(api.patchStream(s, new JsonObject().put("retention", new JsonObject().put("maxBytes", -1))),
                400, null);
        Expect.error(api.request("PATCH", "/v1/streams/" + s, "{oops", Map.of("Content-Type", HttpApi.JSON)), 400,
                null);
        Expect.error(api.patchStream(name("patch-missing"), new JsonObject().put("paused", true)), 404, null);
        // nothing changed
        assertEquals("all", api.describe(s).getString("ackPolicy"));
    }

    // ------------------------------------------------------------------ delete

    @Test
    void deleteIs204ThenTheStreamAndItsDataAreGone() {
        String s = name("delete");
        api.createStream(s, 2);
        api.publishOk(s, "partition=0", "gone soon");
        api.publishOk(s, "partition=1", "gone soon too");
        HttpApi.Response r = api.delete("/v1/streams/" + s);
        assertEquals(204, r.status(), r::describe);
        assertEquals(0, r.bytes().length, "204 has no body");
        Expect.error(api.describeRaw(s), 404, null);
        Expect.error(api.delete("/v1/streams/" + s), 404, null);
        Expect.error(api.publish(s, "after delete"), 404, null);
        Expect.error(api.read(s, 0, "offset=0"), 404, null);
        boolean listed = api.get("/v1/streams").expect(200).json().getJsonArray("streams").stream()
                .anyMatch(o -> s.equals(((JsonObject) o).getString("name")));
        assertFalse(listed, "deleted stream still listed");
        // a new stream of the same name starts empty: the old data is gone
        api.createStream(s, 2);
        assertEmptyPartition(api.partition(s, 0), 0);
        assertEmptyPartition(api.partition(s, 1), 1);
        assertEquals(0L, api.publishOk(s, "partition=0", "new").getLong("offset"));
        List<JsonObject> messages = api.readAll(s, 0, 0, 100);
        assertEquals(1, messages.size());
        assertEquals("new", HttpApi.text(messages.get(0)));
    }

    @Test
    void deleteAlsoForgetsCursorsAndMessageIds() {
        String s = name("delete-state");
        api.createStream(s, 1);
        api.publish(s, null, "old", Map.of("Hawser-Msg-Id", "same-id")).expect(201);
        HttpApi.Response put = api.putJson("/v1/streams/" + s + "/cursors/reader",
                new JsonObject().put("partition", 0).put("offset", 0));
        assertTrue(put.status() == 200 || put.status() == 204, put::describe);
        api.delete("/v1/streams/" + s).expect(204);
        api.createStream(s, 1);
        Expect.error(api.get("/v1/streams/" + s + "/cursors/reader"), 404, null);
        HttpApi.Response again = api.publish(s, null, "new", Map.of("Hawser-Msg-Id", "same-id"));
        assertEquals(201, again.status(), () -> "a message id of the deleted stream de-duplicated a new message: "
                + again.describe());
        assertEquals(0L, again.json().getLong("offset"));
    }

    @Test
    void concurrentCreatesOfOneStreamGiveOne201AndThe200s() throws Exception {
        String s = name("race");
        JsonObject config = new JsonObject().put("name", s).put("partitions", 2);
        int n = 8;
        List<Integer> statuses = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        List<Thread> threads = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(() -> {
                try {
                    go.await();
                    statuses.add(api.createStreamRaw(config).status());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            threads.add(t);
            t.start();
        }
        go.countDown();
        for (Thread t : threads) {
            t.join(30_000);
        }
        assertEquals(n, statuses.size(), statuses::toString);
        assertEquals(1, statuses.stream().filter(x -> x == 201).count(), () -> "statuses " + statuses);
        assertEquals(n - 1, statuses.stream().filter(x -> x == 200).count(), () -> "statuses " + statuses);
        assertEquals(2, api.describe(s).getJsonArray("partitions").size());
    }

    @Test
    void publishingWhileAStreamIsDeletedAndRecreatedNeverGivesA500() throws Exception {
        String s = name("churn");
        api.createStream(s, 2);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        List<String> bad = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        List<Thread> publishers = new java.util.ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int kind = t % 4;
            Thread th = new Thread(() -> {
                while (!stop.get()) {
                    HttpApi.Response r = churnRequest(s, kind);
                    int st = r.status();
                    if (st >= 500 && st != 503) {
                        bad.add(r.describe());
                    }
                }
            });
            publishers.add(th);
            th.start();
        }
        for (int round = 0; round < 30; round++) {
            api.delete("/v1/streams/" + s).expect(204);
            api.createStream(s, 2);
        }
        stop.set(true);
        for (Thread th : publishers) {
            th.join(30_000);
        }
        assertTrue(bad.isEmpty(), () -> "5xx while a stream was deleted/recreated: " + bad.subList(0,
                Math.min(5, bad.size())));
        // the recreated stream is consistent: contiguous from 0
        for (int p = 0; p < 2; p++) {
            JsonObject part = api.partition(s, p);
            assertEquals(part.getLong("endOffset"), (long) api.readAll(s, p, 0, 500).size(), part::encode);
        }
    }

    /** A publish (0), a batch (1), a read (2) or a long poll (3). */
    private static HttpApi.Response churnRequest(String s, int kind) {
        switch (kind) {
            case 0:
                return api.publish(s, "x");
            case 1:
                return api.batch(s, List.of(new JsonObject().put("text", "a"), new JsonObject().put("text", "b")));
            case 2:
                return api.read(s, 0, "offset=0&limit=10");
            default:
                return api.read(s, 1, "offset=1000000&waitMs=100"); // a long poll at the end
        }
    }

    // ------------------------------------------------------------------ durability

    @Test
    void streamsAndTheirDataSurviveARestart() {
        try (TestNode own = TestNode.start()) {
            HttpApi a = own.api();
            a.createStream(new JsonObject().put("name", "kept").put("partitions", 3).put("ackPolicy", "leader")
                    .put("retention", new JsonObject().put("maxMessages", 500)).put("maxMessageBytes", 2048));
            a.createStream("kept-too", 1);
            a.createStream("deleted", 1);
            a.publishOk("kept", "partition=2&ack=all", "v0");
            a.publishOk("kept", "partition=2&ack=all", "v1");
            a.patchStream("kept-too", new JsonObject().put("paused", true)).expect(200);
            a.delete("/v1/streams/deleted").expect(204);
            JsonObject before = a.describe("kept");

            own.restart();

            JsonObject after = a.describe("kept");
            assertEquals(before.getString("ackPolicy"), after.getString("ackPolicy"));
            assertEquals(before.getJsonObject("retention"), after.getJsonObject("retention"));
            assertEquals(before.getLong("maxMessageBytes"), after.getLong("maxMessageBytes"));
            assertEquals(3, after.getJsonArray("partitions").size());
            JsonObject p2 = a.partition("kept", 2);
            assertEquals(2L, p2.getLong("endOffset"), p2::encode);
            assertEquals(1L, p2.getLong("highWatermark"), p2::encode);
            List<JsonObject> messages = a.readAll("kept", 2, 0, 10);
            assertEquals(List.of("v0", "v1"), messages.stream().map(HttpApi::text).toList());
            assertEquals(Boolean.TRUE, a.describe("kept-too").getBoolean("paused"));
            Expect.error(a.describeRaw("deleted"), 404, null);
            // the log goes on at the next offset
            assertEquals(2L, a.publishOk("kept", "partition=2", "v2").getLong("offset"));
        }
    }

    // ------------------------------------------------------------------ helpers

    static void assertEmptyPartition(JsonObject p, int id) {
        assertEquals(id, p.getInteger("id"), p::encode);
        assertEquals(TestNode.NODE_ID, p.getString("leader"), p::encode);
        assertNotNull(p.getValue("epoch"), () -> "no epoch: " + p);
        assertTrue(p.getValue("epoch") instanceof Number && p.getLong("epoch") >= 0, p::encode);
        assertEquals(new JsonArray().add(TestNode.NODE_ID), p.getJsonArray("replicas"), p::encode);
        assertEquals(new JsonArray().add(TestNode.NODE_ID), p.getJsonArray("isr"), p::encode);
        assertEquals(0L, p.getLong("startOffset"), p::encode);
        assertEquals(0L, p.getLong("endOffset"), p::encode);
        assertEquals(-1L, p.getLong("highWatermark"), p::encode);
        assertEquals(0L, p.getLong("messages"), p::encode);
        // "bytes" is not defined further by the contract (message bytes or bytes on disk): only its presence here
        assertTrue(p.getValue("bytes") instanceof Number && p.getLong("bytes") >= 0, p::encode);
    }

}
