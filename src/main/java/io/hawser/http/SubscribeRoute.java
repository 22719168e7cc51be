package io.hawser.http;

import io.hawser.bus.Addresses;
import io.hawser.bus.Failures;
import io.hawser.bus.Messages;
import io.hawser.cluster.StreamCatalog;
import io.hawser.config.NodeConfig;
import io.hawser.delivery.FrameSink;
import io.hawser.delivery.SubscriberRegistry;
import io.hawser.delivery.Subscription;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.Names;
import io.hawser.model.StreamConfig;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code GET /v1/streams/{name}/subscribe} upgraded to a WebSocket. The upgrade is accepted first so that every
 * problem, including a bad query, reaches the client the same way: one error frame, then close.
 */
final class SubscribeRoute {
    private final Vertx vertx;
    private final StreamCatalog catalog;
    private final NodeConfig config;
    private final SubscriberRegistry subscribers;

    SubscribeRoute(Vertx vertx, StreamCatalog catalog, NodeConfig config, SubscriberRegistry subscribers) {
        this.subscribers = subscribers;
        this.vertx = vertx;
        this.catalog = catalog;
        this.config = config;
    }

    void mount(Router router) {
        router.get("/v1/streams/:name/subscribe").handler(this::subscribe);
    }

    private void subscribe(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String upgrade = request.getHeader("Upgrade");
        if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
            Responses.error(ctx.response(), new HawserException(ErrorCode.BAD_REQUEST,
                    "subscribe needs a WebSocket upgrade (ws://host/v1/streams/{name}/subscribe)"));
            return;
        }
        String name = ctx.pathParam("name");
        MultiMap params = ctx.queryParams();
        request.toWebSocket().onSuccess(ws -> {
            WebSocketSink sink = new WebSocketSink(ws);
            try {
                start(params, sink, name);
            } catch (HawserException e) {
                sink.fail(e);
            }
        });
    }

    private void start(MultiMap ws, WebSocketSink sink, String name) {
        StreamConfig stream = catalog.require(Names.requireStream(name));
        List<Integer> partitions = new ArrayList<>();
        String p = param(ws, "partition");
        if (p != null) {
            partitions.add(ReadRoutes.partition(stream, p));
        } else {
            for (int i = 0; i < stream.partitions(); i++) {
                partitions.add(i);
            }
        }
        boolean text = ReadRoutes.format(param(ws, "format"));
        String start = param(ws, "start");
        start = start == null ? "new" : start;
        long time = 0;
        Future<Map<Integer, Long>> starts;
        switch (start) {
            case "earliest" -> starts = Future.succeededFuture(same(partitions, Messages.Read.EARLIEST));
            case "latest" -> starts = Future.succeededFuture(same(partitions, Messages.Read.LATEST));
            case "new" -> starts = Future.succeededFuture(same(partitions, Messages.Read.NEW));
            case "offset" -> {
                long offset = RequestParams.parseLong(required(ws, "offset", start), "offset", 0, 0, Long.MAX_VALUE,
                        ErrorCode.INVALID_OFFSET);
                starts = Future.succeededFuture(same(partitions, offset));
            }
            case "time" -> {
                time = RequestParams.parseLong(required(ws, "time", start), "time", 0, 0, Long.MAX_VALUE,
                        ErrorCode.BAD_REQUEST);
                starts = Future.succeededFuture(same(partitions, Messages.Read.AT_TIME));
            }
            case "cursor" -> {
                String cursor = Names.requireCursor(required(ws, "cursor", start));
                starts = vertx.eventBus().<Messages.CursorPositions>request(Addresses.STORAGE_CURSOR_GET,
                        new Messages.CursorGet(stream.name(), cursor)).map(reply -> {
                            Map<Integer, Long> positions = new TreeMap<>();
                            for (int partition : partitions) {
                                Long stored = reply.body().partitions().get(partition);
                                positions.put(partition, stored == null ? Messages.Read.EARLIEST : stored + 1);
                            }
                            return positions;
                        });
            }
            default -> throw new HawserException(ErrorCode.BAD_REQUEST,
                    "start must be one of earliest, latest, new, offset, time, cursor (got '" + start + "')");
        }
        long atTime = time;
        Subscription subscription = new Subscription(vertx, stream.name(), config.subscriberBatch(),
                (partition, m) -> {
                    StringBuilder out = new StringBuilder(128 + m.value().length * 4 / 3);
                    MessageJson.append(out, m, text, stream.name(), partition);
                    return out.toString();
                }, sink, subscribers);
        starts.onComplete(positions -> subscription.start(positions, atTime),
                failure -> sink.fail(Failures.toHawser(failure)));
    }

    private static Map<Integer, Long> same(List<Integer> partitions, long from) {
        Map<Integer, Long> starts = new TreeMap<>();
        partitions.forEach(p -> starts.put(p, from));
        return starts;
    }

    private static String param(MultiMap params, String name) {
        return params.get(name);
    }

    private static String required(MultiMap ws, String name, String start) {
        String value = param(ws, name);
        if (value == null) {
            throw new HawserException(ErrorCode.BAD_REQUEST, "start=" + start + " needs the " + name + " parameter");
        }
        return value;
    }

    /** Writes frames to a WebSocket; back-pressure from its write queue. */
    private static final class WebSocketSink implements FrameSink {
        private final ServerWebSocket ws;
        private final List<Runnable> waiting = new ArrayList<>();
        private volatile boolean closed;

        WebSocketSink(ServerWebSocket ws) {
            this.ws = ws;
            ws.closeHandler(v -> closed = true);
            ws.exceptionHandler(e -> closed = true);
            ws.drainHandler(v -> {
                List<Runnable> resume = new ArrayList<>(waiting);
                waiting.clear();
                resume.forEach(Runnable::run);
            });
            // Consumers only read; anything they send is ignored.
            ws.textMessageHandler(msg -> { });
        }

        @Override
        public void write(String frame) {
            if (closed) {
                return;
            }
            try {
                ws.writeTextMessage(frame);
            } catch (IllegalStateException alreadyClosed) {
                closed = true;
            }
        }

        @Override
        public boolean full() {
            if (closed) {
                return false;
            }
            try {
                return ws.writeQueueFull();
            } catch (IllegalStateException alreadyClosed) {
                closed = true;
                return false;
            }
        }

        @Override
        public void whenDrained(Runnable resume) {
            waiting.add(resume);
        }

        @Override
        public void fail(HawserException error) {
            if (closed) {
                return;
            }
            closed = true;
            ws.writeTextMessage(Responses.errorBody(error.code(), error.getMessage()).encode())
                    .eventually(() -> ws.close((short) (error.code().httpStatus() >= 500 ? 1011 : 1008),
                            error.code().code()));
        }

        @Override
        public boolean isClosed() {
            return closed;
        }
    }
}
