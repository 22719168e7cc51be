package io.hawser.bench;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import java.time.Duration;

/**
 * Reads a partition from the start over the subscribe WebSocket and counts text frames until a
 * given offset arrives, checking that offsets come contiguous and in order. One connection, so
 * everything runs on one event loop; the main thread only waits for the outcome.
 */
final class ReplayReader {
  private final Vertx vertx;
  private final Endpoint endpoint;

  ReplayReader(Vertx vertx, Endpoint endpoint) {
    this.vertx = vertx;
    this.endpoint = endpoint;
  }

  /** Subscribes with start=earliest and reads until {@code lastOffset}; {@code firstOffset} is what should come first. */
  RunResult read(String stream, long firstOffset, long lastOffset, Duration timeout) {
    Reading reading = new Reading(firstOffset, lastOffset, timeout);
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> reading.begin(stream));
    return Await.result(reading.done.future(), timeout.plusSeconds(10), "WebSocket replay of " + stream);
  }

  /** The state of one read; only ever touched on its context's event loop. */
  private final class Reading {
    final Promise<RunResult> done = Promise.promise();
    final long firstOffset;
    final long lastOffset;
    final Duration timeout;
    WebSocketClient client;
    ClientWebSocket ws;
    Buffer partial; // a fragmented message being reassembled
    long expected;
    long frames;
    long violations;
    String firstViolation;
    long startNanos;
    long timer = -1;

    Reading(long firstOffset, long lastOffset, Duration timeout) {
      this.firstOffset = firstOffset;
      this.lastOffset = lastOffset;
      this.timeout = timeout;
      this.expected = firstOffset;
    }

    void begin(String stream) {
      client = vertx.createWebSocketClient(new WebSocketClientOptions()
          .setMaxFrameSize(16 * 1024 * 1024).setMaxMessageSize(64 * 1024 * 1024).setConnectTimeout(5000));
      ws = client.webSocket();
      // Handlers before connect, so not a frame can slip by.
      ws.frameHandler(this::onFrame);
      ws.exceptionHandler(e -> finish(new BenchException("WebSocket error after " + frames + " frames: " + Await.describe(e))));
      ws.closeHandler(v -> finish(new BenchException("the server closed the WebSocket after " + frames
          + " frames (next expected offset " + expected + "), close code " + ws.closeStatusCode() + " " + ws.closeReason())));
      timer = vertx.setTimer(timeout.toMillis(), id -> finish(new BenchException("timed out after " + timeout.toSeconds()
          + " s: " + frames + " frames received, waiting for offset " + lastOffset + ", next expected " + expected)));
      startNanos = System.nanoTime();
      ws.connect(new WebSocketConnectOptions().setHost(endpoint.host()).setPort(endpoint.port())
              .setURI("/v1/streams/" + stream + "/subscribe?partition=0&start=earliest").setTimeout(10_000))
          .onFailure(e -> finish(new BenchException("WebSocket subscribe to " + stream + " failed: " + Await.describe(e))));
    }

    void onFrame(WebSocketFrame frame) {
      if (done.future().isComplete()) {
        return;
      }
      if (frame.isText() || frame.isBinary()) {
        if (frame.isBinary()) {
          violation("a binary frame (expected text)");
        }
        if (frame.isFinal()) {
          onMessage(frame.binaryData());
        } else {
          partial = frame.binaryData().copy();
        }
      } else if (frame.isContinuation() && partial != null) {
        partial.appendBuffer(frame.binaryData());
        if (frame.isFinal()) {
          Buffer message = partial;
          partial = null;
          onMessage(message);
        }
      }
      // ping/pong/close frames are Vert.x's business
    }

    void onMessage(Buffer message) {
      long offset = OffsetScanner.find(message);
      if (offset == OffsetScanner.NONE) {
        // API.md: errors are one {"error":{...}} frame, then close.
        finish(new BenchException("the server sent " + HawserApi.errorText(message) + " after " + frames + " frames"));
        return;
      }
      frames++;
      if (offset != expected) {
        violation("offset " + offset + " where " + expected + " was expected");
      }
      expected = offset + 1;
      if (offset >= lastOffset) {
        long elapsed = System.nanoTime() - startNanos;
        long wanted = lastOffset - firstOffset + 1;
        if (frames != wanted && violations == 0) {
          violation(frames + " frames for " + wanted + " offsets");
        }
        finish(new RunResult(frames, 0, violations, elapsed / 1e9, LatencyRecorder.LatencySummary.NONE,
            firstViolation, firstOffset));
      }
    }

    void violation(String what) {
      violations++;
      if (firstViolation == null) {
        firstViolation = "out of order: " + what;
      }
    }

    /** Completes once (a result or a failure) and releases the connection and the timer. */
    void finish(Object outcome) {
      if (done.future().isComplete()) {
        return;
      }
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      if (outcome instanceof RunResult) {
        done.complete((RunResult) outcome);
      } else {
        done.fail((Throwable) outcome);
      }
      try {
        ws.closeHandler(null);
        ws.close().onComplete(ar -> client.close());
      } catch (RuntimeException notConnected) {
        client.close();
      }
    }
  }
}
