package io.hawser.nats;

import io.hawser.bus.Addresses;
import io.hawser.bus.Messages;
import io.hawser.testkit.Await;
import io.hawser.testkit.HttpApi;
import io.hawser.testkit.NatsServer;
import io.hawser.testkit.TestCluster;
import io.nats.client.Connection;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Republish across a leader change, on three in-process nodes and a real nats-server: the new leader resumes from
 * the stored cursor, so subscribers see every committed offset, repeats stay within one batch, and keeping the
 * highest {@code Hawser-Offset} seen gives each message once, in order. A late write of an older position (a deposed
 * leader's) cannot move the republish cursor back.
 */
class RepublishLeaderChangeIT {
    private static final String STREAM = "rlc";
    /** The republisher's batch: the most a subscriber may see twice around one leader change. */
    private static final int BATCH = 1000;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void theNewLeaderResumesFromTheStoredCursorWhichNeverMovesBack() throws Exception {
        try (NatsServer nats = NatsServer.start();
             TestCluster cluster = TestCluster.start(3, c -> c.withNatsUrl(nats.url()));
             Connection nc = Nats.connect(nats.url())) {
            RepublishTest.Received received = new RepublishTest.Received(nc, "rlc.out");
            cluster.api(0).createStream(new JsonObject().put("name", STREAM).put("partitions", 1)
                    .put("replicationFactor", 3).put("ackPolicy", "all").put("republish", "rlc.out"));
            String oldLeader = cluster.awaitLeader(0, STREAM, 0);
            cluster.awaitIsr(0, STREAM, 0, 3);
            int oldIndex = cluster.indexOf(oldLeader);
            int via = (oldIndex + 1) % 3;
            HttpApi api = cluster.api(via);
            long oldEpoch = api.partition(STREAM, 0).getLong("epoch");

            AtomicBoolean publishing = new AtomicBoolean(true);
            AtomicInteger acked = new AtomicInteger();
            Thread publisher = new Thread(() -> {
                int i = 0;
                while (publishing.get()) {
                    // While the partition changes leader a publish may be refused or time out (its fate unknown):
                    // the checks below compare with what is stored, not with what was acknowledged.
                    HttpApi.Response r = api.publish(STREAM, "ack=all", "m-" + i++, Map.of());
                    if (r.status() == 201) {
                        acked.incrementAndGet();
                    }
                }
            }, "rlc-publisher");
            publisher.start();
            try {
                Await.until(Duration.ofSeconds(30), "500 publishes acknowledged", () -> acked.get() >= 500);
                cluster.stop(oldIndex); // a clean stop hands the partition over
                Await.until(Duration.ofSeconds(30), "a new leader", () -> {
                    String leader = api.partition(STREAM, 0).getString("leader");
                    return leader != null && !leader.equals(oldLeader);
                });
                int ackedAtChange = acked.get();
                Await.until(Duration.ofSeconds(30), "500 more publishes acknowledged under the new leader",
                        () -> acked.get() >= ackedAtChange + 500);
            } finally {
                publishing.set(false);
                publisher.join(30_000);
            }
            assertFalse(publisher.isAlive(), "the publisher stopped");

            JsonObject partition = api.partition(STREAM, 0);
            long newEpoch = partition.getLong("epoch");
            assertNotEquals(oldEpoch, newEpoch, "the leader epoch moved on");
            // A publish whose fate was unknown may still commit later: everything below allows offsets past `last`.
            long last = partition.getLong("highWatermark");
            Await.until(Duration.ofSeconds(30), "offset " + last + " republished",
                    () -> received.offsets(0).stream().anyMatch(o -> o >= last));
            Await.until(Duration.ofSeconds(30), "the republish cursor reaches " + last,
                    () -> Nats.republishCursor(api, STREAM, 0) >= last);
            Map<Long, String> stored = new HashMap<>();
            for (JsonObject m : api.readAll(STREAM, 0, 0, 1000)) {
                stored.put(m.getLong("offset"), new String(Base64.getDecoder().decode(m.getString("value")),
                        StandardCharsets.UTF_8));
            }

            List<RepublishTest.Msg> arrived = received.byPartition().getOrDefault(0, List.of());
            for (RepublishTest.Msg m : arrived) {
                assertTrue(stored.containsKey(m.offset()), "republished offset " + m.offset() + " is stored");
                assertEquals(stored.get(m.offset()), new String(m.data(), StandardCharsets.UTF_8),
                        "republished value of offset " + m.offset());
            }
            List<Long> offsets = arrived.stream().map(RepublishTest.Msg::offset).toList();
            int repeats = Nats.repeatsKeepingTheHighest(offsets, 0);
            long highest = offsets.stream().mapToLong(Long::longValue).max().orElse(-1);
            assertTrue(highest >= last, "every committed offset up to " + last + " republished, got " + highest);
            assertTrue(repeats <= BATCH, repeats + " repeats around one leader change; at most one batch");
            System.out.println("[RepublishLeaderChangeIT] epoch " + oldEpoch + " -> " + newEpoch + ": offsets 0.."
                    + last + " republished, " + repeats + " repeated");

            // A late write of an older position, as a deposed leader's would be, leaves the cursor where it is.
            long cursorBefore = Nats.republishCursor(api, STREAM, 0);
            assertTrue(cursorBefore > 0, "the cursor has moved: " + cursorBefore);
            cluster.node(via).vertx().eventBus().request(Addresses.STORAGE_CURSOR_PUT,
                            new Messages.CursorPut(STREAM, Republisher.CURSOR, 0, 0, true))
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            long cursorAfter = Nats.republishCursor(api, STREAM, 0);
            assertTrue(cursorAfter >= cursorBefore, "a forward-only write of offset 0 moved the cursor from "
                    + cursorBefore + " back to " + cursorAfter);
        }
    }
}
