package io.hawser.bench;

import java.time.Duration;
import java.util.function.BiFunction;

/**
 * The three HTTP publish workloads differ only in request kind and concurrency, so they share
 * this class: each run (warm-up included) publishes into its own fresh stream
 * {@code bench-<id>-<n>}, so offsets can be checked from 0 and runs do not slow each other down
 * through a growing log; the stream is deleted afterwards to give the disk back.
 */
final class PublishWorkload implements Workload {
  private final String id;
  private final String title;
  private final Target target;
  private final HawserApi api;
  private final PublishDriver driver;
  private final BiFunction<String, byte[], PublishRequest> kind;
  private final byte[] payload;
  private final int inflight;
  private final int threads;
  private final long maxMessages;
  private final Duration maxDuration;
  private final Duration warmup;

  private PublishWorkload(String id, String title, Target target, HawserApi api, PublishDriver driver,
      BiFunction<String, byte[], PublishRequest> kind, byte[] payload, int inflight, int threads,
      long maxMessages, Duration maxDuration, Duration warmup) {
    this.id = id;
    this.title = title;
    this.target = target;
    this.api = api;
    this.driver = driver;
    this.kind = kind;
    this.payload = payload;
    this.inflight = inflight;
    this.threads = threads;
    this.maxMessages = maxMessages;
    this.maxDuration = maxDuration;
    this.warmup = warmup;
  }

  /** One connection, one request at a time: the latency of a durable ack. */
  static PublishWorkload sync(BenchOptions o, HawserApi api, PublishDriver driver, byte[] payload, Target target) {
    return new PublishWorkload("sync", "HTTP publish, 1 in flight", target, api, driver, PublishRequest::single,
        payload, 1, 1, o.syncMaxMessages, o.runDuration, o.warmupDuration);
  }

  /** Many single publishes at once: what group commit buys. */
  static PublishWorkload inflight(BenchOptions o, HawserApi api, PublishDriver driver, byte[] payload, Target target) {
    return new PublishWorkload("inflight", "HTTP publish, " + o.inflight + " in flight",
        target, api, driver, PublishRequest::single, payload, o.inflight, o.clientThreads,
        o.inflightMaxMessages, o.runDuration, o.warmupDuration);
  }

  /** NDJSON batches: the bulk-ingest ceiling. */
  static PublishWorkload batch(BenchOptions o, HawserApi api, PublishDriver driver, byte[] payload, Target target) {
    int lines = o.batchSize;
    return new PublishWorkload("batch", "HTTP batch " + lines + " x " + o.batchInflight + " in flight", target, api,
        driver, (stream, p) -> PublishRequest.batch(stream, p, lines), payload, o.batchInflight, o.clientThreads, o.batchMaxMessages, o.runDuration, o.warmupDuration);
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String title() {
    return title;
  }

  @Override
  public Target target() {
    return target;
  }

  @Override
  public RunResult run(int index, boolean warmUp) {
    String stream = "bench-" + id + "-" + index;
    api.createFreshStream(stream);
    try {
      return driver.run(kind.apply(stream, payload), inflight, threads, maxMessages,
          warmUp ? warmup : maxDuration);
    } finally {
      api.deleteStreamQuietly(stream);
    }
  }
}
