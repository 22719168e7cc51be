package io.hawser.bench;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Replay of N stored messages on both systems, side by side: Hawser's WebSocket subscription from the earliest
 * offset against JetStream's ordered push consumer from the first sequence. Both streams are loaded through the
 * same NATS publish machinery (4 publishers x 1000 in flight) and read whole in every measured run; a warm-up
 * reads part of each first. Each run reads on Hawser, then on JetStream, so drifts of the shared machine hit both.
 */
final class ReplayComparison {
  static final String ID = "replay";
  private static final String RUN_KEY = "replay";

  private final NatsBench bench;
  private final BenchOptions options;
  private final HawserNats hawser;
  private final ReplayReader reader;
  private final JetStreamNats js;

  ReplayComparison(NatsBench bench, BenchOptions options, HawserNats hawser, ReplayReader reader, JetStreamNats js) {
    this.bench = bench;
    this.options = options;
    this.hawser = hawser;
    this.reader = reader;
    this.js = js;
  }

  NatsResult run(byte[] payload) {
    long n = options.messages;
    String title = String.format(Locale.ROOT, "replay of %,d stored: WebSocket vs ordered consumer", n);
    Progress.say(ID + ": " + title + " (Hawser, then JetStream, each run)");
    NatsBench.Interleaved runs;
    try {
      load(hawser, n, payload);
      load(js, n, payload);
      runs = bench.interleave(ID, hawser, js, (system, index, warmUp) -> read(system,
          warmUp ? options.replayWarmupMessages : n,
          warmUp ? Duration.ofSeconds(Math.max(5, options.replayTimeout.toSeconds() / 3)) : options.replayTimeout));
    } catch (BenchException loadFailed) {
      runs = new NatsBench.Interleaved(List.of(), List.of(), loadFailed.getMessage());
    } finally {
      hawser.cleanup(RUN_KEY);
      js.cleanup(RUN_KEY);
    }
    return NatsResult.of(ID, title, 0, 0, NatsResult.REPLAY_TARGET_RATIO,
        NatsResult.Side.of(hawser.name(), "reads fsynced messages", runs.hawser()),
        NatsResult.Side.of(js.name(), "reads its file store", runs.jetstream()), runs.failure());
  }

  /** A fresh stream with the probe message plus {@code n} more, all acknowledged. */
  private void load(NatsSystem system, long n, byte[] payload) {
    long t0 = System.nanoTime();
    system.prepare(RUN_KEY);
    RunResult load = NatsDriver.run(system, 4, 1000, n, options.loadTimeout, options.requestTimeout, payload)
        .result();
    if (!load.ok()) {
      throw new BenchException("loading " + system.name() + " failed: " + load.problem());
    }
    if (load.messages() < n) {
      throw new BenchException("loading " + n + " messages into " + system.name() + " did not finish within "
          + options.loadTimeout.toSeconds() + " s (" + load.messages() + " acked)");
    }
    Progress.say(String.format(Locale.ROOT, "%s: loaded %,d messages into %s in %.1f s", ID, load.messages(),
        system.name(), (System.nanoTime() - t0) / 1e9));
  }

  /** Reads the first {@code count} messages with the system's server processes and this JVM watched. */
  private NatsDriver.NatsRun read(NatsSystem system, long count, Duration timeout) {
    return NatsDriver.watched(system.serverProcesses(), () -> system == hawser
        ? reader.read(hawser.streamName(), 0, count - 1, timeout) : js.replay(count, timeout));
  }
}
