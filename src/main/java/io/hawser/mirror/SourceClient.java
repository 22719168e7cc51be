package io.hawser.mirror;

import io.hawser.json.StoredMessageJson;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.StoredMessage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A mirror's view of its source: the source cluster's public HTTP API (describe and long-poll reads), nothing else.
 * Failures are {@link HawserException}s: the source's own error (e.g. {@code offset_out_of_range}) when it answered
 * with one, else {@code source_unavailable}.
 */
final class SourceClient implements AutoCloseable {
    private static final long CONNECT_TIMEOUT_MS = 3_000;

    private final HttpClientAgent http;

    /** What describe says of the source stream. */
    record SourceStream(boolean compact, List<SourcePartition> partitions) {
    }

    record SourcePartition(long startOffset, long endOffset, long highWatermark) {
    }

    /** One read: committed messages from the requested offset, and the source partition's HW at the time. */
    record SourceBatch(List<StoredMessage> messages, long nextOffset, long highWatermark) {
    }

    SourceClient(Vertx vertx) {
        http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) CONNECT_TIMEOUT_MS)
                .setKeepAlive(true).setMaxInitialLineLength(8192), new PoolOptions().setHttp1MaxSize(64));
    }

    Future<SourceStream> describe(String baseUrl, String stream) {
        return get(baseUrl, "/v1/streams/" + stream, 10_000).map(json -> {
            JsonArray list = json.getJsonArray("partitions");
            List<SourcePartition> partitions = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                JsonObject p = list.getJsonObject(i);
                partitions.add(new SourcePartition(p.getLong("startOffset"), p.getLong("endOffset"),
                        p.getLong("highWatermark")));
            }
            return new SourceStream(json.getBoolean("compact", false), partitions);
        });
    }

    Future<SourceBatch> read(String baseUrl, String stream, int partition, long offset, int limit, long waitMs) {
        String path = "/v1/streams/" + stream + "/partitions/" + partition + "/messages?offset=" + offset
                + "&limit=" + limit + "&waitMs=" + waitMs;
        return get(baseUrl, path, waitMs + 15_000).map(json -> {
            JsonArray list = json.getJsonArray("messages");
            List<StoredMessage> messages = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                messages.add(StoredMessageJson.decode(list.getJsonObject(i)));
            }
            return new SourceBatch(messages, json.getLong("nextOffset"), json.getLong("highWatermark"));
        });
    }

    private Future<JsonObject> get(String baseUrl, String path, long idleTimeoutMs) {
        String url = baseUrl + path;
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url)
                .setIdleTimeout(idleTimeoutMs).putHeader("Accept", "application/json");
        return http.request(options)
                .compose(HttpClientRequest::send)
                .compose(response -> response.body().map(body -> answer(url, response, body)))
                .recover(failure -> Future.failedFuture(failure instanceof HawserException h ? h
                        : new HawserException(ErrorCode.SOURCE_UNAVAILABLE, "cannot reach the source at " + url
                        + ": " + describe(failure))));
    }

    private static JsonObject answer(String url, HttpClientResponse response, Buffer body) {
        JsonObject json;
        try {
            json = body.length() == 0 ? new JsonObject() : new JsonObject(body);
        } catch (DecodeException e) {
            throw new HawserException(ErrorCode.SOURCE_UNAVAILABLE, "the source at " + url + " answered "
                    + response.statusCode() + " with a body that is not JSON");
        }
        if (response.statusCode() / 100 == 2) {
            return json;
        }
        JsonObject error = json.getJsonObject("error");
        ErrorCode code = ErrorCode.SOURCE_UNAVAILABLE;
        String message = "HTTP " + response.statusCode();
        if (error != null) {
            message = error.getString("message", message);
            try {
                code = ErrorCode.valueOf(error.getString("code", "").toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException unknown) {
                code = ErrorCode.SOURCE_UNAVAILABLE;
            }
        }
        // Only answers about the source stream itself keep their meaning; anything else means "not available now".
        if (code != ErrorCode.OFFSET_OUT_OF_RANGE && code != ErrorCode.STREAM_NOT_FOUND
                && code != ErrorCode.PARTITION_NOT_FOUND) {
            code = ErrorCode.SOURCE_UNAVAILABLE;
        }
        throw new HawserException(code, "the source at " + url + " answered " + response.statusCode() + ": "
                + message);
    }

    private static String describe(Throwable failure) {
        String message = failure.getMessage();
        return message == null ? failure.getClass().getSimpleName() : message;
    }

    @Override
    public void close() {
        http.close();
    }
}
