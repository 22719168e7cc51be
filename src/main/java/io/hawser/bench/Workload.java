package io.hawser.bench;

/**
 * One benchmark workload. The {@link Benchmark} calls {@link #prepare}, one warm-up
 * {@link #run} (index 0), the measured runs (1..K), then {@link #cleanup}, whatever failed.
 */
interface Workload {
  /** Short id used on the command line and in stream names: sync, inflight, batch, replay. */
  String id();

  String title();

  Target target();

  default void prepare() {}

  RunResult run(int index, boolean warmUp);

  default void cleanup() {}
}
