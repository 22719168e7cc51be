package io.hawser.http;

import io.hawser.testkit.Expect;
import io.hawser.testkit.HttpApi;
import io.hawser.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Health, metrics and cluster endpoints of a single node. */
class HealthAndMetricsTest {
    private static TestNode node;
    private static HttpApi api;

    @BeforeAll
    static void start() {
        node = TestNode.start();
        api = node.api();
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void liveIs200() {
        api.get("/health/live").expect(200);
    }

    @Test
    void readyIs200Json() {
        HttpApi.Response r = api.get("/health/ready").expect(200);
        assertTrue(r.header("Content-Type").orElse("").startsWith("application/json"), r::describe);
        r.json();
    }

    @Test
    void metricsArePrometheusTextWithJvmAndVertxMetrics() {
        // some traffic first, so that HTTP server metrics exist
        api.get("/v1/streams").expect(200);
        HttpApi.Response r = api.get("/metrics").expect(200);
        String type = r.header("Content-Type").orElse("");
        assertTrue(type.startsWith("text/plain") || type.startsWith("application/openmetrics-text"),
                () -> "Prometheus content type expected, got " + type);
        String body = r.body();
        assertTrue(body.lines().anyMatch(l -> l.startsWith("jvm_")), "no jvm_ metric in /metrics");
        assertTrue(body.lines().anyMatch(l -> l.startsWith("vertx_")), "no vertx_ metric in /metrics");
        assertTrue(body.contains("# TYPE "), "no # TYPE lines: not Prometheus text");
        // every sample line is "name{labels} value"
        body.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).forEach(l ->
                assertTrue(l.matches("[a-zA-Z_:][a-zA-Z0-9_:]*(\\{.*\\})? \\S+( \\d+)?"),
                        () -> "not a Prometheus sample line: " + l));
    }

    @Test
    void clusterShowsThisOneNodeAsControllerAndAlive() {
        JsonObject cluster = api.get("/v1/cluster").expect(200).json();
        JsonArray nodes = cluster.getJsonArray("nodes");
        assertNotNull(nodes, cluster::encode);
        assertEquals(1, nodes.size(), cluster::encode);
        JsonObject self = nodes.getJsonObject(0);
        assertEquals(TestNode.NODE_ID, self.getString("id"), cluster::encode);
        assertEquals(Boolean.TRUE, self.getBoolean("alive"), cluster::encode);
        String url = self.getString("httpUrl");
        assertNotNull(url, cluster::encode);
        assertTrue(url.startsWith("http://") && url.contains(":" + node.port()),
                () -> "httpUrl should point at this node's HTTP port " + node.port() + ": " + url);
        assertEquals(TestNode.NODE_ID, cluster.getString("controller"), cluster::encode);
    }

    @Test
    void aNodeStartsOnHttpPortZeroAndReportsTheBoundPort() {
        // NodeConfig httpPort 0 = "any free port" (ConfigKey); the node must bind one port and report it
        try (TestNode zero = TestNode.start(c -> c.withHttpPort(0))) {
            assertTrue(zero.port() > 0, "httpPort() must report the bound port");
            zero.api().get("/health/ready").expect(200);
            zero.api().createStream("on-port-zero", 1);
            zero.api().publishOk("on-port-zero", "x");
        }
    }

    @Test
    void unknownPathIs404JsonError() {
        Expect.error(api.get("/no/such/path"), 404, null);
        Expect.error(api.get("/v1/nothing-here"), 404, null);
    }
}
