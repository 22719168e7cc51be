package io.hawser.http;

import io.hawser.bus.Addresses;
import io.hawser.bus.Messages;
import io.hawser.cluster.StreamCatalog;
import io.hawser.config.NodeConfig;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.Names;
import io.hawser.model.StoredMessage;
import io.hawser.model.StreamConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.Map;

/** Reads by offset or time (with long-poll) and cursor positions. */
final class ReadRoutes {
    static final int MAX_LIMIT = 10_000;
    /** Positions Hawser keeps for itself (e.g. the republisher's), readable but not writable by clients. */
    static final String RESERVED_CURSOR_PREFIX = "__hawser.";
    private static final int READ_MAX_BYTES = 8 * 1024 * 1024;

    private final Vertx vertx;
    private final StreamCatalog catalog;
    private final NodeConfig config;

    ReadRoutes(Vertx vertx, StreamCatalog catalog, NodeConfig config) {
        this.vertx = vertx;
        this.catalog = catalog;
        this.config = config;
    }

    void mount(Router router) {
        router.get("/v1/streams/:name/partitions/:p/messages").handler(this::read);
        router.put("/v1/streams/:name/cursors/:id").handler(this::putCursor);
        router.get("/v1/streams/:name/cursors/:id").handler(this::getCursor);
    }

    private void read(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        Messages.Read read;
        boolean text;
        try {
            StreamConfig stream = catalog.require(Names.requireStream(ctx.pathParam("name")));
            int partition = partition(stream, ctx.pathParam("p"));
            String offset = request.getParam("offset");
            String time = request.getParam("time");
            if (offset != null && time != null) {
                throw new HawserException(ErrorCode.BAD_REQUEST, "give either offset or time, not both");
            }
            long from = offset != null
                    ? RequestParams.parseLong(offset, "offset", 0, 0, Long.MAX_VALUE, ErrorCode.INVALID_OFFSET)
                    : time != null ? Messages.Read.AT_TIME : Messages.Read.EARLIEST;
            long at = RequestParams.longParam(request, "time", 0, 0, Long.MAX_VALUE);
            int limit = (int) RequestParams.longParam(request, "limit", 100, 1, MAX_LIMIT);
            long waitMs = RequestParams.longParam(request, "waitMs", 0, 0, config.maxWaitMs());
            text = format(request.getParam("format"));
            read = new Messages.Read(stream.name(), partition, from, at, limit, READ_MAX_BYTES, waitMs);
        } catch (HawserException e) {
            Responses.error(ctx.response(), e);
            return;
        }
        boolean asText = text;
        vertx.eventBus().<Messages.ReadResult>request(Addresses.STORAGE_READ, read,
                        new DeliveryOptions().setSendTimeout(read.waitMs() + 30_000))
                .onComplete(reply -> {
                    Messages.ReadResult result = reply.body();
                    StringBuilder out = new StringBuilder(256 + result.messages().size() * 400);
                    out.append("{\"messages\":[");
                    boolean first = true;
                    for (StoredMessage m : result.messages()) {
                        if (!first) {
                            out.append(',');
                        }
                        first = false;
                        MessageJson.append(out, m, asText, null, 0);
                    }
                    out.append("],\"nextOffset\":").append(result.nextOffset())
                            .append(",\"highWatermark\":").append(result.highWatermark()).append('}');
                    Responses.json(ctx.response(), 200, out.toString());
                }, e -> Responses.error(ctx.response(), e));
    }

    private void putCursor(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        String id = ctx.pathParam("id");
        Future.succeededFuture()
                .map(v -> {
                    Names.requireCursor(id);
                    if (id.startsWith(RESERVED_CURSOR_PREFIX)) {
                        throw new HawserException(ErrorCode.INVALID_NAME, "cursor ids starting with "
                                + RESERVED_CURSOR_PREFIX + " are reserved for Hawser itself");
                    }
                    return catalog.require(Names.requireStream(name));
                })
                .compose(stream -> StreamRoutes.jsonBody(ctx).map(json -> cursorPut(stream, id, json)))
                .compose(put -> vertx.eventBus().request(Addresses.STORAGE_CURSOR_PUT, put).map(put))
                .onComplete(put -> Responses.json(ctx.response(), 200, new JsonObject()
                                .put("cursor", put.cursor()).put("partition", put.partition()).put("offset", put.offset())),
                        e -> Responses.error(ctx.response(), e));
    }

    private static Messages.CursorPut cursorPut(StreamConfig stream, String id, JsonObject json) {
        for (String field : json.fieldNames()) {
            if (!field.equals("partition") && !field.equals("offset")) {
                throw new HawserException(ErrorCode.BAD_REQUEST, "unknown field '" + field
                        + "'; allowed: partition, offset");
            }
        }
        Object partition = json.getValue("partition");
        Object offset = json.getValue("offset");
        if (!(partition instanceof Integer p) || p < 0) {
            throw new HawserException(ErrorCode.BAD_REQUEST, "'partition' is required and must be a non-negative integer");
        }
        if (!(offset instanceof Integer || offset instanceof Long)) {
            throw new HawserException(ErrorCode.INVALID_OFFSET, "'offset' must be an integer");
        }
        if (p >= stream.partitions()) {
            throw new HawserException(ErrorCode.PARTITION_NOT_FOUND, "stream '" + stream.name()
                    + "' has no partition " + p + " (it has " + stream.partitions() + ")");
        }
        return new Messages.CursorPut(stream.name(), id, p, ((Number) offset).longValue());
    }

    private void getCursor(RoutingContext ctx) {
        Future.succeededFuture()
                .map(v -> new Messages.CursorGet(
                        catalog.require(Names.requireStream(ctx.pathParam("name"))).name(),
                        Names.requireCursor(ctx.pathParam("id"))))
                .compose(get -> vertx.eventBus().<Messages.CursorPositions>request(Addresses.STORAGE_CURSOR_GET, get))
                .onComplete(reply -> {
                    JsonObject partitions = new JsonObject();
                    for (Map.Entry<Integer, Long> e : reply.body().partitions().entrySet()) {
                        partitions.put(e.getKey().toString(), e.getValue());
                    }
                    Responses.json(ctx.response(), 200, new JsonObject().put("partitions", partitions));
                }, e -> Responses.error(ctx.response(), e));
    }

    static int partition(StreamConfig stream, String raw) {
        int p = (int) RequestParams.parseLong(raw, "partition", 0, 0, Integer.MAX_VALUE, ErrorCode.BAD_REQUEST);
        if (p >= stream.partitions()) {
            throw new HawserException(ErrorCode.PARTITION_NOT_FOUND, "stream '" + stream.name()
                    + "' has no partition " + p + " (it has " + stream.partitions() + ")");
        }
        return p;
    }

    static boolean format(String format) {
        if (format == null || format.equals("json")) {
            return false;
        }
        if (format.equals("text")) {
            return true;
        }
        throw new HawserException(ErrorCode.BAD_REQUEST, "format must be json or text");
    }
}
