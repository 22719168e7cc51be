package io.hawser.testkit;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A small blocking client of the Hawser HTTP API over {@link java.net.http.HttpClient} (HTTP/1.1). The base URI is
 * a supplier so that one client survives a node restart on a new port.
 */
public final class HttpApi {
    public static final String JSON = "application/json";
    public static final String NDJSON = "application/x-ndjson";
    public static final String OCTETS = "application/octet-stream";
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private final Supplier<URI> base;
    private final HttpClient client;

    public HttpApi(Supplier<URI> base) {
        this.base = base;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    public HttpApi(URI base) {
        this(() -> base);
    }

    public URI base() {
        return base.get();
    }

    public HttpClient client() {
        return client;
    }

    /** One answer: status, headers and the raw body with JSON helpers. */
    public record Response(String method, String path, int status, HttpHeaders headers, byte[] bytes) {
        public String body() {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        /** The body as a JSON object; fails the test (showing the body) when it is not one. */
        public JsonObject json() {
            try {
                return new JsonObject(body());
            } catch (DecodeException | ClassCastException e) {
                throw new AssertionError(describe() + ": body is not a JSON object", e);
            }
        }

        public Optional<String> header(String name) {
            return headers.firstValue(name);
        }

        /** {@code error.code}, or null when the body is not an error object. */
        public String errorCode() {
            try {
                JsonObject error = new JsonObject(body()).getJsonObject("error");
                return error == null ? null : error.getString("code");
            } catch (RuntimeException e) {
                return null;
            }
        }

        public String errorMessage() {
            try {
                JsonObject error = new JsonObject(body()).getJsonObject("error");
                return error == null ? null : error.getString("message");
            } catch (RuntimeException e) {
                return null;
            }
        }

        public String describe() {
            String text = body();
            if (text.length() > 600) {
                text = text.substring(0, 600) + "...(" + bytes.length + " bytes)";
            }
            return method + " " + path + " -> " + status + " " + text;
        }

        /** Fails unless the status is {@code expected}; returns this for chaining. */
        public Response expect(int expected) {
            assertEquals(expected, status, () -> "unexpected status for " + describe());
            return this;
        }
    }

    // ---------------------------------------------------------------- raw requests

    public Response request(String method, String path, byte[] body, Map<String, String> headers) {
        return request(method, path, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body), headers, DEFAULT_TIMEOUT);
    }

    public Response request(String method, String path, String body, Map<String, String> headers) {
        return request(method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8), headers);
    }

