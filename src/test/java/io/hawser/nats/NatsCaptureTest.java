package io.hawser.nats;

import io.hawser.nats.Nats.Ack;
import io.hawser.nats.Nats.NoResponders;
import io.hawser.nats.Nats.Outcome;
import io.hawser.testkit.Await;
import io.hawser.testkit.HttpApi;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static io.hawser.nats.Nats.headers;
import static io.hawser.nats.Nats.message;
import static io.hawser.nats.Nats.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The NATS bridge of one in-process node against a real nats-server and a real jnats client: capture of plain
 * publishes and of requests (replies only after the ack policy is met, with the stored offset), the special headers
 * ({@code Nats-Msg-Id}, {@code Hawser-Key}, {@code Hawser-Ack}), stored headers, error replies, overlapping
 * streams, deletion, concurrency, and the bridge's health and metrics. Each test has its own streams and subjects.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NatsCaptureTest {
    private static final Duration STORED = Duration.ofSeconds(15);

    @RegisterExtension
    static final BridgeFixture bridge = new BridgeFixture();
    private static final HttpApi api = bridge.api();

    // ------------------------------------------------------------------ request/reply

    @Test
    void requestsAreAcknowledgedWithContiguousOffsetsAndStoredBytes() {
        api.createStream(new JsonObject().put("name", "rr").put("subject", "rr.>"));
        JsonObject probe = Nats.awaitCapture(bridge.nc(), "rr.probe", "rr");
        assertEquals(0, probe.getInteger("partition"), probe::encode);
        long first = probe.getLong("offset") + 1;

        Random random = new Random(42);
        List<byte[]> values = new ArrayList<>();
        List<String> subjects = List.of("rr.a", "rr.b.c", "rr.x.y.z");
        int count = 30;
        for (int i = 0; i < count; i++) {
            byte[] value = new byte[i == 0 ? 0 : random.nextInt(3000)];
            random.nextBytes(value); // not UTF-8: bytes must go through untouched
            values.add(value);
            String subject = subjects.get(i % subjects.size());
            JsonObject ack = request(bridge.nc(), message(subject, null, value), Nats.REQUEST_TIMEOUT)
                    .ack("request " + i + " on " + subject);
            assertEquals("rr", ack.getString("stream"), ack::encode);
            assertEquals(0, ack.getInteger("partition"), ack::encode);
            assertEquals(first + i, ack.getLong("offset"), () -> "offsets of sequential requests must be contiguous: "
                    + ack.encode());
            assertFalse(ack.getBoolean("duplicate", false), ack::encode);
        }
        // a success reply means committed with ackPolicy all (the default): readable right away
        JsonObject answer = api.readOk("rr", 0, "offset=" + first + "&limit=" + count);
        JsonArray messages = answer.getJsonArray("messages");
        assertEquals(count, messages.size(), answer::encode);
        for (int i = 0; i < count; i++) {
            JsonObject m = messages.getJsonObject(i);
            assertEquals(first + i, m.getLong("offset"), m::encode);
            assertEquals(HttpApi.b64(values.get(i)), m.getString("value"), "bytes stored at offset " + (first + i));
            assertEquals(subjects.get(i % subjects.size()), header(m, "Nats-Subject"),
                    () -> "Nats-Subject header of " + m.encode());
        }
        assertEquals(first + count, api.partition("rr", 0).getLong("endOffset"), "nothing else was stored");
    }

    @Test
    void aMirrorWithTheSameSubjectCapturesNothingAndOnlyCopiesItsSource() {
        api.createStream(new JsonObject().put("name", "mm-src").put("subject", "mm.>"));
        api.createStream(new JsonObject().put("name", "mm-copy").put("subject", "mm.>")
                .put("mirror", new JsonObject().put("stream", "mm-src")));
        JsonObject probe = Nats.awaitCapture(bridge.nc(), "mm.probe", "mm-src");
        for (int i = 0; i < 5; i++) {
            JsonObject ack = request(bridge.nc(), message("mm.x", null, "m" + i), Nats.REQUEST_TIMEOUT)
                    .ack("request " + i);
            assertEquals("mm-src", ack.getString("stream"), "only the source captures: " + ack.encode());
        }
        io.hawser.testkit.MirrorCheck.awaitCaughtUp(api, "mm-src", api, "mm-copy", STORED);
        long copied = io.hawser.testkit.MirrorCheck.assertIdentical(api, "mm-src", api, "mm-copy", 0);
        assertEquals(probe.getLong("offset") + 6, copied, "the mirror holds its source's messages and nothing else");
    }

    @Test
    void requestWithoutAnyCapturingStreamGetsNoResponders() {
        Outcome o = request(bridge.nc(), message("nobody.listens.here", null, "x"), Duration.ofSeconds(5));
        assertInstanceOf(NoResponders.class, o, () -> "a request no stream captures must get 'no responders', got "
                + o);
    }

    // ------------------------------------------------------------------ plain publishes

    @Test
    void plainPublishesAreStoredExactlyOnce() {
        api.createStream(new JsonObject().put("name", "pp").put("subject", "pp.*"));
        JsonObject probe = Nats.awaitCapture(bridge.nc(), "pp.probe", "pp");
        long first = probe.getLong("offset") + 1;
        int count = 300;
        for (int i = 0; i < count; i++) {
            bridge.nc().publish(message("pp.data", headers("X-Index", Integer.toString(i)), "plain-" + i));
        }
        Nats.flush(bridge.nc());
        Await.until(STORED, "all " + count + " plain publishes stored (endOffset " + (first + count) + ")",
                () -> api.partition("pp", 0).getLong("highWatermark") >= first + count - 1);
        // a sentinel request after them: whatever the bridge does, it has now seen the plain ones
        JsonObject sentinel = request(bridge.nc(), message("pp.data", null, "sentinel"), Nats.REQUEST_TIMEOUT)
                .ack("sentinel request");
        List<JsonObject> all = api.readAll("pp", 0, first, 1000);
        Map<String, Integer> seen = new HashMap<>();
        for (JsonObject m : all) {
            String text = HttpApi.text(m);
            seen.merge(text, 1, Integer::sum);
            if (text.startsWith("plain-")) {
                assertEquals(text.substring("plain-".length()), header(m, "X-Index"), m::encode);
                assertEquals("pp.data", header(m, "Nats-Subject"), m::encode);
            }
        }
        for (int i = 0; i < count; i++) {
            assertEquals(1, seen.getOrDefault("plain-" + i, 0), "copies of plain publish " + i + " stored");
        }
        assertEquals(count + 1, all.size(), "exactly the plain publishes and the sentinel are stored");
        assertEquals(first + count, sentinel.getLong("offset"), sentinel::encode);
    }

    /**
     * Not in so many words in the contract, but what a JetStream user expects: messages from one publisher on one
     * subject are stored in the order they were published.
     */
    @Test
    void plainPublishesFromOnePublisherKeepTheirOrder() {
        api.createStream(new JsonObject().put("name", "po").put("subject", "po.in"));
        long first = Nats.awaitCapture(bridge.nc(), "po.in", "po").getLong("offset") + 1;
        int count = 500;
        for (int i = 0; i < count; i++) {
            bridge.nc().publish(message("po.in", null, "ordered-" + i));
        }
        Nats.flush(bridge.nc());
        Await.until(STORED, "all " + count + " plain publishes stored",
                () -> api.partition("po", 0).getLong("highWatermark") >= first + count - 1);
        List<JsonObject> all = api.readAll("po", 0, first, 1000);
        List<String> texts = all.stream().map(HttpApi::text).toList();
        for (int i = 0; i < count; i++) {
            assertEquals("ordered-" + i, texts.get(i), "message at offset " + (first + i)
                    + ": one publisher's order is not preserved");
        }
    }

    // ------------------------------------------------------------------ headers

    @Test
    void headersAreStoredWithTheSubjectAndTheMessageId() {
        api.createStream(new JsonObject().put("name", "hd").put("subject", "hd.>"));
        Nats.awaitCapture(bridge.nc(), "hd.probe", "hd");
        Headers h = headers("X-Trace", "trace-1", "Content-Type", "application/json", "Nats-Msg-Id", "msg-77",
                "Hawser-Key", "customer-9");
        JsonObject ack = request(bridge.nc(), message("hd.one.two", h, "{\"a\":1}"), Nats.REQUEST_TIMEOUT)
                .ack("request with headers");
        JsonObject m = readAt("hd", ack.getInteger("partition"), ack.getLong("offset"));
        assertEquals("{\"a\":1}", HttpApi.text(m));
        assertEquals("trace-1", header(m, "X-Trace"), m::encode);
        assertEquals("application/json", header(m, "Content-Type"), m::encode);
        assertEquals("hd.one.two", header(m, "Nats-Subject"), m::encode);
        assertEquals("msg-77", header(m, "Hawser-Msg-Id"), m::encode);
        // Hawser-Key works as over HTTP: it is the message's key
        assertEquals(HttpApi.b64("customer-9"), m.getString("key"), () -> "key of " + m.encode());
    }

    // ------------------------------------------------------------------ Nats-Msg-Id

    @Test
    void natsMsgIdDeduplicatesRequestsAndPlainPublishes() {
        api.createStream(new JsonObject().put("name", "dd").put("subject", "dd.>").put("dedupWindowMs", 60000));
        long next = Nats.awaitCapture(bridge.nc(), "dd.probe", "dd").getLong("offset") + 1;

        JsonObject first = request(bridge.nc(), message("dd.x", headers("Nats-Msg-Id", "order-1"), "first copy"),
                Nats.REQUEST_TIMEOUT).ack("first copy of order-1");
        assertEquals(next, first.getLong("offset"), first::encode);
        assertFalse(first.getBoolean("duplicate", false), first::encode);

        JsonObject again = request(bridge.nc(), message("dd.y", headers("Nats-Msg-Id", "order-1"), "second copy"),
                Nats.REQUEST_TIMEOUT).ack("second copy of order-1");
        assertEquals(Boolean.TRUE, again.getBoolean("duplicate"), () -> "a repeated Nats-Msg-Id must answer "
                + "\"duplicate\":true: " + again.encode());
        assertEquals(first.getLong("offset"), again.getLong("offset"), () -> "a duplicate answers the first copy's "
                + "offset: " + again.encode());
        assertEquals(first.getInteger("partition"), again.getInteger("partition"), again::encode);

        // plain publishes with a repeated id are not stored either
        for (int i = 0; i < 5; i++) {
            bridge.nc().publish(message("dd.x", headers("Nats-Msg-Id", "order-2"), "plain copy " + i));
        }
        Nats.flush(bridge.nc());
        Await.until(STORED, "order-2 stored", () -> api.partition("dd", 0).getLong("highWatermark") >= next + 1);
        JsonObject other = request(bridge.nc(), message("dd.x", headers("Nats-Msg-Id", "order-3"), "third"),
                Nats.REQUEST_TIMEOUT).ack("order-3");
        assertFalse(other.getBoolean("duplicate", false), other::encode);

        List<JsonObject> all = api.readAll("dd", 0, next, 100);
        List<String> texts = all.stream().map(HttpApi::text).toList();
        assertEquals(3, all.size(), () -> "stored after the probe: " + texts);
        assertEquals("first copy", texts.get(0));
        assertEquals("plain copy 0", texts.get(1), "the first plain copy of order-2 is the one stored");
        assertEquals("third", texts.get(2));
        assertEquals(next + 2, other.getLong("offset"), other::encode);
    }

    // ------------------------------------------------------------------ Hawser-Key

    @Test
    void hawserKeyChoosesThePartitionLikeHttp() {
        api.createStream(new JsonObject().put("name", "kp").put("subject", "kp.>").put("partitions", 3));
        Nats.awaitCapture(bridge.nc(), "kp.probe", "kp");
        long[] next = new long[3];
        for (int p = 0; p < 3; p++) {
            next[p] = api.partition("kp", p).getLong("endOffset");
        }
        Map<String, Integer> partitionOfKey = new HashMap<>();
        Set<Integer> used = new HashSet<>();
        for (int round = 0; round < 3; round++) {
            for (int k = 0; k < 30; k++) {
                String key = "key-" + k;
                JsonObject ack = request(bridge.nc(), message("kp.in", headers("Hawser-Key", key), key + "/" + round),
                        Nats.REQUEST_TIMEOUT).ack("request with key " + key);
                int p = ack.getInteger("partition");
                Integer before = partitionOfKey.putIfAbsent(key, p);
                if (before != null) {
                    assertEquals(before, p, "the same Hawser-Key must always go to the same partition: " + key);
                }
                assertEquals(next[p]++, ack.getLong("offset"), () -> "contiguous offsets in partition " + p + ": "
                        + ack.encode());
                used.add(p);
            }
        }
        assertTrue(used.size() >= 2, () -> "30 different keys all went to partition(s) " + used
                + ": not partitioned by key hash");
        // the same key over HTTP lands on the same partition
        for (int k = 0; k < 30; k += 7) {
            String key = "key-" + k;
            JsonObject ack = api.publish("kp", null, "http " + key, Map.of("Hawser-Key", key)).expect(201).json();
            assertEquals(partitionOfKey.get(key), ack.getInteger("partition"),
                    "HTTP Hawser-Key and NATS Hawser-Key hash '" + key + "' to different partitions");
        }
    }

    // ------------------------------------------------------------------ Hawser-Ack

    @Test
    void hawserAckOverridesTheStreamsAckPolicy() {
        api.createStream(new JsonObject().put("name", "ak").put("subject", "ak.>").put("ackPolicy", "all"));
        Nats.awaitCapture(bridge.nc(), "ak.probe", "ak");

        Outcome none = request(bridge.nc(), message("ak.x", headers("Hawser-Ack", "none"), "fire and forget"),
                Nats.REQUEST_TIMEOUT);
        JsonObject noneAck = none.ack("Hawser-Ack: none");
        assertEquals("ak", noneAck.getString("stream"), noneAck::encode);
        assertNotNull(noneAck.getInteger("partition"), noneAck::encode);
        assertNull(noneAck.getValue("offset"), () -> "Hawser-Ack: none answers before storing, so without an offset: "
                + noneAck.encode());
        Await.until(STORED, "the Hawser-Ack: none message is stored eventually",
                () -> api.readAll("ak", 0, 0, 100).stream().anyMatch(m -> HttpApi.text(m).equals("fire and forget")));

        JsonObject leader = request(bridge.nc(), message("ak.x", headers("Hawser-Ack", "leader"), "leader acked"),
                Nats.REQUEST_TIMEOUT).ack("Hawser-Ack: leader");
        assertNotNull(leader.getLong("offset"), leader::encode);
        assertEquals("leader acked", HttpApi.text(readAt("ak", leader.getInteger("partition"),
                leader.getLong("offset"))));

        // and the other way round: a stream whose policy is none, a request that asks for all
        api.createStream(new JsonObject().put("name", "ak0").put("subject", "ak0.>").put("ackPolicy", "none"));
        JsonObject probe = Nats.awaitCapture(bridge.nc(), "ak0.probe", "ak0", headers("Hawser-Ack", "all"));
        assertNotNull(probe.getLong("offset"), () -> "Hawser-Ack: all on an ackPolicy none stream must answer with "
                + "the offset: " + probe.encode());
        JsonObject all = request(bridge.nc(), message("ak0.x", headers("Hawser-Ack", "all"), "all acked"),
                Nats.REQUEST_TIMEOUT).ack("Hawser-Ack: all");
        assertEquals(probe.getLong("offset") + 1, all.getLong("offset"), all::encode);
        // committed when acknowledged: readable right away
        JsonObject read = api.readOk("ak0", 0, "offset=" + all.getLong("offset") + "&limit=1");
        assertEquals(1, read.getJsonArray("messages").size(), read::encode);
        assertEquals("all acked", HttpApi.text(read.getJsonArray("messages").getJsonObject(0)));
        // without the header, that stream's policy (none) applies: no offset in the reply
        JsonObject dflt = request(bridge.nc(), message("ak0.x", null, "default none"), Nats.REQUEST_TIMEOUT)
                .ack("request on an ackPolicy none stream");
        assertNull(dflt.getValue("offset"), () -> "ackPolicy none: the reply has no offset: " + dflt.encode());
    }

    // ------------------------------------------------------------------ error replies

    @Test
    void errorRepliesWhenNothingCanBeStored() {
        api.createStream(new JsonObject().put("name", "er").put("subject", "er.>").put("maxMessageBytes", 1024));
        long next = Nats.awaitCapture(bridge.nc(), "er.probe", "er").getLong("offset") + 1;

        JsonObject tooLarge = request(bridge.nc(), message("er.x", null, new byte[4096]), Nats.REQUEST_TIMEOUT)
                .error("a 4096-byte value on a maxMessageBytes 1024 stream");
        assertErrorShape(tooLarge, "message_too_large");
        assertEquals(next, api.partition("er", 0).getLong("endOffset"), "a too-large message was stored");

        api.patchStream("er", new JsonObject().put("readOnly", true)).expect(200);
        JsonObject readOnly = Nats.requestRetryingNoResponders(bridge.nc(), message("er.x", null, "while read-only"),
                Nats.REQUEST_TIMEOUT).error("a request to a read-only stream");
        assertErrorShape(readOnly, "stream_read_only");

        api.patchStream("er", new JsonObject().put("readOnly", false).put("paused", true)).expect(200);
        JsonObject paused = Await.value(Duration.ofSeconds(10), "stream_paused once the patch applies",
                () -> Nats.requestRetryingNoResponders(bridge.nc(), message("er.x", null, "while paused"),
                        Nats.REQUEST_TIMEOUT).error("a request to a paused stream"),
                e -> !"stream_read_only".equals(e.getString("code")));
        assertErrorShape(paused, "stream_paused");

        api.patchStream("er", new JsonObject().put("paused", false)).expect(200);
        JsonObject ok = Await.value(Duration.ofSeconds(10), "a success reply once unpaused",
                () -> Nats.requestRetryingNoResponders(bridge.nc(), message("er.x", null, "after"),
                        Nats.REQUEST_TIMEOUT),
                Outcome::isAck).ack("after unpausing");
        assertEquals(next, ok.getLong("offset"), () -> "nothing must have been stored by the refused requests: "
                + ok.encode());
        List<String> texts = api.readAll("er", 0, next, 100).stream().map(HttpApi::text).toList();
        assertEquals(List.of("after"), texts);
    }

    // ------------------------------------------------------------------ overlapping streams

    @Test
    void overlappingStreamsEachGetTheirCopy() {
        api.createStream(new JsonObject().put("name", "ova").put("subject", "ov.*.x"));
        api.createStream(new JsonObject().put("name", "ovb").put("subject", "ov.y.*"));
        Nats.awaitCapture(bridge.nc(), "ov.a.x", "ova");
        Nats.awaitCapture(bridge.nc(), "ov.y.b", "ovb");
        int both = 40;
        for (int i = 0; i < both; i++) {
            bridge.nc().publish(message("ov.y.x", null, "both-" + i));
        }
        for (int i = 0; i < 10; i++) {
            bridge.nc().publish(message("ov.q.x", null, "a-only-" + i));
            bridge.nc().publish(message("ov.y.q", null, "b-only-" + i));
        }
        Nats.flush(bridge.nc());
        // the probe plus 50 each
        Await.until(STORED, "ova has 51 messages", () -> api.partition("ova", 0).getLong("highWatermark") >= 50);
        Await.until(STORED, "ovb has 51 messages", () -> api.partition("ovb", 0).getLong("highWatermark") >= 50);

        // a request on the shared subject: one success reply; both streams store it
        JsonObject ack = request(bridge.nc(), message("ov.y.x", null, "shared request"), Nats.REQUEST_TIMEOUT)
                .ack("request on a subject two streams capture");
        String replier = ack.getString("stream");
        assertTrue(replier.equals("ova") || replier.equals("ovb"), ack::encode);
        assertEquals("shared request", HttpApi.text(readAt(replier, 0, ack.getLong("offset"))));
        for (String s : List.of("ova", "ovb")) {
            Await.until(STORED, s + " stores the shared request", () -> api.partition(s, 0)
                    .getLong("highWatermark") >= 51);
        }

        Map<String, Integer> a = counts(api.readAll("ova", 0, 0, 1000));
        Map<String, Integer> b = counts(api.readAll("ovb", 0, 0, 1000));
        for (int i = 0; i < both; i++) {
            assertEquals(1, a.getOrDefault("both-" + i, 0), "ova copies of both-" + i);
            assertEquals(1, b.getOrDefault("both-" + i, 0), "ovb copies of both-" + i);
        }
        for (int i = 0; i < 10; i++) {
            assertEquals(1, a.getOrDefault("a-only-" + i, 0), "ova copies of a-only-" + i);
            assertEquals(0, b.getOrDefault("a-only-" + i, 0), "ovb must not capture ov.q.x");
            assertEquals(1, b.getOrDefault("b-only-" + i, 0), "ovb copies of b-only-" + i);
            assertEquals(0, a.getOrDefault("b-only-" + i, 0), "ova must not capture ov.y.q");
        }
        assertEquals(1, a.getOrDefault("shared request", 0), "ova copies of the shared request");
        assertEquals(1, b.getOrDefault("shared request", 0), "ovb copies of the shared request");
        assertEquals(52, a.values().stream().mapToInt(Integer::intValue).sum(), () -> "ova: " + a);
        assertEquals(52, b.values().stream().mapToInt(Integer::intValue).sum(), () -> "ovb: " + b);
    }

    // ------------------------------------------------------------------ delete

    @Test
    void deletingTheStreamStopsCapture() {
        api.createStream(new JsonObject().put("name", "dl").put("subject", "dl.>"));
        Nats.awaitCapture(bridge.nc(), "dl.probe", "dl");
        api.delete("/v1/streams/dl").expect(204);
        Outcome[] last = new Outcome[1];
        Await.until(Duration.ofSeconds(10), "requests on dl.> get 'no responders' after the delete", () -> {
            Outcome o = request(bridge.nc(), message("dl.x", null, "after delete"), Duration.ofSeconds(2));
            last[0] = o;
            if (o instanceof Ack a) {
                // answered by a stream that no longer exists
                assertEquals(404, api.describeRaw("dl").status());
                fail("a request after DELETE got a success reply " + a.body().encode()
                        + " though the stream is gone");
            }
            return o instanceof NoResponders;
        });
        for (int i = 0; i < 5; i++) {
            Outcome o = request(bridge.nc(), message("dl.x", null, "after delete " + i), Duration.ofSeconds(2));
            assertInstanceOf(NoResponders.class, o, () -> "capture resumed after the delete: " + o);
        }
        // re-created with the same subject: capture again, into a fresh stream
        api.createStream(new JsonObject().put("name", "dl").put("subject", "dl.>"));
        JsonObject probe = Nats.awaitCapture(bridge.nc(), "dl.again", "dl");
        assertEquals(0L, probe.getLong("offset"), () -> "a re-created stream starts empty: " + probe.encode());
        List<String> texts = api.readAll("dl", 0, 0, 100).stream().map(HttpApi::text).toList();
        assertEquals(1, texts.size(), () -> "only the new probe is in the re-created stream: " + texts);
    }

    // ------------------------------------------------------------------ concurrency

    @Test
    void thousandConcurrentRequestsAreAllAcknowledgedAndStoredOnce() throws Exception {
        api.createStream(new JsonObject().put("name", "cc").put("subject", "cc.in"));
        long first = Nats.awaitCapture(bridge.nc(), "cc.in", "cc").getLong("offset") + 1;
        int count = 1000;
        Semaphore inFlight = new Semaphore(100);
        List<CompletableFuture<Outcome>> outcomes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (!inFlight.tryAcquire(30, TimeUnit.SECONDS)) {
                fail("100 requests in flight for 30 s");
            }
            Message m = message("cc.in", null, "conc-" + i);
            CompletableFuture<Message> reply;
            try {
                reply = bridge.nc().request(m);
            } catch (RuntimeException e) {
                inFlight.release();
                throw e;
            }
            outcomes.add(reply.orTimeout(30, TimeUnit.SECONDS).handle((msg, failure) -> {
                inFlight.release();
                if (failure != null) {
                    return Nats.classify(failure instanceof CompletionException c && c.getCause() != null
                            ? c.getCause() : failure);
                }
                return Nats.classify(msg);
            }));
        }
        Map<Long, Integer> indexByOffset = new HashMap<>();
        for (int i = 0; i < count; i++) {
            Outcome o = outcomes.get(i).get(60, TimeUnit.SECONDS);
            JsonObject ack = o.ack("concurrent request " + i);
            long offset = ack.getLong("offset");
            Integer other = indexByOffset.put(offset, i);
            if (other != null) {
                fail("requests " + other + " and " + i + " were both acknowledged at offset " + offset);
            }
        }
        TreeSet<Long> offsets = new TreeSet<>(indexByOffset.keySet());
        assertEquals(first, offsets.first(), "lowest acknowledged offset");
        assertEquals(first + count - 1, offsets.last(), "highest acknowledged offset: acks are not contiguous");
        List<JsonObject> all = api.readAll("cc", 0, first, 1000);
        assertEquals(count, all.size(), "messages stored after the probe");
        for (JsonObject m : all) {
            long offset = m.getLong("offset");
            Integer i = indexByOffset.get(offset);
            assertNotNull(i, () -> "stored but never acknowledged at " + offset + ": " + m.encode());
            assertEquals("conc-" + i, HttpApi.text(m), "the value at offset " + offset + " is not the one "
                    + "acknowledged there");
        }
    }

    // ------------------------------------------------------------------ health and metrics

    @Test
    void healthAndMetricsReportTheBridge() {
        assertEquals(Boolean.TRUE, Nats.healthNatsConnected(api), () -> "GET /health/ready needs a nats check "
                + "with connected true: " + api.get("/health/ready").describe());
        assertEquals(Double.valueOf(1.0), Nats.metric(api, "hawser_nats_connected"), "hawser_nats_connected");
        api.createStream(new JsonObject().put("name", "mt").put("subject", "mt.>"));
        Nats.awaitCapture(bridge.nc(), "mt.probe", "mt");
        Double captured = Nats.metric(api, "hawser_nats_captured_total");
        Double replies = Nats.metric(api, "hawser_nats_replies_total");
        assertNotNull(captured, "no hawser_nats_captured_total in /metrics");
        assertNotNull(replies, "no hawser_nats_replies_total in /metrics");
        for (int i = 0; i < 3; i++) {
            request(bridge.nc(), message("mt.x", null, "m" + i), Nats.REQUEST_TIMEOUT).ack("request " + i);
        }
        Await.until(Duration.ofSeconds(5), "hawser_nats_captured_total grows by 3 from " + captured,
                () -> Nats.metric(api, "hawser_nats_captured_total") >= captured + 3);
        Await.until(Duration.ofSeconds(5), "hawser_nats_replies_total grows by 3 from " + replies,
                () -> Nats.metric(api, "hawser_nats_replies_total") >= replies + 3);
    }

    // ------------------------------------------------------------------ helpers

    /** The committed message at an offset (waits briefly for it to become readable). */
    static JsonObject readAt(String stream, int partition, long offset) {
        JsonObject answer = Await.value(STORED, stream + "/" + partition + " offset " + offset + " readable",
                () -> api.readOk(stream, partition, "offset=" + offset + "&limit=1"),
                a -> !a.getJsonArray("messages").isEmpty());
        JsonObject m = answer.getJsonArray("messages").getJsonObject(0);
        assertEquals(offset, m.getLong("offset"), answer::encode);
        return m;
    }

    /** A stored header's value, the name compared without case (NATS and HTTP differ on that). */
    static String header(JsonObject message, String name) {
        JsonObject headers = message.getJsonObject("headers");
        if (headers == null) {
            return null;
        }
        for (String key : headers.fieldNames()) {
            if (key.equalsIgnoreCase(name)) {
                Object v = headers.getValue(key);
                if (v instanceof JsonArray a && a.size() == 1) {
                    return String.valueOf(a.getValue(0));
                }
                return v == null ? null : v.toString();
            }
        }
        return null;
    }

    static Map<String, Integer> counts(List<JsonObject> messages) {
        Map<String, Integer> counts = new HashMap<>();
        for (JsonObject m : messages) {
            counts.merge(HttpApi.text(m), 1, Integer::sum);
        }
        return counts;
    }

    static void assertErrorShape(JsonObject error, String code) {
        assertNotNull(error, "no error object");
        assertEquals(code, error.getString("code"), error::encode);
        String message = error.getString("message");
        assertTrue(message != null && !message.isBlank(), () -> "error without a message: " + error.encode());
    }
}
