package io.hawser.bench;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * The few admin calls the benchmark needs (readiness, create/delete stream), blocking with
 * deadlines on the main thread. Load itself goes through {@link PublishLoop} and {@link ReplayReader}.
 */
final class HawserApi {
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

  private final HttpClientAgent client;
  private final Context context;
  private boolean deleteWarned;

  HawserApi(Vertx vertx, Endpoint endpoint) {
    this.context = vertx.getOrCreateContext();
    this.client = vertx.createHttpClient(
        new HttpClientOptions().setDefaultHost(endpoint.host()).setDefaultPort(endpoint.port())
            .setConnectTimeout(5000).setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(2));
  }

  /** HTTP status of GET /health/ready, or -1 when nothing answers (the node is still booting). */
  int readyStatus() {
    try {
      return call(HttpMethod.GET, "/health/ready", null, Duration.ofSeconds(2)).status();
    } catch (BenchException e) {
      return -1;
    }
  }

  /**
   * Creates {@code name} (1 partition, R1, ackPolicy leader) and makes sure it is empty: against
   * a shared node (--url) a stream of that name may be left from an earlier run, so it is deleted
   * and created again.
   */
  void createFreshStream(String name) {
    createFreshStream(name, null);
  }

  /** The same, capturing NATS {@code subject} through the node's bridge when it is not null. */
  void createFreshStream(String name, String subject) {
    JsonObject config = new JsonObject()
        .put("name", name)
        .put("partitions", 1)
        .put("replicationFactor", 1)
        .put("ackPolicy", "leader");
    if (subject != null) {
      config.put("subject", subject);
    }
    Response r = call(HttpMethod.POST, "/v1/streams", config.toBuffer(), ADMIN_TIMEOUT);
    if (r.status() == 201) {
      return;
    }
    if (r.status() == 200 || r.status() == 409) {
      Response del = call(HttpMethod.DELETE, "/v1/streams/" + name, null, ADMIN_TIMEOUT);
      if (del.status() / 100 != 2) {
        throw new BenchException("stream " + name + " already exists and DELETE answered " + del.describe());
      }
      r = call(HttpMethod.POST, "/v1/streams", config.toBuffer(), ADMIN_TIMEOUT);
      if (r.status() == 201) {
        return;
      }
    }
    throw new BenchException("POST /v1/streams " + name + " answered " + r.describe() + " (expected 201)");
  }

  /** Frees the disk a run used; a failure is only a warning since the numbers are already taken. */
  void deleteStreamQuietly(String name) {
    try {
      Response r = call(HttpMethod.DELETE, "/v1/streams/" + name, null, ADMIN_TIMEOUT);
      if (r.status() / 100 != 2 && r.status() != 404) {
        warnDelete(name + ": " + r.describe());
      }
    } catch (BenchException e) {
      warnDelete(name + ": " + e.getMessage());
    }
  }

  private void warnDelete(String why) {
    if (!deleteWarned) {
      deleteWarned = true;
      System.err.println("bench: warning: could not delete stream " + why + " (its data stays on the node)");
    }
  }

  Response call(HttpMethod method, String uri, Buffer body, Duration timeout) {
    RequestOptions options = new RequestOptions().setMethod(method).setURI(uri)
        .setConnectTimeout(timeout.toMillis()).setIdleTimeout(timeout.toMillis());
    if (body != null) {
      options.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    }
    // The chain is built on the event loop: built from the main thread, a response that ends
    // at once (a 204) can end before body() is attached, and body() then never completes.
    Promise<Response> answer = Promise.promise();
    context.runOnContext(v -> client.request(options)
        .compose(req -> (body == null ? req.send() : req.send(body))
            .compose(resp -> resp.body().map(b -> new Response(resp.statusCode(), b))))
        .onComplete(answer));
    return Await.result(answer.future(), timeout.plusSeconds(1), method + " " + uri);
  }

  void close() {
    client.close();
  }

  /** A complete HTTP answer. */
  record Response(int status, Buffer body) {
    String describe() {
      return "HTTP " + status + " " + errorText(body);
    }
  }

  /** The API's {@code {"error":{"code","message"}}} as "code: message", else the raw (shortened) body. */
  static String errorText(Buffer body) {
    if (body == null || body.length() == 0) {
      return "(empty body)";
    }
    try {
      JsonObject error = new JsonObject(body).getJsonObject("error");
      if (error != null) {
        return error.getString("code") + ": " + error.getString("message");
      }
    } catch (DecodeException | ClassCastException e) {
      // not the error shape: show the text
    }
    String text = body.toString();
    return text.length() > 200 ? text.substring(0, 200) + "..." : text;
  }
}
