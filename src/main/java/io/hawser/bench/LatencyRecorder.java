package io.hawser.bench;

import java.util.Arrays;

/**
 * Exact latency samples in nanoseconds: a growable long[] sorted once at the end. Benchmarks
 * here record at most a few million samples, so exact percentiles are cheaper than getting an
 * HdrHistogram dependency right. Not thread-safe: one recorder per event loop, merged after.
 */
final class LatencyRecorder {
  private long[] nanos;
  private int count;

  LatencyRecorder(int initialCapacity) {
    nanos = new long[Math.max(16, initialCapacity)];
  }

  void record(long latencyNanos) {
    if (count == nanos.length) {
      nanos = Arrays.copyOf(nanos, nanos.length * 2);
    }
    nanos[count++] = latencyNanos;
  }

  void addAll(LatencyRecorder other) {
    for (int i = 0; i < other.count; i++) {
      record(other.nanos[i]);
    }
  }

  int count() {
    return count;
  }

  /** Nearest-rank percentiles (no interpolation), so every reported value was really observed. */
  LatencySummary summary() {
    if (count == 0) {
      return LatencySummary.NONE;
    }
    long[] sorted = Arrays.copyOf(nanos, count);
    Arrays.sort(sorted);
    return new LatencySummary(count, ms(rank(sorted, 50)), ms(rank(sorted, 90)), ms(rank(sorted, 99)),
        ms(sorted[count - 1]));
  }

  private static long rank(long[] sorted, double percentile) {
    int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  private static double ms(long nanos) {
    return nanos / 1_000_000.0;
  }

  /** Percentiles in milliseconds; {@link #NONE} when a workload has no per-request latency. */
  record LatencySummary(long samples, double p50Ms, double p90Ms, double p99Ms, double maxMs) {
    static final LatencySummary NONE = new LatencySummary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

    boolean present() {
      return samples > 0;
    }
  }
}
