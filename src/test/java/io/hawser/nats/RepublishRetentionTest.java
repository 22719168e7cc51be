package io.hawser.nats;

import io.hawser.testkit.Await;
import io.hawser.testkit.HttpApi;
import io.hawser.testkit.NatsServer;
import io.hawser.testkit.TestNode;
import io.nats.client.Connection;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retention removes messages the republisher has not sent yet (NATS was down meanwhile): the republisher skips them,
 * counts them in {@code hawser_nats_republish_skipped_total}, and goes on from the log's start instead of stalling.
 */
class RepublishRetentionTest {
    private static final String STREAM = "rr";
    private static final int BEFORE = 10;
    private static final int DURING = 2000;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void messagesRetentionRemovedBeforeTheyWereRepublishedAreSkippedAndCounted() throws Exception {
        try (NatsServer nats = NatsServer.start();
             TestNode node = TestNode.start(c -> c.withNatsUrl(nats.url()).withSegmentBytes(16 * 1024)
                     .withRetentionCheckMs(100))) {
            HttpApi api = node.api();
            api.createStream(new JsonObject().put("name", STREAM).put("republish", "out.rr")
                    .put("retention", new JsonObject().put("maxMessages", 100)));
            try (Connection first = Nats.connect(nats.url())) {
                RepublishTest.Received before = new RepublishTest.Received(first, "out.rr");
                api.fill(STREAM, 0, BEFORE, i -> "before-" + i);
                Await.until(Duration.ofSeconds(20), "the first " + BEFORE + " republished",
                        () -> before.size() == BEFORE);
            }

            nats.kill();
            Await.until(Duration.ofSeconds(5), "the bridge notices NATS is down",
                    () -> Boolean.FALSE.equals(Nats.healthNatsConnected(api)));
            String pad = "x".repeat(200);
            api.fill(STREAM, 0, DURING, 50, i -> "during-" + i + "-" + pad); // small batches: segments roll
            long last = BEFORE + DURING - 1;
            Await.until(Duration.ofSeconds(30), "retention removes the unrepublished start of the log",
                    () -> api.partition(STREAM, 0).getLong("startOffset") > BEFORE + 100);

            nats.restart();
            try (Connection after = Nats.connect(nats.url())) {
                RepublishTest.Received received = new RepublishTest.Received(after, "out.rr");
                Await.until(Duration.ofSeconds(30), "the republisher goes on to offset " + last,
                        () -> Nats.republishCursor(api, STREAM, 0) == last);
                Await.until(Duration.ofSeconds(10), "offset " + last + " arrives",
                        () -> received.offsets(0).contains(last));
                double skipped = Nats.metric(api, "hawser_nats_republish_skipped_total");
                assertTrue(skipped > 0, "skipped messages are counted: " + skipped);
                List<Long> offsets = received.offsets(0);
                long resumedAt = BEFORE + (long) skipped;
                assertTrue(offsets.get(0) >= resumedAt, "nothing from the removed range " + BEFORE + ".."
                        + (resumedAt - 1) + " is republished; first after the outage: " + offsets.get(0));
                // A flush that times out around the reconnect sends its batch again (up to 1,000): keep the highest.
                int repeats = Nats.repeatsKeepingTheHighest(offsets, offsets.get(0));
                assertTrue(repeats <= 1000, repeats + " repeats; at most one batch");
            }
        }
    }

}
