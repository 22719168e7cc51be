package io.hawser.cli;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Blocking calls to one node's HTTP API; a non-2xx answer becomes a {@link CliException} with the API's error. */
final class AdminClient {
    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    AdminClient(String url) {
        String trimmed = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        if (!trimmed.matches("^https?://[^\\s/]+$")) {
            throw new CliException("--url must look like http://host:port (got " + url + ")");
        }
        this.base = URI.create(trimmed);
    }

    String url() {
        return base.toString();
    }

    record Response(int status, String body) {
        JsonObject json() {
            return new JsonObject(body);
        }
    }

    Response get(String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET(), Duration.ofSeconds(70));
    }

    Response delete(String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).DELETE(), Duration.ofSeconds(30));
    }

    Response postJson(String path, JsonObject body) {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode())), Duration.ofSeconds(30));
    }

    Response patchJson(String path, JsonObject body) {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body.encode())), Duration.ofSeconds(30));
    }

    Response post(String path, String contentType, byte[] body) {
        return post(path, contentType, body, java.util.Map.of());
    }

    Response post(String path, String contentType, byte[] body, java.util.Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        return send(request, Duration.ofSeconds(70));
    }

    /** Like the others, but fails unless the status is {@code expected} (or any 2xx when 0). */
    Response expect(Response r, String what, int... expected) {
        boolean ok = expected.length == 0 && r.status() / 100 == 2;
        for (int e : expected) {
            ok |= r.status() == e;
        }
        if (!ok) {
            throw new CliException(what + ": HTTP " + r.status() + " " + errorText(r.body()));
        }
        return r;
    }

    private Response send(HttpRequest.Builder request, Duration timeout) {
        try {
            HttpResponse<String> r = http.send(request.timeout(timeout).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Response(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new CliException("cannot reach " + base + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }

    private static String errorText(String body) {
        try {
            JsonObject error = new JsonObject(body).getJsonObject("error");
            if (error != null) {
                return error.getString("code") + ": " + error.getString("message");
            }
        } catch (RuntimeException notJson) {
            // fall through
        }
        return body.length() > 300 ? body.substring(0, 300) + "..." : body;
    }
}
