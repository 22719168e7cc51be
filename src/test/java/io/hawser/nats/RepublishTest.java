package io.hawser.nats;

import io.hawser.testkit.Await;
import io.hawser.testkit.HttpApi;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.hawser.nats.Nats.headers;
import static io.hawser.nats.Nats.message;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code republish}: every committed message is published to the stream's republish subject with
 * {@code Hawser-Stream}, {@code Hawser-Partition}, {@code Hawser-Offset} and its stored headers, the value as data,
 * in offset order per partition; exactly once in steady state, and without a gap across a node restart.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RepublishTest {
    private static final Duration DELIVERED = Duration.ofSeconds(30);

    @RegisterExtension
    static final BridgeFixture bridge = new BridgeFixture();
    private static final HttpApi api = bridge.api();

    @Test
    void everyCommittedMessageIsRepublishedInOrderOnceAndWithoutAGapAcrossARestart() throws Exception {
        String stream = "rp";
        int partitions = 2;
        Received received = new Received(bridge.nc(), "out.rp");
        api.createStream(new JsonObject().put("name", stream).put("partitions", partitions)
                .put("republish", "out.rp"));

        // 300 in NDJSON batches (some binary values, some headers), 200 from 4 concurrent single publishers
        Random random = new Random(7);
        for (int start = 0; start < 300; start += 100) {
            List<JsonObject> lines = new ArrayList<>();
            for (int i = start; i < start + 100; i++) {
                JsonObject line = new JsonObject().put("partition", i % partitions)
                        .put("headers", new JsonObject().put("X-Idx", Integer.toString(i)));
                if (i % 5 == 0) {
                    byte[] bytes = new byte[random.nextInt(500)];
                    random.nextBytes(bytes);
                    line.put("value", HttpApi.b64(bytes));
                } else {
                    line.put("text", "r-" + i);
                }
                lines.add(line);
            }
            HttpApi.Response r = api.batch(stream, lines);
            assertEquals(2, r.status() / 100, r::describe);
            assertTrue(r.json().getJsonArray("acks").stream()
                    .noneMatch(a -> ((JsonObject) a).containsKey("error")), r::describe);
        }
        concurrentPublishes(stream, 300, 200, 4);

        long[] end = awaitRepublished(received, stream, partitions, 500, "before the restart");
        // steady state: exactly once; nothing more arrives in a quiet moment
        Nats.sleep(1000);
        Map<Integer, List<Msg>> before = received.byPartition();
        for (int p = 0; p < partitions; p++) {
            List<Msg> list = before.get(p);
            for (int i = 0; i < list.size(); i++) {
                assertEquals(i, list.get(i).offset(), "partition " + p + ": republished offsets in the order "
                        + "received, exactly once (no duplicate, no reordering) in steady state; got "
                        + offsetsOf(list, i));
            }
            assertEquals(end[p], list.size(), "partition " + p + " republished messages");
            verifyAgainstStore(stream, p, list);
        }
        int seenBefore = received.size();

        bridge.node().restart();
        concurrentPublishes(stream, 500, 100, 2);
        long[] end2 = awaitRepublished(received, stream, partitions, 600, "after a clean restart");
        Nats.sleep(1000);
        Map<Integer, List<Msg>> after = received.byPartition();
        int repeats = 0;
        for (int p = 0; p < partitions; p++) {
            List<Msg> list = after.get(p);
            List<Msg> since = list.subList(before.get(p).size(), list.size());
            // resumed from a stored position: at or before the next offset (a repeat is allowed), never after it
            assertTrue(since.get(0).offset() <= end[p], "partition " + p + ": after the restart republish resumed at "
                    + since.get(0).offset() + ", past the next offset " + end[p] + " (a gap)");
            for (int i = 1; i < since.size(); i++) {
                assertEquals(since.get(i - 1).offset() + 1, since.get(i).offset(), "partition " + p
                        + ": offsets after the restart must follow each other: " + offsetsOf(since, i));
            }
            assertEquals(end2[p] - 1, since.get(since.size() - 1).offset(), "partition " + p + " last republished");
            repeats += (int) (end[p] - since.get(0).offset());
            verifyAgainstStore(stream, p, since);
        }
        System.out.println("[RepublishTest] " + seenBefore + " republished before the clean restart, "
                + (received.size() - seenBefore) + " after it, of which " + repeats + " repeats");
    }

    @Test
    void capturedMessagesAreRepublishedWithTheirHeaders() {
        Received received = new Received(bridge.nc(), "rc.out");
        api.createStream(new JsonObject().put("name", "rc").put("subject", "rc.in.>").put("republish", "rc.out"));
        JsonObject probe = Nats.awaitCapture(bridge.nc(), "rc.in.probe", "rc");
        JsonObject ack = Nats.request(bridge.nc(), message("rc.in.a", headers("X-H", "v1"), "captured"),
                Nats.REQUEST_TIMEOUT).ack("request on rc.in.a");
        assertEquals(probe.getLong("offset") + 1, ack.getLong("offset"), ack::encode);
        received.awaitCovered(new long[] {ack.getLong("offset") + 1}, "captured messages");
        Msg m = received.byPartition().get(0).get((int) (long) ack.getLong("offset"));
        assertEquals("captured", new String(m.data(), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("v1", m.headers().getFirst("X-H"));
        assertEquals("rc.in.a", m.headers().getFirst("Nats-Subject"));
        assertEquals("rc", m.headers().getFirst("Hawser-Stream"));
        Nats.sleep(500);
        assertEquals(2, received.size(), "the probe and the request are republished once each");
    }

    // ------------------------------------------------------------------ helpers

    private static void concurrentPublishes(String stream, int from, int count, int threads) throws Exception {
        AtomicReference<String> failure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread w = new Thread(() -> {
                for (int i = from + thread; i < from + count; i += threads) {
                    HttpApi.Response r = api.publish(stream, "partition=" + (i % 2), "r-" + i,
                            Map.of("Hawser-Header-X-Idx", Integer.toString(i)));
                    if (r.status() != 201) {
                        failure.compareAndSet(null, r.describe());
                        return;
                    }
                }
            }, "publisher-" + t);
            w.start();
            workers.add(w);
        }
        for (Thread w : workers) {
            w.join(60_000);
        }
        if (failure.get() != null) {
            fail("HTTP publish failed: " + failure.get());
        }
    }

    private static long[] endOffsets(String stream, int partitions) {
        long[] end = new long[partitions];
        for (int p = 0; p < partitions; p++) {
            int partition = p;
            end[p] = api.partition(stream, p).getLong("endOffset");
            Await.until(Duration.ofSeconds(10), "all committed", () -> api.partition(stream, partition)
                    .getLong("highWatermark") >= end[partition] - 1);
        }
        return end;
    }

    /** Checks the stream holds {@code total} messages, waits until all are republished; returns the end offsets. */
    private static long[] awaitRepublished(Received received, String stream, int partitions, long total,
            String when) {
        long[] end = endOffsets(stream, partitions);
        assertEquals(total, Arrays.stream(end).sum());
        received.awaitCovered(end, when);
        return end;
    }

    /** Each republished message carries the stored value and headers, and the three Hawser headers. */
    private static void verifyAgainstStore(String stream, int partition, List<Msg> list) {
        long from = list.get(0).offset();
        List<JsonObject> stored = api.readAll(stream, partition, from, 1000);
        for (Msg m : list) {
            JsonObject s = stored.get((int) (m.offset() - from));
            assertEquals(m.offset(), s.getLong("offset"));
            assertEquals(stream, m.headers().getFirst("Hawser-Stream"), "Hawser-Stream");
            assertEquals(Integer.toString(partition), m.headers().getFirst("Hawser-Partition"), "Hawser-Partition");
            assertArrayEquals(HttpApi.unb64(s.getString("value")), m.data(), "data of " + stream + "/" + partition
                    + " offset " + m.offset() + " is not the stored value");
            String idx = NatsCaptureTest.header(s, "X-Idx");
            assertNotNull(idx, s::encode);
            assertEquals(idx, m.headers().getFirst("X-Idx"), "stored header X-Idx republished at " + m.offset());
        }
    }

    private static String offsetsOf(List<Msg> list, int around) {
        int from = Math.max(0, around - 5);
        int to = Math.min(list.size(), around + 5);
        return "offsets [" + from + ".." + to + ") = " + list.subList(from, to).stream().map(Msg::offset).toList();
    }

    record Msg(int partition, long offset, Headers headers, byte[] data) {
    }

    /** Everything a NATS subscriber receives on a subject, in arrival order. */
    static final class Received {
        private final List<Msg> messages = Collections.synchronizedList(new ArrayList<>());
        private final List<String> malformed = Collections.synchronizedList(new ArrayList<>());

        Received(Connection nc, String subject) {
            Dispatcher d = nc.createDispatcher(this::onMessage);
            d.subscribe(subject);
            Nats.flush(nc);
        }

        private void onMessage(Message m) {
            Headers h = m.getHeaders();
            String p = h == null ? null : h.getFirst("Hawser-Partition");
            String o = h == null ? null : h.getFirst("Hawser-Offset");
            if (p == null || o == null) {
                malformed.add("no Hawser-Partition/Hawser-Offset header: " + (h == null ? "no headers" : h.entrySet()));
                return;
            }
            messages.add(new Msg(Integer.parseInt(p.trim()), Long.parseLong(o.trim()), h,
                    m.getData() == null ? new byte[0] : m.getData()));
        }

        int size() {
            return messages.size();
        }

        /** The offsets received for {@code partition}, in arrival order. */
        List<Long> offsets(int partition) {
            return byPartition().getOrDefault(partition, List.of()).stream().map(Msg::offset).toList();
        }

        Map<Integer, List<Msg>> byPartition() {
            Map<Integer, List<Msg>> map = new HashMap<>();
            synchronized (messages) {
                for (Msg m : messages) {
                    map.computeIfAbsent(m.partition(), k -> new ArrayList<>()).add(m);
                }
            }
            return map;
        }

        /** Waits until, in every partition p, each offset below {@code end[p]} has been received at least once. */
        void awaitCovered(long[] end, String when) {
            String[] missing = new String[1];
            try {
                Await.until(DELIVERED, "republished offsets cover the partitions' end offsets "
                        + java.util.Arrays.toString(end) + " " + when, () -> {
                            if (!malformed.isEmpty()) {
                                fail("malformed republished message: " + malformed.get(0));
                            }
                            Map<Integer, List<Msg>> map = byPartition();
                            for (int p = 0; p < end.length; p++) {
                                java.util.BitSet seen = new java.util.BitSet();
                                for (Msg m : map.getOrDefault(p, List.of())) {
                                    seen.set((int) m.offset());
                                }
                                int gap = seen.nextClearBit(0);
                                if (gap < end[p]) {
                                    missing[0] = "partition " + p + " first missing offset " + gap + " (received "
                                            + seen.cardinality() + " distinct)";
                                    return false;
                                }
                            }
                            return true;
                        });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; " + missing[0], e);
            }
        }
    }
}
