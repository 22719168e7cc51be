package io.hawser.cluster;

import io.hawser.app.HawserNode;
import io.hawser.config.NodeConfig;
import io.hawser.testkit.Await;
import io.hawser.testkit.ChildNode;
import io.hawser.testkit.HttpApi;
import io.hawser.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real nodes joining one Hazelcast cluster over loopback TCP, as {@code --join} makes them. */
class ClusterMembershipIT {
    private final List<HawserNode> nodes = new ArrayList<>();

    @AfterEach
    void stop() {
        for (HawserNode n : nodes) {
            n.close().toCompletionStage().toCompletableFuture().orTimeout(60, TimeUnit.SECONDS).join();
        }
    }

    private HawserNode start(NodeConfig config) throws Exception {
        HawserNode node = HawserNode.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        nodes.add(node);
        return node;
    }

    private static JsonObject cluster(HawserNode node) {
        return new HttpApi(URI.create("http://127.0.0.1:" + node.httpPort())).get("/v1/cluster").json();
    }

    @Test
    void nodesGivenEachOthersPortsFormOneClusterWithOneController(@TempDir Path dir) throws Exception {
        String name = "membership-" + UUID.randomUUID();
        int[] ports = {ChildNode.freePort(), ChildNode.freePort(), ChildNode.freePort()};
        List<String> join = List.of("127.0.0.1:" + ports[0], "127.0.0.1:" + ports[1], "127.0.0.1:" + ports[2]);
        for (int i = 0; i < 3; i++) {
            start(NodeConfig.defaults().withDataDir(dir.resolve("n" + i)).withHttpPort(ChildNode.freePort())
                    .withNodeId("n" + i).withCluster(name, ports[i], join));
        }
        for (HawserNode node : nodes) {
            Await.until(Duration.ofSeconds(30), node.nodeId() + " sees 3 live nodes with their HTTP URLs", () -> {
                JsonArray members = cluster(node).getJsonArray("nodes");
                return members.size() == 3 && members.stream().map(JsonObject.class::cast)
                        .allMatch(m -> m.getBoolean("alive") && m.getString("httpUrl") != null);
            });
        }
        // The oldest member is the controller, and every node agrees.
        String controller = cluster(nodes.get(0)).getString("controller");
        assertEquals("n0", controller);
        for (HawserNode node : nodes) {
            assertEquals(controller, cluster(node).getString("controller"));
            JsonObject self = cluster(node).getJsonArray("nodes").stream().map(JsonObject.class::cast)
                    .filter(m -> m.getString("id").equals(node.nodeId())).findFirst().orElseThrow();
            assertEquals("http://127.0.0.1:" + node.httpPort(), self.getString("httpUrl"));
        }

        // The controller leaves: the survivors report it as not alive and elect the next oldest.
        HawserNode first = nodes.remove(0);
        first.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        Await.until(Duration.ofSeconds(30), "n0 reported dead and n1 the controller", () -> {
            JsonObject view = cluster(nodes.get(1));
            boolean n0Dead = view.getJsonArray("nodes").stream().map(JsonObject.class::cast)
                    .anyMatch(m -> m.getString("id").equals("n0") && !m.getBoolean("alive"));
            return n0Dead && "n1".equals(view.getString("controller"));
        });
    }

    @Test
    void clustersWithDifferentNamesStaySeparate(@TempDir Path dir) throws Exception {
        int a = ChildNode.freePort();
        int b = ChildNode.freePort();
        List<String> join = List.of("127.0.0.1:" + a, "127.0.0.1:" + b);
        start(NodeConfig.defaults().withDataDir(dir.resolve("a")).withHttpPort(ChildNode.freePort()).withNodeId("a")
                .withCluster("one-" + UUID.randomUUID(), a, join));
        start(NodeConfig.defaults().withDataDir(dir.resolve("b")).withHttpPort(ChildNode.freePort()).withNodeId("b")
                .withCluster("two-" + UUID.randomUUID(), b, join));
        // Give them time to (wrongly) merge, then check each is alone.
        Thread.sleep(3000);
        assertEquals(1, cluster(nodes.get(0)).getJsonArray("nodes").size());
        assertEquals(1, cluster(nodes.get(1)).getJsonArray("nodes").size());
    }

    @Test
    void aSecondNodeWithTheSameIdIsRefused(@TempDir Path dir) throws Exception {
        String name = "dup-" + UUID.randomUUID();
        int a = ChildNode.freePort();
        int b = ChildNode.freePort();
        List<String> join = List.of("127.0.0.1:" + a, "127.0.0.1:" + b);
        start(NodeConfig.defaults().withDataDir(dir.resolve("a")).withHttpPort(ChildNode.freePort()).withNodeId("same")
                .withCluster(name, a, join));
        Exception e = assertThrows(Exception.class, () -> start(NodeConfig.defaults().withDataDir(dir.resolve("b"))
                .withHttpPort(ChildNode.freePort()).withNodeId("same").withCluster(name, b, join)));
        assertTrue(String.valueOf(e.getCause()).contains("node id 'same'"), String.valueOf(e.getCause()));
    }
}
