package io.hawser.http;

import io.hawser.cluster.ClusterMembership;
import io.hawser.delivery.SubscriberRegistry;
import io.hawser.cluster.StreamCatalog;
import io.hawser.config.NodeConfig;
import io.hawser.metrics.HealthChecks;
import io.hawser.metrics.Metrics;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves the HTTP/WebSocket API. Deployed once per event loop; all instances share one listening port.
 * {@code boundPort} reports the actual port when the configured one is 0.
 */
public final class HttpVerticle extends AbstractVerticle {
    private final NodeConfig config;
    private final StreamCatalog catalog;
    private final Metrics metrics;
    private final HealthChecks health;
    private final ClusterMembership membership;
    private final AtomicInteger boundPort;
    private final SubscriberRegistry subscribers;

    public HttpVerticle(NodeConfig config, StreamCatalog catalog, Metrics metrics, HealthChecks health,
                        ClusterMembership membership, SubscriberRegistry subscribers,
                        AtomicInteger boundPort) {
        this.subscribers = subscribers;
        this.config = config;
        this.catalog = catalog;
        this.metrics = metrics;
        this.health = health;
        this.membership = membership;
        this.boundPort = boundPort;
    }

    @Override
    public void start(Promise<Void> started) {
        Router router = Router.router(vertx);
        new StreamRoutes(vertx, catalog).mount(router);
        new PublishRoutes(vertx, catalog, config).mount(router);
        new ReadRoutes(vertx, catalog, config).mount(router);
        new RestoreRoute(vertx, catalog, config).mount(router);
        new SubscribeRoute(vertx, catalog, config, subscribers).mount(router);
        // Port 0 = a free port; a negative port makes every instance share one random port (Vert.x port sharing).
        int port = config.httpPort() == 0 ? -1 : config.httpPort();
        new OpsRoutes(metrics, health, membership).mount(router);
        router.errorHandler(404, ctx -> Responses.error(ctx.response(), new HawserException(ErrorCode.NOT_FOUND,
                "no such endpoint: " + ctx.request().method() + " " + ctx.request().path())));
        router.errorHandler(405, ctx -> Responses.error(ctx.response(), new HawserException(
                ErrorCode.METHOD_NOT_ALLOWED, ctx.request().method() + " is not allowed on " + ctx.request().path())));
        router.errorHandler(500, ctx -> Responses.error(ctx.response(), ctx.failure() == null
                ? new HawserException(ErrorCode.INTERNAL, "internal error") : ctx.failure()));

        HttpServerOptions options = new HttpServerOptions()
                .setHost(config.httpHost())
                .setPort(port)
                .setTcpNoDelay(true)
                .setCompressionSupported(false)
                .setMaxWebSocketFrameSize(1024 * 1024)
                .setMaxWebSocketMessageSize(16 * 1024 * 1024);
        HttpServer server = vertx.createHttpServer(options).requestHandler(router);
        server.listen().onComplete(s -> {
            boundPort.set(s.actualPort());
            started.complete();
        }, e -> started.fail(new IllegalStateException("cannot listen for HTTP on " + config.httpHost() + ":" + port + ": " + e.getMessage(), e)));
    }
}
