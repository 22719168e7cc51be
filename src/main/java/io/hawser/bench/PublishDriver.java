package io.hawser.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one closed-loop publish run: {@code inflight} connections, each with one request in
 * flight, spread over {@code threads} {@link PublishLoop} verticles (each deployment gets its
 * own event loop), stopping at {@code maxMessages} or {@code maxDuration}, whichever comes first.
 */
final class PublishDriver {
  private final Vertx vertx;
  private final Endpoint endpoint;
  private final Duration requestTimeout;

  PublishDriver(Vertx vertx, Endpoint endpoint, Duration requestTimeout) {
    this.vertx = vertx;
    this.endpoint = endpoint;
    this.requestTimeout = requestTimeout;
  }

  RunResult run(PublishRequest kind, int inflight, int threads, long maxMessages, Duration maxDuration) {
    long requests = Math.max(1, (maxMessages + kind.messagesPerRequest() - 1) / kind.messagesPerRequest());
    int loops = Math.max(1, Math.min(threads, inflight));
    PublishLoop.Budget budget = new PublishLoop.Budget(requests);
    List<PublishLoop> started = new ArrayList<>();
    List<String> deployments = new ArrayList<>();
    try {
      for (int i = 0; i < loops; i++) {
        PublishLoop loop = new PublishLoop(endpoint, kind, share(inflight, loops, i), requestTimeout.toMillis(), budget,
            (int) Math.min(Integer.MAX_VALUE, requests / loops + 1));
        // Deployment opens the loop's connections; the clock starts only when all are open.
        deployments.add(Await.result(vertx.deployVerticle(loop), Duration.ofSeconds(15), "connecting publishers"));
        started.add(loop);
      }
      budget.deadlineNanos = System.nanoTime() + maxDuration.toNanos();
      started.forEach(PublishLoop::go);
      // A loop gives up on unanswered requests a request timeout after the deadline.
      Duration bound = maxDuration.plus(requestTimeout).plusSeconds(5);
      List<Future<PublishLoop>> dones = new ArrayList<>();
      started.forEach(l -> dones.add(l.done()));
      Await.result(Future.all(dones), bound, "publish run (" + kind.uri() + ")");
    } finally {
      budget.abort = true; // if anything above failed, make the loops stop sending
      for (String id : deployments) {
        try {
          Await.result(vertx.undeploy(id), Duration.ofSeconds(10), "stopping a publish loop");
        } catch (BenchException e) {
          System.err.println("bench: warning: " + e.getMessage());
        }
      }
    }
    return merge(started);
  }

  /** Splits {@code total} over {@code parts} as evenly as possible (the first ones get the remainder). */
  private static int share(int total, int parts, int index) {
    return total / parts + (index < total % parts ? 1 : 0);
  }

  private static RunResult merge(List<PublishLoop> loops) {
    LatencyRecorder latencies = new LatencyRecorder(1024);
    OffsetCheck offsets = new OffsetCheck();
    long acked = 0;
    long failed = 0;
    String firstError = null;
    long start = Long.MAX_VALUE;
    long end = Long.MIN_VALUE;
    for (PublishLoop l : loops) {
      latencies.addAll(l.latencies);
      offsets.addAll(l.offsets);
      acked += l.acked;
      failed += l.failed;
      if (firstError == null) {
        firstError = l.firstError;
      }
      start = Math.min(start, l.startNanos);
      end = Math.max(end, l.endNanos);
    }
    OffsetCheck.Result check = offsets.check();
    if (firstError == null) {
      firstError = check.problem();
    }
    double seconds = loops.isEmpty() ? 0 : (end - start) / 1e9;
    return new RunResult(acked, failed, check.anomalies(), seconds, latencies.summary(), firstError, offsets.base());
  }
}
