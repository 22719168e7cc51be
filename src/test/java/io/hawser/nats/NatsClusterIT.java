package io.hawser.nats;

import io.hawser.testkit.NatsServer;
import io.hawser.testkit.TestCluster;
import io.nats.client.Connection;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.hawser.nats.Nats.message;
import static io.hawser.nats.Nats.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two Hawser nodes bridged to one real nats-server: each captured NATS message is stored exactly once (the bridges
 * share a queue group) and routed to its partition's leader, whichever node received it.
 */
class NatsClusterIT {
    private static final int REQUESTS = 1_000;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void twoNodesCaptureEachRequestExactlyOnce() throws Exception {
        try (NatsServer nats = NatsServer.start();
             TestCluster cluster = TestCluster.start(2, c -> c.withNatsUrl(nats.url()));
             Connection nc = Nats.connect(nats.url())) {
            cluster.api(0).createStream(new JsonObject().put("name", "twonode").put("subject", "two.>")
                    .put("partitions", 2).put("replicationFactor", 2));
            for (int p = 0; p < 2; p++) {
                cluster.awaitLeader(1, "twonode", p);
            }
            Nats.awaitCapture(nc, "two.probe", "twonode");
            Map<String, Long> ackedAt = new HashMap<>();
            for (int i = 0; i < REQUESTS; i++) {
                String value = "request-" + i;
                JsonObject ack = request(nc, message("two.r" + (i % 7), null, value), Nats.REQUEST_TIMEOUT)
                        .ack("request " + i);
                ackedAt.put(value, ack.getLong("partition") * 1_000_000 + ack.getLong("offset"));
            }
            Map<String, Integer> stored = new HashMap<>();
            for (int p = 0; p < 2; p++) {
                List<JsonObject> all = cluster.api(p % 2).readAll("twonode", p, 0, 500);
                for (JsonObject m : all) {
                    String value = new String(Base64.getDecoder().decode(m.getString("value")),
                            StandardCharsets.UTF_8);
                    stored.merge(value, 1, Integer::sum);
                    if (ackedAt.containsKey(value)) {
                        assertEquals(ackedAt.get(value), p * 1_000_000L + m.getLong("offset"),
                                "stored where its reply said: " + value);
                    }
                }
            }
            for (String value : ackedAt.keySet()) {
                assertEquals(1, stored.getOrDefault(value, 0), "stored exactly once: " + value);
            }
            assertEquals(REQUESTS + 1, stored.size(), "the requests and the probe, nothing else");
            for (int i = 0; i < 2; i++) {
                Double captured = Nats.metric(cluster.api(i), "hawser_nats_captured_total");
                assertTrue(captured != null && captured > 0, cluster.nodeId(i) + " captured a share: " + captured);
            }
        }
    }
}
