package io.hawser.http;

import io.hawser.bus.Addresses;
import io.hawser.bus.Messages;
import io.hawser.cluster.StreamCatalog;
import io.hawser.config.NodeConfig;
import io.hawser.model.AckPolicy;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.Names;
import io.hawser.model.PublishAck;
import io.hawser.model.PublishMessage;
import io.hawser.model.StreamConfig;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code POST /v1/streams/{name}/messages} and {@code /batch}. */
final class PublishRoutes {
    static final String KEY_HEADER = "Hawser-Key";
    static final String MSG_ID_HEADER = "Hawser-Msg-Id";
    static final String EXPECTED_OFFSET_HEADER = "Hawser-Expected-Offset";
    static final String HEADER_PREFIX = "hawser-header-";
    private static final long DEFAULT_TIMEOUT_MS = 5000;
    /** Extra time for the bus round trip beyond the ack timeout, so the leader's own timeout answers first. */
    private static final long BUS_GRACE_MS = 1000;

    private final Vertx vertx;
    private final StreamCatalog catalog;
    private final NodeConfig config;

    PublishRoutes(Vertx vertx, StreamCatalog catalog, NodeConfig config) {
        this.vertx = vertx;
        this.catalog = catalog;
        this.config = config;
    }

    void mount(Router router) {
        router.post("/v1/streams/:name/messages").handler(this::publishOne);
        router.post("/v1/streams/:name/batch").handler(this::publishBatch);
    }

    private void publishOne(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        StreamConfig stream;
        Options options;
        PublishMessage template;
        long expectedOffset;
        try {
            stream = catalog.require(Names.requireStream(ctx.pathParam("name")));
            options = options(request);
            template = messageFromHeaders(request.headers(), options.partition());
            expectedOffset = RequestParams.parseLong(request.getHeader(EXPECTED_OFFSET_HEADER),
                    EXPECTED_OFFSET_HEADER, -1, 0, Long.MAX_VALUE, ErrorCode.BAD_REQUEST);
        } catch (HawserException e) {
            Responses.errorAndClose(ctx.response(), e);
            return;
        }
        BodyReader.read(request, stream.maxMessageBytes(), ErrorCode.MESSAGE_TOO_LARGE)
                .compose(body -> send(stream.name(), List.of(new PublishMessage(template.partition(), template.key(),
                        template.msgId(), template.headers(), body.getBytes())), options, expectedOffset))
                .onComplete(acks -> {
                    PublishAck ack = acks.get(0);
                    if (ack.isError()) {
                        Responses.error(ctx.response(), new HawserException(ack.error(), ack.errorMessage()));
                    } else if (ack.offset() < 0) {
                        Responses.json(ctx.response(), 202, new JsonObject().put("stream", ack.stream())
                                .put("partition", ack.partition()));
                    } else {
                        Responses.json(ctx.response(), ack.duplicate() ? 200 : 201, ackJson(ack));
                    }
                }, e -> Responses.error(ctx.response(), e));
    }

    private void publishBatch(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String name;
        Options options;
        try {
            name = catalog.require(Names.requireStream(ctx.pathParam("name"))).name();
            options = options(request);
            if (!RequestParams.contentTypeIs(request, "application/x-ndjson", "application/ndjson",
                    "application/jsonl", "application/json", "text/plain")) {
                throw RequestParams.unsupportedType(request, "application/x-ndjson");
            }
        } catch (HawserException e) {
            Responses.errorAndClose(ctx.response(), e);
            return;
        }
        BodyReader.read(request, config.maxBatchBytes(), ErrorCode.REQUEST_TOO_LARGE)
                .map(body -> NdjsonBatch.parse(body, config.maxBatchMessages(), options.partition()))
                .compose(messages -> send(name, messages, options, -1))
                .onComplete(acks -> {
                    StringBuilder out = new StringBuilder(acks.size() * 40 + 16).append("{\"acks\":[");
                    boolean none = true;
                    for (int i = 0; i < acks.size(); i++) {
                        PublishAck ack = acks.get(i);
                        if (i > 0) {
                            out.append(',');
                        }
                        if (ack.isError()) {
                            out.append(Responses.errorBody(ack.error(), ack.errorMessage()).encode());
                            none = false;
                        } else {
                            out.append("{\"partition\":").append(ack.partition());
                            if (ack.offset() >= 0) {
                                none = false;
                                out.append(",\"offset\":").append(ack.offset());
                                if (ack.duplicate()) {
                                    out.append(",\"duplicate\":true");
                                }
                            }
                            out.append('}');
                        }
                    }
                    out.append("]}");
                    Responses.json(ctx.response(), none && !acks.isEmpty() ? 202 : 200, out.toString());
                }, e -> Responses.error(ctx.response(), e));
    }

    private Future<List<PublishAck>> send(String stream, List<PublishMessage> messages, Options options,
                                          long expectedOffset) {
        Messages.Publish publish = new Messages.Publish(stream, messages, options.ack(), options.timeoutMs(),
                expectedOffset);
        return vertx.eventBus().<Messages.PublishResult>request(Addresses.INGEST_PUBLISH, publish,
                        new DeliveryOptions().setSendTimeout(options.timeoutMs() + BUS_GRACE_MS))
                .map(reply -> reply.body().acks());
    }

    private record Options(AckPolicy ack, int partition, long timeoutMs) {
    }

    private Options options(HttpServerRequest request) {
        String ack = request.getParam("ack");
        int partition = (int) RequestParams.longParam(request, "partition", -1, 0, Integer.MAX_VALUE);
        long timeoutMs = RequestParams.longParam(request, "timeoutMs", DEFAULT_TIMEOUT_MS, 1, config.maxWaitMs());
        return new Options(ack == null ? null : AckPolicy.parse(ack), partition, timeoutMs);
    }

    private static PublishMessage messageFromHeaders(MultiMap headers, int partition) {
        String key = headers.get(KEY_HEADER);
        String msgId = headers.get(MSG_ID_HEADER);
        if (msgId != null && (msgId.isEmpty() || msgId.length() > 256)) {
            throw new HawserException(ErrorCode.BAD_REQUEST, MSG_ID_HEADER + " must be 1 to 256 characters");
        }
        Map<String, String> stored = new LinkedHashMap<>();
        for (Map.Entry<String, String> h : headers) {
            String lower = h.getKey().toLowerCase(Locale.ROOT);
            if (lower.startsWith(HEADER_PREFIX) && lower.length() > HEADER_PREFIX.length()) {
                String headerName = h.getKey().substring(HEADER_PREFIX.length());
                if (headerName.equalsIgnoreCase(PublishMessage.MSG_ID_HEADER)) {
                    throw new HawserException(ErrorCode.BAD_REQUEST, "header " + headerName
                            + " is reserved; use " + MSG_ID_HEADER);
                }
                stored.merge(headerName, h.getValue(), (a, b) -> a + "," + b);
            }
        }
        return new PublishMessage(partition, key == null ? null : key.getBytes(StandardCharsets.UTF_8), msgId, stored,
                new byte[0]);
    }

    static JsonObject ackJson(PublishAck ack) {
        return new JsonObject()
                .put("stream", ack.stream())
                .put("partition", ack.partition())
                .put("offset", ack.offset())
                .put("timestamp", ack.timestamp())
                .put("duplicate", ack.duplicate());
    }
}
