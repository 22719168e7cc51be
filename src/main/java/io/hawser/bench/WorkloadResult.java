package io.hawser.bench;

import java.util.Arrays;
import java.util.List;

/**
 * A workload's outcome over its measured runs: median rate with min/max, and the median of
 * each latency percentile (max is the worst of all runs). Any run with an error makes the whole
 * workload FAILED: a number measured while acks were lost or reordered is not a result.
 */
record WorkloadResult(String id, String title, Target target, List<RunResult> runs, Verdict verdict, String reason,
    double medianRate, double minRate, double maxRate, long medianMessages, double p50Ms, double p99Ms, double maxMs,
    List<NatsResult.RoleUsage> usage) {

  enum Verdict { PASS, MISS, FAILED }

  /** The measured runs with the CPU and memory of the processes watched during each (same order as the runs). */
  static WorkloadResult measured(Workload w, List<NatsDriver.NatsRun> measured) {
    List<RunResult> runs = measured.stream().map(NatsDriver.NatsRun::result).toList();
    WorkloadResult r = of(w, runs);
    return new WorkloadResult(r.id, r.title, r.target, r.runs, r.verdict, r.reason, r.medianRate, r.minRate,
        r.maxRate, r.medianMessages, r.p50Ms, r.p99Ms, r.maxMs, NatsResult.RoleUsage.of(measured));
  }

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
        Arrays.stream(rates).min().orElse(0), Arrays.stream(rates).max().orElse(0), messages, p50, p99, max,
        List.of());
  }

  static WorkloadResult failed(Workload w, List<RunResult> runs, String reason) {
    return new WorkloadResult(w.id(), w.title(), w.target(), runs, Verdict.FAILED, reason, Double.NaN, Double.NaN,
        Double.NaN, 0, Double.NaN, Double.NaN, Double.NaN, List.of());
  }

  /** CPU microseconds per message of the watched server processes together (median runs); NaN if none. */
  double serverCpuMicrosPerMessage() {
    double total = 0;
    boolean any = false;
    for (NatsResult.RoleUsage u : usage) {
      if (u.server()) {
        total += u.cpuMicrosPerMessage();
        any = true;
      }
    }
    return any ? total : Double.NaN;
  }

  /** Peak RSS of the watched server processes together (worst run); -1 if none or unknown. */
  long serverPeakRssBytes() {
    long total = -1;
    for (NatsResult.RoleUsage u : usage) {
      if (u.server()) {
        if (u.peakRssBytes() < 0) {
          return -1;
        }
        total = Math.max(total, 0) + u.peakRssBytes();
      }
    }
    return total;
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
