package io.hawser.cluster;

import io.hawser.log.Record;
import io.hawser.testkit.Expect;
import io.hawser.testkit.HttpApi;
import io.hawser.testkit.ReplicaLogs;
import io.hawser.testkit.TestCluster;
import io.hawser.testkit.WsClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A three-node in-process cluster through the public API: any node serves any stream (forwarding to leaders),
 * placement and {@code insufficient_nodes}, growing the replication factor online, a WebSocket subscriber that keeps
 * its place while its partition's leader hands over, and metadata and data surviving a restart of every node.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ClusterApiIT {
    private TestCluster cluster;

    @BeforeAll
    void startCluster() {
        cluster = TestCluster.start(3);
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void anyNodeServesEveryPartitionAndLeadersAreSpread() {
        cluster.api(0).createStream(new JsonObject().put("name", "spread").put("partitions", 3)
                .put("replicationFactor", 3).put("minInsyncReplicas", 2));
        Set<String> leaders = new HashSet<>();
        for (int p = 0; p < 3; p++) {
            leaders.add(cluster.awaitLeader(0, "spread", p));
            cluster.awaitIsr(0, "spread", p, 3);
        }
        assertEquals(3, leaders.size(), "each node leads one of the three partitions: " + leaders);
        for (int i = 0; i < 3; i++) {
            // each node reports the partition it leads, with its full ISR, and nothing under-replicated or offline
            int node = i;
            io.hawser.testkit.Await.until(Duration.ofSeconds(10), "replication metrics of " + cluster.nodeId(i), () -> {
                String metrics = cluster.api(node).get("/metrics").expect(200).body();
                return metrics.lines().anyMatch(l -> l.startsWith("hawser_partition_isr{") && l.contains("stream=\"spread\"")
                        && l.endsWith(" 3.0"))
                        && metrics.lines().anyMatch(l -> l.equals("hawser_partitions_under_replicated 0.0"))
                        && metrics.lines().anyMatch(l -> l.equals("hawser_partitions_offline 0.0"));
            });
        }
        for (int p = 0; p < 3; p++) {
            for (int i = 0; i < 3; i++) {
                // published through every node, whichever leads
                JsonObject ack = cluster.api(i).publishOk("spread", "partition=" + p + "&ack=all", "m-" + p + "-" + i);
                assertEquals(i, ack.getLong("offset"), ack::encode);
            }
        }
        for (int i = 0; i < 3; i++) {
            JsonObject described = cluster.api(i).describe("spread");
            for (int p = 0; p < 3; p++) {
                JsonObject part = described.getJsonArray("partitions").getJsonObject(p);
                assertEquals(2, part.getLong("highWatermark"), part::encode);
                assertEquals(3, part.getJsonArray("isr").size(), part::encode);
                List<JsonObject> read = cluster.api(i).readAll("spread", p, 0, 10);
                assertEquals(List.of("m-" + p + "-0", "m-" + p + "-1", "m-" + p + "-2"),
                        read.stream().map(ClusterApiIT::text).toList());
            }
        }
        // cursors are stored cluster-wide: set through one node, read through the others
        for (int p = 0; p < 3; p++) {
            HttpApi.Response put = cluster.api(p).putJson("/v1/streams/spread/cursors/billing",
                    new JsonObject().put("partition", p).put("offset", p));
            assertTrue(put.status() == 200 || put.status() == 204, put::describe);
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(new JsonObject().put("0", 0).put("1", 1).put("2", 2), cluster.api(i)
                    .get("/v1/streams/spread/cursors/billing").expect(200).json().getJsonObject("partitions"));
        }
    }

    private static String text(JsonObject message) {
        return new String(java.util.Base64.getDecoder().decode(message.getString("value")),
                java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    @Order(2)
    void aReplicationFactorAboveTheLiveNodesIsRefused() {
        HttpApi.Response r = cluster.api(1).createStreamRaw(new JsonObject().put("name", "too-wide")
                .put("replicationFactor", 4));
        Expect.error(r, 503, "insufficient_nodes");
        cluster.api(1).createStream(new JsonObject().put("name", "narrow").put("replicationFactor", 1));
        Expect.error(cluster.api(2).patchStream("narrow", new JsonObject().put("replicationFactor", 4)), 503,
                "insufficient_nodes");
    }

    @Test
    @Order(3)
    void raisingTheReplicationFactorCopiesTheDataToNewReplicas() {
        cluster.api(0).createStream(new JsonObject().put("name", "grow").put("replicationFactor", 1));
        cluster.awaitLeader(0, "grow", 0);
        for (int k = 0; k < 200; k++) {
            cluster.api(k % 3).publishOk("grow", "ack=all", "g-" + k);
        }
        cluster.api(2).patchStream("grow", new JsonObject().put("replicationFactor", 3)).expect(200);
        cluster.awaitIsr(0, "grow", 0, 3);
        JsonObject part = cluster.api(1).partition("grow", 0);
        assertEquals(3, part.getJsonArray("replicas").size(), part::encode);
        for (int k = 200; k < 250; k++) {
            cluster.api(k % 3).publishOk("grow", "ack=all", "g-" + k);
        }
        assertEquals(250, cluster.api(2).readAll("grow", 0, 0, 100).size());
    }

    @Test
    @Order(4)
    void aSubscriberKeepsItsPlaceWhileTheLeaderHandsOver() throws Exception {
        cluster.api(0).createStream(new JsonObject().put("name", "moving").put("replicationFactor", 3)
                .put("minInsyncReplicas", 2));
        String leader = cluster.awaitLeader(0, "moving", 0);
        cluster.awaitIsr(0, "moving", 0, 3);
        int leaderIndex = cluster.indexOf(leader);
        int subscriberNode = (leaderIndex + 1) % 3;
        int publisherNode = (leaderIndex + 2) % 3;
        for (int k = 0; k < 100; k++) {
            cluster.api(publisherNode).publishOk("moving", "ack=all", "v-" + k);
        }
        URI uri = URI.create("ws://127.0.0.1:" + cluster.api(subscriberNode).base().getPort()
                + "/v1/streams/moving/subscribe?start=earliest&format=text");
        AtomicBoolean publishing = new AtomicBoolean(true);
        AtomicInteger published = new AtomicInteger(100);
        List<String> failures = new ArrayList<>();
        try (WsClient ws = WsClient.connect(uri)) {
            assertEquals(100, ws.next(100, Duration.ofSeconds(30)).size());
            Thread publisher = new Thread(() -> {
                while (publishing.get()) {
                    int k = published.get();
                    HttpApi.Response r = cluster.api(publisherNode).publish("moving", "ack=all", "v-" + k,
                            Map.of("Hawser-Msg-Id", "id-" + k));
                    if (r.status() == 201 || r.status() == 200) {
                        published.incrementAndGet();
                    } else if (r.status() != 503 && r.status() != 504) {
                        failures.add(r.describe());
                    }
                }
            });
            publisher.start();
            Thread.sleep(500);
            cluster.stop(leaderIndex); // hands over to an in-sync follower
            String next = cluster.awaitLeader(subscriberNode, "moving", 0);
            assertNotEquals(leader, next);
            Thread.sleep(1_000);
            publishing.set(false);
            publisher.join(30_000);
            assertEquals(List.of(), failures);
            int total = published.get();
            List<JsonObject> rest = ws.next(total - 100, Duration.ofSeconds(60));
            Map<Long, String> seen = new LinkedHashMap<>();
            for (JsonObject m : rest) {
                assertEquals(null, seen.put(m.getLong("offset"), m.getString("text")), () -> "duplicate " + m);
            }
            long expected = 100;
            for (long offset : seen.keySet()) {
                assertEquals(expected++, offset, "offsets arrive contiguous across the leader change");
            }
            assertEquals(null, ws.poll(Duration.ofMillis(500)), "nothing beyond what was published");
            assertTrue(total > 100, "publishing went on during the hand-over");
        } finally {
            cluster.startNodes(List.of(leaderIndex));
        }
        cluster.awaitIsr(subscriberNode, "moving", 0, 3);
    }

    @Test
    @Order(5)
    void metadataAndDataSurviveARestartOfEveryNode() {
        Map<String, Long> ends = new LinkedHashMap<>();
        for (String stream : List.of("spread", "grow", "moving")) {
            JsonObject d = cluster.api(0).describe(stream);
            for (int p = 0; p < d.getJsonArray("partitions").size(); p++) {
                ends.put(stream + "/" + p, d.getJsonArray("partitions").getJsonObject(p).getLong("endOffset"));
            }
        }
        cluster.stopAll();
        // offline: the replicas of the grown stream are identical record by record
        Map<String, List<Record>> grown = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            grown.put(cluster.nodeId(i), ReplicaLogs.read(cluster.dataDir(i), "grow", 0));
        }
        ReplicaLogs.assertReplicasIdentical("grow/0", grown);
        for (int i = 0; i < 3; i++) {
            // every node keeps the cluster's cursor positions on its own disk too
            try (var log = io.hawser.log.mapdb.MapDbPartitionLog.open(cluster.dataDir(i).resolve("streams")
                    .resolve("spread").resolve("cursors"), io.hawser.log.LogConfig.defaults())) {
                assertTrue(log.endOffset() >= 3, cluster.nodeId(i) + " stored " + log.endOffset() + " positions");
            }
        }
        assertEquals(250, grown.get("node-1").size());

        cluster.startNodes(List.of(0, 1, 2));
        for (Map.Entry<String, Long> e : ends.entrySet()) {
            String[] sp = e.getKey().split("/");
            int p = Integer.parseInt(sp[1]);
            cluster.awaitLeader(2, sp[0], p);
            cluster.awaitLeader(1, sp[0], p);
            JsonObject part = cluster.api(2).partition(sp[0], p);
            assertEquals((long) e.getValue(), part.getLong("endOffset"), part::encode);
            assertEquals(e.getValue().intValue(), cluster.api(1).readAll(sp[0], p, 0, 500).size(), e::getKey);
        }
        assertTrue(cluster.api(0).get("/v1/streams/narrow").status() == 200);
        assertEquals(new JsonObject().put("0", 0).put("1", 1).put("2", 2), cluster.api(2)
                .get("/v1/streams/spread/cursors/billing").expect(200).json().getJsonObject("partitions"),
                "cursors survive a restart of every node");
    }
}
