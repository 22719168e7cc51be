package io.hawser.cluster;

import io.hawser.log.Record;
import io.hawser.testkit.AckedLoad;
import io.hawser.testkit.Await;
import io.hawser.testkit.ChildCluster;
import io.hawser.testkit.Expect;
import io.hawser.testkit.HttpApi;
import io.hawser.testkit.ReplicaLogs;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code minInsyncReplicas} 3 of 3: with one follower killed, a publish with {@code ack=all} is refused up front
 * with {@code 503 not_enough_replicas} and a {@code Retry-After} header, and nothing is stored (end offset and high
 * watermark do not move, and the refused values are in no log at the end); {@code ack=leader} is still accepted.
 * Once the follower is back in the ISR, {@code ack=all} is accepted again.
 */
class MinIsrIT {
    private static final String STREAM = "minisr";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final ChildCluster cluster = ChildCluster.perTest("min-isr", 3);
    private final AtomicInteger seq = new AtomicInteger();
    private final List<AckedLoad.Ack> acked = new ArrayList<>();
    private final List<String> refused = new ArrayList<>();
    private int transientNoLeader;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void ackAllIsRefusedWhileTheIsrIsBelowTheMinimum() {
        cluster.api(0).createStream(new JsonObject().put("name", STREAM).put("partitions", 1)
                .put("replicationFactor", 3).put("minInsyncReplicas", 3).put("ackPolicy", "all"));
        String leader = cluster.awaitLeader(STREAM, 0, WAIT);
        cluster.awaitIsr(STREAM, 0, 3, WAIT);
        HttpApi api = cluster.api(cluster.indexOf(leader));
        for (int i = 0; i < 20; i++) {
            expectAck(publish(api, "all"));
        }

        int follower = cluster.replicaIndexes(STREAM, 0, WAIT).stream()
                .filter(i -> !cluster.nodeId(i).equals(leader)).findFirst().orElseThrow();
        cluster.kill(follower);

        // Until the leader drops the follower from the ISR an ack=all publish may wait and time out (504); then it
        // must be refused up front.
        Sent[] last = new Sent[1];
        try {
            Await.until(Duration.ofSeconds(30), "ack=all answers 503 not_enough_replicas after "
                    + cluster.nodeId(follower) + " died", () -> {
                Sent r = publish(api, "all");
                last[0] = r;
                assertTrue(r.status() == 503 || r.status() == 504, () -> "while the ISR shrinks: " + r.describe());
                return r.status() == 503 && "not_enough_replicas".equals(r.errorCode());
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + " (last answer: " + describe(last[0]) + ", leader view "
                    + cluster.leaderView(STREAM, 0) + ")", e);
        }
        Expect.error(last[0].response(), 503, "not_enough_replicas");
        Expect.retryAfter(last[0].response());
        String leaderNow = cluster.awaitLeader(STREAM, 0, WAIT);
        assertEquals(leader, leaderNow, "the leader did not die; it should still lead");
        cluster.awaitIsr(STREAM, 0, 2, WAIT);

        for (int i = 0; i < 5; i++) {
            refusedWithoutAppending(api); // at the leader
            refusedWithoutAppending(cluster.api(otherLive(leader))); // forwarded by the other live node
        }
        System.out.println("MinIsrIT: " + transientNoLeader + " transient 503 no_leader answers while the ISR was"
                + " below the minimum");

        // ack=leader is still accepted
        long end = endOffset();
        for (int i = 0; i < 5; i++) {
            expectAck(publish(api, "leader"));
        }
        assertEquals(end + 5, endOffset(), "5 ack=leader publishes were appended");

        cluster.restart(follower);
        cluster.awaitIsr(STREAM, 0, 3, Duration.ofSeconds(60));
        for (int i = 0; i < 20; i++) {
            expectAck(publish(api, "all"));
            expectAck(publish(cluster.api(follower), "all"));
        }
        cluster.awaitCommitted(STREAM, 0, WAIT);
        System.out.println("MinIsrIT: " + acked.size() + " acks, " + refused.size() + " refused publishes");

        assertArrayEquals(new int[] {0, 0, 0}, cluster.terminateAll(), "SIGTERM exit codes");
        Map<Integer, List<Record>> logs = ReplicaLogs.verifyStoppedCluster(cluster, STREAM, 1, acked);
        ReplicaLogs.assertAbsent("values refused with 503", refused, logs.get(0));
    }

    /**
     * An {@code ack=all} publish through {@code via} answers 503 not_enough_replicas with Retry-After, and the
     * leader's end offset does not move. A 503 no_leader (the leader's lease momentarily unconfirmed) is retried
     * for up to 10 s and counted.
     */
    private void refusedWithoutAppending(HttpApi via) {
        Await.until(Duration.ofSeconds(10), "ack=all refused with not_enough_replicas", () -> {
            long endBefore = endOffset();
            Sent r = publish(via, "all");
            if (r.status() == 503 && "no_leader".equals(r.errorCode())) {
                transientNoLeader++;
                return false;
            }
            Expect.error(r.response(), 503, "not_enough_replicas");
            Expect.retryAfter(r.response());
            assertEquals(endBefore, endOffset(), () -> "the refused publish of " + r.value() + " was appended");
            return true;
        });
    }

    private long endOffset() {
        return cluster.awaitLeaderView(STREAM, 0, WAIT, "a leader view", v -> true).getLong("endOffset");
    }

    /** One publish and the value it sent. */
    private record Sent(String value, HttpApi.Response response) {
        int status() {
            return response.status();
        }

        String errorCode() {
            return response.errorCode();
        }

        String describe() {
            return response.describe();
        }
    }

    /** Publishes a fresh value (its own msg id); remembers the values refused with not_enough_replicas. */
    private Sent publish(HttpApi api, String ack) {
        String value = "minisr-" + seq.incrementAndGet();
        HttpApi.Response r = api.publish(STREAM, "ack=" + ack + "&partition=0&timeoutMs=2000", value,
                Map.of("Hawser-Msg-Id", value));
        if (r.status() == 503 && "not_enough_replicas".equals(r.errorCode())) {
            refused.add(value);
        }
        return new Sent(value, r);
    }

    /** A 201; the ack joins those checked against the final logs. */
    private void expectAck(Sent sent) {
        JsonObject ack = sent.response().expect(201).json();
        acked.add(new AckedLoad.Ack(sent.value(), sent.value(), ack.getInteger("partition"), ack.getLong("offset"),
                201, "", 0, 0, 1));
    }

    private int otherLive(String leader) {
        return cluster.upIndexes().stream().filter(i -> !cluster.nodeId(i).equals(leader)).findFirst()
                .orElseThrow();
    }

    private static String describe(Sent r) {
        return r == null ? "none" : r.describe();
    }
}
