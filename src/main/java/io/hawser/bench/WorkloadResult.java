package io.hawser.bench;

import java.util.Arrays;
import java.util.List;

/**
 * A workload's outcome over its measured runs: median rate with min/max, and the median of
 * each latency percentile (max is the worst of all runs). Any run with an error makes the whole
 * workload FAILED: a number measured while acks were lost or reordered is not a result.
 */
record WorkloadResult(String id, String title, Target target, List<RunResult> runs, Verdict verdict, String reason,
    double medianRate, double minRate, double maxRate, long medianMessages, double p50Ms, double p99Ms, double maxMs) {

  enum Verdict { PASS, MISS, FAILED }

  static WorkloadResult of(Workload w, List<RunResult> runs) {
    for (int i = 0; i < runs.size(); i++) {
      if (!runs.get(i).ok()) {
        return failed(w, runs, "run " + (i + 1) + ": " + runs.get(i).problem());
      }
    }
    if (runs.isEmpty()) {
      return failed(w, runs, "no measured run");
    }
    double[] rates = runs.stream().mapToDouble(RunResult::rate).toArray();
    double rate = median(rates);
    double p50 = median(runs.stream().mapToDouble(r -> r.latency().p50Ms()).toArray());
    double p99 = median(runs.stream().mapToDouble(r -> r.latency().p99Ms()).toArray());
    double max = runs.stream().mapToDouble(r -> r.latency().maxMs()).max().orElse(Double.NaN);
    long messages = (long) median(runs.stream().mapToDouble(RunResult::messages).toArray());
    Verdict verdict = w.target().met(rate, p99) ? Verdict.PASS : Verdict.MISS;
    return new WorkloadResult(w.id(), w.title(), w.target(), runs, verdict, null, rate,
        Arrays.stream(rates).min().orElse(0), Arrays.stream(rates).max().orElse(0), messages, p50, p99, max);
  }

  static WorkloadResult failed(Workload w, List<RunResult> runs, String reason) {
    return new WorkloadResult(w.id(), w.title(), w.target(), runs, Verdict.FAILED, reason, Double.NaN, Double.NaN,
        Double.NaN, 0, Double.NaN, Double.NaN, Double.NaN);
  }

  /** Median; NaN-only inputs (no latency for replay) give NaN. */
  static double median(double[] values) {
    double[] v = Arrays.stream(values).filter(d -> !Double.isNaN(d)).sorted().toArray();
    if (v.length == 0) {
      return Double.NaN;
    }
    int mid = v.length / 2;
    return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  }
}
