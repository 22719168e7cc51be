package io.hawser.http;

import io.hawser.testkit.Expect;
import io.hawser.testkit.HttpApi;
import io.hawser.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.hawser.testkit.Await;
import io.hawser.testkit.WsClient;
import java.time.Duration;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Health, metrics and cluster endpoints of a single node. */
class HealthAndMetricsTest {
    @RegisterExtension
    static final TestNode node = TestNode.perClass();
    private static final HttpApi api = node.api();

    @Test
    void liveIs200() {
        api.get("/health/live").expect(200);
    }

    @Test
    void readyIs200JsonWithItsChecks() {
        HttpApi.Response r = api.get("/health/ready").expect(200);
        assertTrue(r.header("Content-Type").orElse("").startsWith("application/json"), r::describe);
        JsonObject checks = r.json().getJsonObject("checks");
        assertEquals(true, checks.getBoolean("clusterJoined"), r::describe);
        assertEquals(true, checks.getBoolean("partitionsLoaded"), r::describe);
        assertEquals(true, checks.getBoolean("diskSpace"), r::describe);
    }

    /** The value of one sample line {@code name{labels} value}, or -1 when there is none. */
    private static double sample(String body, String nameAndLabels) {
        return body.lines().filter(l -> l.startsWith(nameAndLabels + " ")).mapToDouble(l ->
                Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
    }

    @Test
    void hawserMetricsMoveUnderASmallLoad() {
        String stream = "metered";
        api.createStream(stream, 1);
        String before = api.get("/metrics").expect(200).body();
        double commitsBefore = Math.max(0, sample(before, "hawser_group_commit_messages_count"));
        api.fill(stream, 0, 500, 100, i -> "m" + i);
        api.get("/v1/streams/" + stream + "/partitions/0/messages?offset=0&limit=200").expect(200);
        try (WsClient ws = WsClient.connectManual(node.wsUri("/v1/streams/" + stream + "/subscribe?start=earliest"),
                10)) {
            String tags = "{partition=\"0\",stream=\"" + stream + "\"}";
            String body = Await.value(Duration.ofSeconds(10), "gauges refreshed", () -> api.get("/metrics").body(),
                    b -> sample(b, "hawser_subscribers{stream=\"" + stream + "\"}") == 1
                            && sample(b, "hawser_partition_size_bytes" + tags) > 0
                            && sample(b, "hawser_subscriber_lag{stream=\"" + stream + "\"}") >= 0);
            assertEquals(500.0, sample(body, "hawser_messages_in_total{stream=\"" + stream + "\"}"));
            assertTrue(sample(body, "hawser_bytes_in_bytes_total{stream=\"" + stream + "\"}") >= 500 * 2);
            assertTrue(sample(body, "hawser_messages_out_total{stream=\"" + stream + "\"}") >= 200);
            assertTrue(sample(body, "hawser_bytes_out_bytes_total{stream=\"" + stream + "\"}") >= 200 * 2);
            assertEquals(499.0, sample(body, "hawser_partition_high_watermark" + tags));
            assertEquals(500.0, sample(body, "hawser_partition_end_offset" + tags));
            assertEquals(1.0, sample(body, "hawser_partition_isr" + tags));
            assertTrue(sample(body, "hawser_group_commit_messages_count") >= commitsBefore + 5,
                    "one group commit per batch at least");
            assertTrue(sample(body, "hawser_group_commit_sync_seconds_count") >= commitsBefore + 5);
            assertTrue(sample(body, "hawser_append_ack_seconds_count{ack=\"all\"}") >= 5);
            assertTrue(sample(body, "hawser_disk_free_bytes") > 0);
            assertEquals(0.0, sample(body, "hawser_partitions_offline"));
            assertEquals(0.0, sample(body, "hawser_partitions_under_replicated"));
        }
        Await.until(Duration.ofSeconds(10), "the closed subscription leaves the gauge", () ->
                sample(api.get("/metrics").body(), "hawser_subscribers{stream=\"" + stream + "\"}") == -1);
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
