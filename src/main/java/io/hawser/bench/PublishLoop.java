package io.hawser.bench;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed loop of publishers on one event loop. Each slot owns one HTTP/1.1 keep-alive
 * connection (no pipelining, so one request in flight per connection): send, and on the answer
 * record the latency and send the next, until the shared budget or the deadline runs out.
 *
 * <p>Connections are opened before the clock starts and used directly rather than through the
 * client pool, and there is one watchdog timer per loop instead of a timeout per request: the
 * client shares the machine's cores with the server, so every microsecond it spends per request
 * is taken from the server being measured.
 *
 * <p>All fields except {@link Budget} are touched only by this verticle's event loop; the
 * driver reads them after {@link #done()} completes.
 */
final class PublishLoop extends AbstractVerticle implements PublishRequest.AckSink {
  /** Stop hammering a broken server: the run is FAILED anyway after the first error. */
  private static final int MAX_FAILED_REQUESTS = 20;

  private final Endpoint endpoint;
  private final PublishRequest kind;
  private final int slotCount;
  private final long requestTimeoutMs;
  private final Budget budget;
  private final Promise<PublishLoop> done = Promise.promise();
  private final List<Slot> slots = new ArrayList<>();

  private HttpClientAgent client;
  private RequestOptions request;
  private Buffer body;
  private int inFlight;
  private long watchdog = -1;
  private long requestFailures;

  final LatencyRecorder latencies;
  final OffsetCheck offsets = new OffsetCheck();
  long acked;
  long failed;
  String firstError;
  long startNanos;
  long endNanos;

  PublishLoop(Endpoint endpoint, PublishRequest kind, int slots, long requestTimeoutMs, Budget budget,
      int expectedRequests) {
    this.endpoint = endpoint;
    this.kind = kind;
    this.slotCount = slots;
    this.requestTimeoutMs = requestTimeoutMs;
    this.budget = budget;
    this.latencies = new LatencyRecorder(Math.min(expectedRequests, 1 << 20));
  }

  Future<PublishLoop> done() {
    return done.future();
  }

  /** Deployed when all its connections are open; {@link #go()} then starts the clock. */
  @Override
  public void start(Promise<Void> started) {
    client = vertx.createHttpClient(new HttpClientOptions()
        .setKeepAlive(true).setPipelining(false).setTcpNoDelay(true).setConnectTimeout(5000));
    request = new RequestOptions().setMethod(HttpMethod.POST)
        .setHost(endpoint.host()).setPort(endpoint.port()).setURI(kind.uri())
        .putHeader(HttpHeaders.CONTENT_TYPE, kind.contentType());
    body = kind.body().copy(); // each event loop sends its own copy of the shared bytes
    HttpConnectOptions connect = new HttpConnectOptions().setHost(endpoint.host()).setPort(endpoint.port())
        .setConnectTimeout(5000);
    List<Future<HttpClientConnection>> opening = new ArrayList<>();
    for (int i = 0; i < slotCount; i++) {
      opening.add(client.connect(connect).onSuccess(c -> slots.add(new Slot(c))));
    }
    Future.all(opening).<Void>mapEmpty().recover(e -> Future.failedFuture(
        new BenchException("cannot open " + slotCount + " connections to " + endpoint + ": " + Await.describe(e))))
        .onComplete(started);
  }

  /** Starts all slots at once (called from the driver's thread, runs on this loop's event loop). */
  void go() {
    context.runOnContext(v -> {
      startNanos = System.nanoTime();
      endNanos = startNanos;
      // Requests stop starting at the deadline; if one is still unanswered a request timeout
      // later, the loop gives up on it, so a run always ends.
      long giveUp = budget.deadlineNanos + requestTimeoutMs * 1_000_000L;
      watchdog = vertx.setPeriodic(250, id -> {
        if (System.nanoTime() > giveUp && inFlight > 0) {
          failed(inFlight * kind.messagesPerRequest(), inFlight + " requests unanswered " + requestTimeoutMs
              + " ms after the run's deadline");
          budget.abort = true;
          finish();
        }
      });
      for (Slot slot : slots) {
        sendNext(slot);
      }
    });
  }

  @Override
  public void stop() {
    if (client != null) {
      client.close();
    }
  }

  private void sendNext(Slot slot) {
    if (done.future().isComplete()) {
      return;
    }
    if (slot.closed || budget.abort || System.nanoTime() >= budget.deadlineNanos
        || budget.requestsLeft.getAndDecrement() <= 0) {
      if (inFlight == 0) {
        finish();
      }
      return;
    }
    inFlight++;
    long request = ++slot.request;
    slot.busy = true;
    long t0 = System.nanoTime();
    // Built on this event loop and nested, so body() is attached before the response can end.
    slot.conn.request(this.request)
        .compose(req -> req.send(body).compose(resp -> resp.body().map(b -> new HawserApi.Response(resp.statusCode(), b))))
        .onComplete(ar -> {
          if (done.future().isComplete() || !slot.busy || slot.request != request) {
            return; // already counted (connection closed, or the loop gave up)
          }
          long t1 = System.nanoTime();
          slot.busy = false;
          inFlight--;
          endNanos = t1;
          long failedBefore = failed;
          if (ar.succeeded()) {
            kind.check(ar.result().status(), ar.result().body(), this);
          } else {
            failed(kind.messagesPerRequest(), Await.describe(ar.cause()));
          }
          if (failed == failedBefore) {
            latencies.record(t1 - t0); // latency of fully acked requests only
          } else {
            countFailedRequest();
          }
          sendNext(slot);
        });
  }

  /** The server closed a connection: its request in flight (if any) failed, and the slot stops. */
  private void onClosed(Slot slot) {
    slot.closed = true;
    if (done.future().isComplete()) {
      return;
    }
    if (slot.busy) {
      slot.busy = false;
      inFlight--;
      failed(kind.messagesPerRequest(), "the server closed the connection"
          + (slot.error == null ? "" : " (" + slot.error + ")") + " with a request in flight");
      countFailedRequest();
    }
    // An open slot is idle only once it met a stop condition, so nothing in flight means done.
    if (inFlight == 0) {
      finish();
    }
  }

  private void countFailedRequest() {
    if (++requestFailures >= MAX_FAILED_REQUESTS || budget.failedRequests.incrementAndGet() >= MAX_FAILED_REQUESTS) {
      budget.abort = true;
    }
  }

  /** Completes once; from then on late callbacks change nothing the driver reads. */
  private void finish() {
    if (!done.future().isComplete()) {
      vertx.cancelTimer(watchdog);
      done.complete(this);
    }
  }

  /** One connection and its one request in flight (HTTP/1.1, no pipelining). */
  private final class Slot {
    final HttpClientConnection conn;
    long request; // sequence number, so a late callback for an already-counted request is ignored
    boolean busy;
    boolean closed;
    String error;

    Slot(HttpClientConnection conn) {
      this.conn = conn;
      conn.exceptionHandler(e -> error = Await.describe(e));
      conn.closeHandler(v -> onClosed(this));
    }
  }

  @Override
  public void acked(long offset) {
    acked++;
    offsets.add(offset);
  }

  @Override
  public void failed(int messages, String why) {
    failed += messages;
    if (firstError == null) {
      firstError = why;
    }
  }

  /** What all loops of one run share: how many requests may still start, and until when. */
  static final class Budget {
    final AtomicLong requestsLeft;
    final AtomicInteger failedRequests = new AtomicInteger();
    volatile long deadlineNanos = Long.MAX_VALUE; // set when all connections are open
    volatile boolean abort;

    Budget(long requests) {
      this.requestsLeft = new AtomicLong(requests);
    }
  }
}
