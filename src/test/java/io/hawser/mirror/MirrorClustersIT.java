package io.hawser.mirror;

import io.hawser.testkit.AckedLoad;
import io.hawser.testkit.Await;
import io.hawser.testkit.ChildCluster;
import io.hawser.testkit.HttpApi;
import io.hawser.testkit.MirrorCheck;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mirrors between separate clusters, each in its own JVMs: a hub and a 3-node leaf (backlog catch-up, live following,
 * a hung hub, hub {@code kill -9} and restart, the mirror's leader killed inside the leaf), and three clusters with a source
 * leader failover, a mirror of a mirror and mirrors in both directions. After each step the mirror is compared with
 * its source offset by offset (under load: the mirror must be an exact prefix of the source).
 */
class MirrorClustersIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration CATCH_UP = Duration.ofSeconds(180);
    private final List<ChildCluster> clusters = new ArrayList<>();

    @AfterEach
    void tearDown() {
        for (ChildCluster c : clusters) {
            c.close();
        }
    }

    private ChildCluster cluster(String name, int size) {
        ChildCluster c = ChildCluster.start(name, size);
        clusters.add(c);
        return c;
    }

    private static String url(ChildCluster c, int i) {
        return "http://127.0.0.1:" + c.httpPort(i);
    }

    private static JsonObject mirrorConfig(String name, String source, String url, int replicationFactor) {
        return new JsonObject().put("name", name).put("replicationFactor", replicationFactor)
                .put("minInsyncReplicas", Math.min(2, replicationFactor))
                .put("mirror", new JsonObject().put("stream", source).put("url", url));
    }

    private static AckedLoad load(String label, ChildCluster c, String stream, int partitions) {
        return AckedLoad.start(label, stream, partitions, AckedLoad.Options.defaults().withThreads(4), c::liveTargets);
    }

    private static void assertNoLoss(AckedLoad load) {
        load.stop();
        assertEquals(List.of(), load.violations(), load.summary());
    }

    @Test
    @Timeout(value = 900, unit = TimeUnit.SECONDS)
    void hubOutageAndLeafFailoverNeitherLoseNorDuplicate() {
        ChildCluster hub = cluster("mirror-hub", 1);
        ChildCluster leaf = cluster("mirror-leaf", 3);
        HttpApi hubApi = hub.api(0);
        hubApi.createStream(new JsonObject().put("name", "orders").put("partitions", 2).put("ackPolicy", "leader"));
        int backlog = 100_000;
        for (int p = 0; p < 2; p++) {
            hubApi.fill("orders", p, backlog / 2, 1000, i -> "backlog message " + i);
        }

        // Catch-up of a large backlog into a replicated mirror.
        long created = System.nanoTime();
        leaf.api(0).postJson("/v1/streams", mirrorConfig("orders-leaf", "orders", url(hub, 0), 3)).expect(201);
        MirrorCheck.awaitCaughtUp(hubApi, "orders", leaf.api(0), "orders-leaf", CATCH_UP);
        double seconds = (System.nanoTime() - created) / 1e9;
        System.out.printf("mirror catch-up: %d messages in %.1f s (%.0f msg/s, RF 3)%n", backlog, seconds,
                backlog / seconds);
        assertEquals(backlog, MirrorCheck.assertIdentical(hubApi, "orders", leaf.api(1), "orders-leaf", 0));

        // Live following under load, then the hub is killed and comes back.
        AckedLoad load = load("hub", hub, "orders", 2);
        load.awaitMoreAcks(2_000, WAIT);
        MirrorCheck.awaitIdenticalPrefix(hubApi, "orders", leaf.api(0), "orders-leaf", WAIT);

        // A hung hub (SIGSTOP): connections stay open but nothing answers, as on a cut link.
        hub.pause(0);
        Await.pauseMs(5_000);
        hub.resume(0);
        load.awaitMoreAcks(1_000, WAIT);
        MirrorCheck.awaitIdenticalPrefix(hubApi, "orders", leaf.api(0), "orders-leaf", WAIT);

        hub.kill(0);
        Await.until(WAIT, "the leaf reports its source unavailable", () -> "source_unavailable".equals(
                leaf.api(2).describe("orders-leaf").getJsonObject("mirror").getString("state")));
        assertEquals(200, leaf.api(2).get("/v1/streams/orders-leaf/partitions/0/messages?offset=0&limit=1")
                .status(), "readers of the mirror go on");
        hub.restart(0);
        load.awaitMoreAcks(2_000, WAIT);
        MirrorCheck.awaitIdenticalPrefix(hubApi, "orders", leaf.api(0), "orders-leaf", WAIT);

        // The mirror's leader inside the leaf is killed while the hub keeps publishing.
        String leader = leaf.awaitLeader("orders-leaf", 0, WAIT);
        int victim = leaf.indexOf(leader);
        leaf.kill(victim);
        leaf.awaitLeaderOtherThan("orders-leaf", 0, leader, WAIT);
        load.awaitMoreAcks(2_000, WAIT);
        MirrorCheck.awaitIdenticalPrefix(hubApi, "orders", leaf.api((victim + 1) % 3), "orders-leaf", WAIT);
        leaf.restart(victim);
        load.awaitMoreAcks(1_000, WAIT);
        assertNoLoss(load);

        HttpApi leafApi = leaf.api((victim + 1) % 3);
        MirrorCheck.awaitCaughtUp(hubApi, "orders", leafApi, "orders-leaf", CATCH_UP);
        long compared = MirrorCheck.assertIdentical(hubApi, "orders", leafApi, "orders-leaf", 0);
        assertTrue(compared >= backlog + load.ackCount(), compared + " messages compared");
        // Every replica inside the leaf has them too: the restarted node's copy, read once it leads nothing else.
        leaf.awaitIsr("orders-leaf", 0, 3, WAIT);
        Await.until(WAIT, "active", () -> "active".equals(
                leafApi.describe("orders-leaf").getJsonObject("mirror").getString("state")));
    }

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void sourceLeaderFailoverMirrorOfMirrorAndMirrorsInBothDirections() {
        ChildCluster a = cluster("mirror-a", 2);
        ChildCluster b = cluster("mirror-b", 1);
        ChildCluster c = cluster("mirror-c", 1);
        a.api(0).createStream(new JsonObject().put("name", "orders").put("partitions", 2).put("replicationFactor", 2)
                .put("minInsyncReplicas", 1));
        b.api(0).createStream(new JsonObject().put("name", "events").put("partitions", 1));
        String sourceLeader = a.awaitLeader("orders", 0, WAIT);
        a.awaitIsr("orders", 0, 2, WAIT);
        int via = 1 - a.indexOf(sourceLeader); // b pulls through the node that does not lead partition 0
        AckedLoad orders = load("orders", a, "orders", 2);
        AckedLoad events = load("events", b, "events", 1);
        orders.awaitMoreAcks(500, WAIT);

        // a.orders -> b.orders-b -> c.orders-c (a mirror of a mirror), and b.events -> a.events-a (the other way).
        b.api(0).postJson("/v1/streams", mirrorConfig("orders-b", "orders", url(a, via), 1)).expect(201);
        c.api(0).postJson("/v1/streams", mirrorConfig("orders-c", "orders-b", url(b, 0), 1)).expect(201);
        a.api(via).postJson("/v1/streams", mirrorConfig("events-a", "events", url(b, 0), 1)).expect(201);
        orders.awaitMoreAcks(1_000, WAIT);
        events.awaitMoreAcks(1_000, WAIT);

        // The source partition's leader in a is killed: its other node takes over and keeps serving b's reads.
        a.kill(a.indexOf(sourceLeader));
        a.awaitLeaderOtherThan("orders", 0, sourceLeader, WAIT);
        orders.awaitMoreAcks(1_000, WAIT);
        MirrorCheck.awaitIdenticalPrefix(a.api(via), "orders", b.api(0), "orders-b", WAIT);
        MirrorCheck.awaitIdenticalPrefix(a.api(via), "orders", c.api(0), "orders-c", WAIT);
        a.restart(a.indexOf(sourceLeader));

        // The middle cluster goes down and comes back: the chain resumes on both sides of it.
        b.kill(0);
        Await.until(WAIT, "c sees its source down", () -> "source_unavailable".equals(
                c.api(0).describe("orders-c").getJsonObject("mirror").getString("state")));
        b.restart(0);
        orders.awaitMoreAcks(1_000, WAIT);
        events.awaitMoreAcks(500, WAIT);
        assertNoLoss(orders);
        assertNoLoss(events);

        MirrorCheck.awaitCaughtUp(a.api(via), "orders", b.api(0), "orders-b", CATCH_UP);
        MirrorCheck.awaitCaughtUp(b.api(0), "orders-b", c.api(0), "orders-c", CATCH_UP);
        MirrorCheck.awaitCaughtUp(b.api(0), "events", a.api(via), "events-a", CATCH_UP);
        long ordersCompared = MirrorCheck.assertIdentical(a.api(via), "orders", b.api(0), "orders-b", 0);
        assertEquals(ordersCompared, MirrorCheck.assertIdentical(a.api(via), "orders", c.api(0), "orders-c", 0));
        assertTrue(ordersCompared >= orders.ackCount(), ordersCompared + " < " + orders.ackCount());
        assertTrue(MirrorCheck.assertIdentical(b.api(0), "events", a.api(via), "events-a", 0) >= events.ackCount());
    }
}
