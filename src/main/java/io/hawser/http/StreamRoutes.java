package io.hawser.http;

import io.hawser.bus.Addresses;
import io.hawser.bus.Messages;
import io.hawser.cluster.StreamCatalog;
import io.hawser.json.StreamJson;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.Names;
import io.hawser.model.StreamConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;

/** {@code /v1/streams}: create, list, describe, patch, delete. */
final class StreamRoutes {
    private static final long MAX_CONFIG_BYTES = 64 * 1024;

    private final Vertx vertx;
    private final StreamCatalog catalog;

    StreamRoutes(Vertx vertx, StreamCatalog catalog) {
        this.vertx = vertx;
        this.catalog = catalog;
    }

    void mount(Router router) {
        router.post("/v1/streams").handler(this::create);
        router.get("/v1/streams").handler(this::list);
        router.get("/v1/streams/:name").handler(this::describe);
        router.patch("/v1/streams/:name").handler(this::patch);
        router.delete("/v1/streams/:name").handler(this::delete);
    }

    private void create(RoutingContext ctx) {
        jsonBody(ctx)
                .compose(this::withMirrorSource)
                .compose(config -> vertx.eventBus().<Messages.StreamCreated>request(Addresses.CONTROL_CREATE,
                        new Messages.StreamConfigMessage(config)))
                .compose(reply -> describeJson(reply.body().config()).map(json -> {
                    Responses.json(ctx.response(), reply.body().created() ? 201 : 200, json);
                    return null;
                }))
                .onFailure(e -> Responses.error(ctx.response(), e));
    }

    /**
     * Parses a create request; a new mirror's source is checked first (allowed URL, reachable, exists) and lends
     * the mirror its partition count, which a request may leave out but not contradict.
     */
    private Future<StreamConfig> withMirrorSource(JsonObject json) {
        StreamConfig config = StreamJson.parseConfig(json);
        if (!config.isMirror()) {
            return Future.succeededFuture(config);
        }
        StreamConfig existing = catalog.get(config.name()).orElse(null);
        if (existing != null) {
            // Asked again: the controller answers 200 or 409 without bothering the source.
            return Future.succeededFuture(json.containsKey("partitions") ? config
                    : StreamJson.parseConfig(json.copy().put("partitions", existing.partitions())));
        }
        return vertx.eventBus().<Messages.MirrorSourceInfo>request(Addresses.MIRROR_SOURCE,
                new Messages.MirrorSource(config.mirror())).map(reply -> {
            int sourcePartitions = reply.body().partitions();
            if (!json.containsKey("partitions")) {
                return StreamJson.parseConfig(json.copy().put("partitions", sourcePartitions));
            }
            if (config.partitions() != sourcePartitions) {
                throw new HawserException(ErrorCode.INVALID_CONFIG, "a mirror has its source's partitions: "
                        + sourcePartitions + ", not " + config.partitions() + " (leave 'partitions' out)");
            }
            return config;
        });
    }

    private void list(RoutingContext ctx) {
        List<Future<JsonObject>> described = new ArrayList<>();
        for (StreamConfig c : catalog.list()) {
            described.add(describeJson(c));
        }
        Future.join(described).onComplete(done -> {
            JsonArray streams = new JsonArray();
            for (Future<JsonObject> f : described) {
                if (f.succeeded()) {
                    streams.add(f.result());
                }
            }
            Responses.json(ctx.response(), 200, new JsonObject().put("streams", streams));
        });
    }

    private void describe(RoutingContext ctx) {
        Future.succeededFuture(ctx.pathParam("name"))
                .map(name -> catalog.require(Names.requireStream(name)))
                .compose(this::describeJson)
                .onComplete(json -> Responses.json(ctx.response(), 200, json),
                        e -> Responses.error(ctx.response(), e));
    }

    private void patch(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        jsonBody(ctx)
                .map(json -> StreamJson.parsePatch(Names.requireStream(name), json))
                .compose(patch -> vertx.eventBus().<Messages.StreamConfigMessage>request(Addresses.CONTROL_PATCH,
                        patch))
                .compose(reply -> describeJson(reply.body().config()))
                .onComplete(json -> Responses.json(ctx.response(), 200, json),
                        e -> Responses.error(ctx.response(), e));
    }

    private void delete(RoutingContext ctx) {
        Future.succeededFuture(ctx.pathParam("name"))
                .map(Names::requireStream)
                .compose(name -> vertx.eventBus().request(Addresses.CONTROL_DELETE, new Messages.StreamName(name)))
                .onComplete(ok -> ctx.response().setStatusCode(204).end(), e -> Responses.error(ctx.response(), e));
    }

    private Future<JsonObject> describeJson(StreamConfig config) {
        return vertx.eventBus().<Messages.PartitionStatuses>request(Addresses.STORAGE_STATUS,
                        new Messages.StreamName(config.name()))
                .map(reply -> StreamJson.describe(config, reply.body().partitions()));
    }

    /** Reads and parses a JSON object body (config-sized). */
    static Future<JsonObject> jsonBody(RoutingContext ctx) {
        if (!RequestParams.contentTypeIs(ctx.request(), "application/json")) {
            ctx.response().putHeader("Connection", "close");
            return Future.failedFuture(RequestParams.unsupportedType(ctx.request(), "application/json"));
        }
        return BodyReader.read(ctx.request(), MAX_CONFIG_BYTES, ErrorCode.REQUEST_TOO_LARGE).map(StreamRoutes::parseObject);
    }

    private static JsonObject parseObject(Buffer body) {
        if (body.length() == 0) {
            throw new HawserException(ErrorCode.INVALID_JSON, "the request needs a JSON object body");
        }
        try {
            Object value = io.vertx.core.json.Json.decodeValue(body);
            if (value instanceof JsonObject o) {
                return o;
            }
        } catch (DecodeException e) {
            throw new HawserException(ErrorCode.INVALID_JSON, "the body is not valid JSON: " + e.getMessage());
        }
        throw new HawserException(ErrorCode.INVALID_JSON, "the body must be a JSON object");
    }
}
