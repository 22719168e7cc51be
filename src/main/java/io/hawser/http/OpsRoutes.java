package io.hawser.http;

import io.hawser.config.NodeConfig;
import io.hawser.metrics.HealthChecks;
import io.hawser.metrics.Metrics;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;


/** {@code /v1/cluster}, {@code /health/*} and {@code /metrics}. */
final class OpsRoutes {
    private final NodeConfig config;
    private final Metrics metrics;
    private final HealthChecks health;

    OpsRoutes(NodeConfig config, Metrics metrics, HealthChecks health) {
        this.config = config;
        this.metrics = metrics;
        this.health = health;
    }

    void mount(Router router, java.util.function.IntSupplier httpPort) {
        router.get("/v1/cluster").handler(ctx -> Responses.json(ctx.response(), 200, new JsonObject()
                .put("nodes", new JsonArray().add(new JsonObject()
                        .put("id", config.nodeId())
                        .put("httpUrl", "http://" + config.httpHost() + ":" + httpPort.getAsInt())
                        .put("alive", true)))
                .put("controller", config.nodeId())));
        router.get("/health/live").handler(ctx -> Responses.json(ctx.response(), 200,
                new JsonObject().put("status", "live")));
        router.get("/health/ready").handler(ctx -> {
            boolean isReady = health.ready();
            JsonObject checks = new JsonObject();
            health.results().forEach(checks::put);
            JsonObject body = new JsonObject().put("status", isReady ? "ready" : "not_ready").put("checks", checks);
            if (!isReady) {
                ctx.response().putHeader("Retry-After", "1");
            }
            Responses.json(ctx.response(), isReady ? 200 : 503, body);
        });
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .end(metrics.scrape()));
    }
}
