package io.hawser.http;

import io.hawser.bus.Addresses;
import io.hawser.bus.Messages;
import io.hawser.cluster.StreamCatalog;
import io.hawser.config.NodeConfig;
import io.hawser.json.StoredMessageJson;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.Names;
import io.hawser.model.StoredMessage;
import io.hawser.model.StreamConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/streams/{name}/partitions/{p}/restore}: stores backed-up messages at the offsets and timestamps
 * they carry (the restore half of {@code hawser backup}/{@code restore}). NDJSON, one message a line, as Read renders
 * them ({@code offset}, {@code timestamp}, {@code key}, {@code headers}, {@code value}). Only into a {@code readOnly}
 * stream that is not a mirror, so no publish can interleave, and only at offsets after the partition's end: a
 * restore that stopped half-way continues where it stopped.
 */
final class RestoreRoute {
    private final Vertx vertx;
    private final StreamCatalog catalog;
    private final NodeConfig config;

    RestoreRoute(Vertx vertx, StreamCatalog catalog, NodeConfig config) {
        this.vertx = vertx;
        this.catalog = catalog;
        this.config = config;
    }

    void mount(Router router) {
        router.post("/v1/streams/:name/partitions/:p/restore").handler(this::restore);
    }

    private void restore(RoutingContext ctx) {
        String name;
        int partition;
        try {
            StreamConfig stream = catalog.require(Names.requireStream(ctx.pathParam("name")));
            partition = ReadRoutes.partition(stream, ctx.pathParam("p"));
            if (stream.isMirror()) {
                throw new HawserException(ErrorCode.MIRROR_READ_ONLY, "stream '" + stream.name()
                        + "' is a mirror; it is filled from its source only");
            }
            if (!stream.readOnly()) {
                throw new HawserException(ErrorCode.STREAM_NOT_READ_ONLY, "restore into stream '" + stream.name()
                        + "' needs it readOnly (PATCH {\"readOnly\":true}), so no publish interleaves");
            }
            name = stream.name();
        } catch (HawserException e) {
            Responses.errorAndClose(ctx.response(), e);
            return;
        }
        BodyReader.read(ctx.request(), config.maxBatchBytes(), ErrorCode.REQUEST_TOO_LARGE)
                .map(RestoreRoute::parse)
                .compose(records -> vertx.eventBus().<Messages.Copied>request(Addresses.STORAGE_COPY,
                        new Messages.Copy(name, partition, records, null),
                        new DeliveryOptions().setSendTimeout(60_000)))
                .onComplete(reply -> Responses.json(ctx.response(), 200, new JsonObject().put("stream", name)
                                .put("partition", partition).put("endOffset", reply.body().endOffset())),
                        e -> Responses.error(ctx.response(), e));
    }

    static List<StoredMessage> parse(Buffer body) {
        List<StoredMessage> records = new ArrayList<>();
        String text = body.toString(StandardCharsets.UTF_8);
        int lineNo = 0;
        for (String line : text.split("\n")) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            try {
                records.add(StoredMessageJson.decode(new JsonObject(line)));
            } catch (DecodeException e) {
                throw new HawserException(ErrorCode.BAD_REQUEST, "line " + lineNo + " is not a message: "
                        + RequestParams.truncate(String.valueOf(e.getMessage())));
            } catch (HawserException e) {
                throw new HawserException(ErrorCode.BAD_REQUEST, "line " + lineNo + ": "
                        + RequestParams.truncate(e.getMessage()));
            }
        }
        return records;
    }
}