    public Response request(String method, String path, HttpRequest.BodyPublisher body, Map<String, String> headers,
            Duration timeout) {
        URI uri = base.get().resolve(path);
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(timeout).method(method, body);
        if (headers != null) {
            headers.forEach(builder::header);
        }
        try {
            HttpResponse<byte[]> response = client.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Response(method, path, response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new AssertionError(method + " " + uri + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Sends the body with {@code Transfer-Encoding: chunked} (unknown length). */
    public Response requestChunked(String method, String path, byte[] body, Map<String, String> headers) {
        return request(method, path, HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)),
                headers, DEFAULT_TIMEOUT);
    }

    public Response get(String path) {
        return request("GET", path, (byte[]) null, Map.of());
    }

    public Response delete(String path) {
        return request("DELETE", path, (byte[]) null, Map.of());
    }

    public Response postJson(String path, Object json) {
        return request("POST", path, json.toString(), Map.of("Content-Type", JSON));
    }

    public Response putJson(String path, Object json) {
        return request("PUT", path, json.toString(), Map.of("Content-Type", JSON));
    }

    public Response patchJson(String path, Object json) {
        return request("PATCH", path, json.toString(), Map.of("Content-Type", JSON));
    }

    // ---------------------------------------------------------------- streams

    public Response createStreamRaw(JsonObject config) {
        return postJson("/v1/streams", config);
    }

    /** Creates a stream and fails unless the answer is 201; returns the description. */
    public JsonObject createStream(JsonObject config) {
        return createStreamRaw(config).expect(201).json();
    }

    public JsonObject createStream(String name, int partitions) {
        return createStream(new JsonObject().put("name", name).put("partitions", partitions));
    }

    public Response describeRaw(String stream) {
        return get("/v1/streams/" + stream);
    }

    public JsonObject describe(String stream) {
        return describeRaw(stream).expect(200).json();
    }

    /** The description's entry for partition {@code p}. */
    public JsonObject partition(String stream, int p) {
        JsonArray partitions = describe(stream).getJsonArray("partitions");
        for (int i = 0; i < partitions.size(); i++) {
            JsonObject entry = partitions.getJsonObject(i);
            if (entry.getInteger("id") == p) {
                return entry;
            }
        }
        throw new AssertionError("no partition " + p + " in " + partitions);
    }

    public Response patchStream(String stream, JsonObject changes) {
        return patchJson("/v1/streams/" + stream, changes);
    }

    // ---------------------------------------------------------------- publish

    public Response publish(String stream, String query, byte[] value, Map<String, String> headers) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("Content-Type", OCTETS);
        if (headers != null) {
            all.putAll(headers);
        }
        return request("POST", "/v1/streams/" + stream + "/messages" + (query == null || query.isEmpty() ? ""
                : "?" + query), value, all);
    }

    public Response publish(String stream, String query, String value, Map<String, String> headers) {
        return publish(stream, query, value.getBytes(StandardCharsets.UTF_8), headers);
    }

    public Response publish(String stream, String value) {
        return publish(stream, null, value, Map.of());
    }

    /** Publishes and fails unless the answer is 201; returns the ack. */
    public JsonObject publishOk(String stream, String query, String value) {
        return publish(stream, query, value, Map.of()).expect(201).json();
    }

    public JsonObject publishOk(String stream, String value) {
        return publishOk(stream, null, value);
    }

    public Response batch(String stream, List<?> lines) {
        StringBuilder body = new StringBuilder();
        for (Object line : lines) {
            body.append(line).append('\n');
        }
        return batchRaw(stream, body.toString());
    }

    public Response batchRaw(String stream, String ndjson) {
        return request("POST", "/v1/streams/" + stream + "/batch", ndjson, Map.of("Content-Type", NDJSON));
    }

    /** Publishes {@code count} text messages {@code text(i)} to one partition with NDJSON batches of 1,000. */
    public void fill(String stream, int partition, int count, java.util.function.IntFunction<String> text) {
        fill(stream, partition, count, 1000, text);
    }

    /** Publishes {@code count} text messages {@code text(i)} to one partition with NDJSON batches of {@code batch}. */
    public void fill(String stream, int partition, int count, int batch, java.util.function.IntFunction<String> text) {
        for (int start = 0; start < count; start += batch) {
            List<JsonObject> lines = new ArrayList<>();
            for (int i = start; i < Math.min(count, start + batch); i++) {
                lines.add(new JsonObject().put("text", text.apply(i)).put("partition", partition));
            }
            Response r = batch(stream, lines);
            if (r.status() / 100 != 2) {
                fail("batch failed: " + r.describe());
            }
            JsonArray acks = r.json().getJsonArray("acks");
            for (int i = 0; i < acks.size(); i++) {
                if (acks.getJsonObject(i).containsKey("error")) {
                    fail("batch line " + i + " failed: " + acks.getJsonObject(i));
                }
            }
        }
    }

    // ---------------------------------------------------------------- read

    public Response read(String stream, int partition, String query) {
        return get("/v1/streams/" + stream + "/partitions/" + partition + "/messages"
                + (query == null || query.isEmpty() ? "" : "?" + query));
    }

    public JsonObject readOk(String stream, int partition, String query) {
        return read(stream, partition, query).expect(200).json();
    }

    /** Every message of a partition from {@code from} up to the high watermark, in pages of {@code page}. */
    public List<JsonObject> readAll(String stream, int partition, long from, int page) {
        List<JsonObject> all = new ArrayList<>();
        long offset = from;
        while (true) {
            JsonObject answer = readOk(stream, partition, "offset=" + offset + "&limit=" + page);
            JsonArray messages = answer.getJsonArray("messages");
            for (int i = 0; i < messages.size(); i++) {
                all.add(messages.getJsonObject(i));
            }
            long next = answer.getLong("nextOffset");
            long hw = answer.getLong("highWatermark");
            if (messages.isEmpty() || next > hw) {
                if (messages.isEmpty() && next <= hw) {
                    fail("read at " + offset + " returned nothing below the high watermark " + hw + ": " + answer);
                }
                return all;
            }
            offset = next;
        }
    }

    /** Waits until a partition's high watermark is at least {@code hw}. */
    public void awaitHighWatermark(String stream, int partition, long hw, Duration timeout) {
        Await.until(timeout, stream + "/" + partition + " highWatermark >= " + hw,
                () -> partition(stream, partition).getLong("highWatermark") >= hw);
    }

    // ---------------------------------------------------------------- helpers

    public static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    public static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    public static byte[] unb64(String text) {
        return Base64.getDecoder().decode(text);
    }

    /** The UTF-8 text of a read/subscribe message, from {@code text} or base64 {@code value}. */
    public static String text(JsonObject message) {
        if (message.containsKey("text")) {
            return message.getString("text");
        }
        String value = message.getString("value");
        if (value == null) {
            throw new AssertionError("message has neither text nor value: " + message);
        }
        return new String(unb64(value), StandardCharsets.UTF_8);
    }

    public static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
