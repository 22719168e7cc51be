package io.hawser.bench;

import java.time.Duration;

/**
 * Loads N messages once (NDJSON batches), then reads them back over the WebSocket: a partial
 * read as warm-up, then each measured run reads all N from the start. Re-reading one stream is
 * deliberate: loading N messages per run would cost more time than the reads themselves.
 * Loading sends whole batches of 1000, so up to 999 more than N may be stored; only N are read.
 */
final class ReplayWorkload implements Workload {
  private static final String STREAM = "bench-replay-0";
  private static final int LOAD_BATCH = 1000;
  private static final int LOAD_INFLIGHT = 4;

  private final BenchOptions options;
  private final HawserApi api;
  private final PublishDriver driver;
  private final ReplayReader reader;
  private final byte[] payload;
  private final Target target;
  private long base;

  ReplayWorkload(BenchOptions options, HawserApi api, PublishDriver driver, ReplayReader reader, byte[] payload,
      Target target) {
    this.options = options;
    this.api = api;
    this.driver = driver;
    this.reader = reader;
    this.payload = payload;
    this.target = target;
  }

  @Override
  public String id() {
    return "replay";
  }

  @Override
  public String title() {
    return "WebSocket replay from earliest";
  }

  @Override
  public Target target() {
    return target;
  }

  @Override
  public void prepare() {
    api.createFreshStream(STREAM);
    long n = options.messages;
    Progress.say("replay: loading " + n + " messages into " + STREAM);
    long t0 = System.nanoTime();
    RunResult load = driver.run(PublishRequest.batch(STREAM, payload, (int) Math.min(LOAD_BATCH, n)),
        LOAD_INFLIGHT, options.clientThreads, n, options.loadTimeout);
    if (!load.ok()) {
      throw new BenchException("loading failed: " + load.problem());
    }
    if (load.messages() < n) {
      throw new BenchException("loading " + n + " messages did not finish within " + options.loadTimeout.toSeconds()
          + " s (" + load.messages() + " acked); use a smaller --messages or a larger --load-timeout");
    }
    base = load.base();
    Progress.say(String.format("replay: loaded %d messages in %.1f s (%s msg/s)", load.messages(),
        (System.nanoTime() - t0) / 1e9, ResultTable.compact(load.rate())));
  }

  @Override
  public RunResult run(int index, boolean warmUp) {
    long count = warmUp ? options.replayWarmupMessages : options.messages;
    Duration timeout = warmUp ? Duration.ofSeconds(Math.max(5, options.replayTimeout.toSeconds() / 3)) : options.replayTimeout;
    return reader.read(STREAM, base, base + count - 1, timeout);
  }

  @Override
  public void cleanup() {
    api.deleteStreamQuietly(STREAM);
  }
}
