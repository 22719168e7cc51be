package io.hawser.http;

import io.hawser.cluster.ClusterMembership;
import io.hawser.metrics.HealthChecks;
import io.hawser.metrics.Metrics;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;


/** {@code /v1/cluster}, {@code /health/*} and {@code /metrics}. */
final class OpsRoutes {
    private final Metrics metrics;
    private final HealthChecks health;
    private final ClusterMembership membership;

    OpsRoutes(Metrics metrics, HealthChecks health, ClusterMembership membership) {
        this.metrics = metrics;
        this.health = health;
        this.membership = membership;
    }

    void mount(Router router) {
        router.get("/v1/cluster").handler(ctx -> {
            JsonArray nodes = new JsonArray();
            for (ClusterMembership.Node n : membership.nodes()) {
                nodes.add(new JsonObject().put("id", n.id()).put("httpUrl", n.httpUrl()).put("alive", n.alive()));
            }
            Responses.json(ctx.response(), 200, new JsonObject().put("nodes", nodes)
                    .put("controller", membership.controller()));
        });
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
