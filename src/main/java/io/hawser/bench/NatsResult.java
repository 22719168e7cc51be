package io.hawser.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One workload measured on both systems in the same run: each side's median over its measured runs (with min/max
 * and the processes' CPU and memory), the Hawser/JetStream ratios, and the verdict against the target "Hawser msg/s
 * >= targetRatio x JetStream msg/s" ({@value #TARGET_RATIO} for publishing, {@value #REPLAY_TARGET_RATIO} for
 * replay). A failed run on either side makes it FAILED: a ratio against a broken run is not a result.
 */
record NatsResult(String id, String title, int publishers, int window, double targetRatio, Side hawser,
    Side jetstream, WorkloadResult.Verdict verdict, String reason) {

  static final double TARGET_RATIO = 1.0;
  static final double REPLAY_TARGET_RATIO = 1.5;

  static NatsResult of(String id, String title, int publishers, int window, Side hawser, Side jetstream,
      String failure) {
    return of(id, title, publishers, window, TARGET_RATIO, hawser, jetstream, failure);
  }

  static NatsResult of(String id, String title, int publishers, int window, double targetRatio, Side hawser,
      Side jetstream, String failure) {
    if (failure == null && (hawser.runs().isEmpty() || jetstream.runs().isEmpty())) {
      failure = "no measured run";
    }
    WorkloadResult.Verdict verdict = failure != null ? WorkloadResult.Verdict.FAILED
        : hawser.medianRate() / jetstream.medianRate() >= targetRatio ? WorkloadResult.Verdict.PASS
        : WorkloadResult.Verdict.MISS;
    return new NatsResult(id, title, publishers, window, targetRatio, hawser, jetstream, verdict, failure);
  }

  static String targetLabel(double ratio) {
    return String.format(java.util.Locale.ROOT, ">= %.1fx JetStream", ratio);
  }

  String targetLabel() {
    return targetLabel(targetRatio);
  }

  /** Hawser msg/s over JetStream msg/s (medians): higher is better; the target is >= 1.0. */
  double rateRatio() {
    return hawser.medianRate() / jetstream.medianRate();
  }

  /** Hawser p50 over JetStream p50 (medians): lower is better. */
  double p50Ratio() {
    return hawser.p50Ms() / jetstream.p50Ms();
  }

  /** Hawser p99 over JetStream p99 (medians): lower is better. */
  double p99Ratio() {
    return hawser.p99Ms() / jetstream.p99Ms();
  }

  /** One system's measured runs, summarised like {@link WorkloadResult}: medians, min/max rate, worst max. */
  record Side(String system, String durability, List<NatsDriver.NatsRun> runs, double medianRate, double minRate,
      double maxRate, long medianMessages, double p50Ms, double p99Ms, double maxMs, List<RoleUsage> usage,
      double otherCores) {

    static Side of(String system, String durability, List<NatsDriver.NatsRun> runs) {
      List<RunResult> results = runs.stream().map(NatsDriver.NatsRun::result).toList();
      double[] rates = results.stream().mapToDouble(RunResult::rate).toArray();
      return new Side(system, durability, List.copyOf(runs),
          WorkloadResult.median(rates),
          results.isEmpty() ? Double.NaN : java.util.Arrays.stream(rates).min().orElse(Double.NaN),
          results.isEmpty() ? Double.NaN : java.util.Arrays.stream(rates).max().orElse(Double.NaN),
          (long) (results.isEmpty() ? 0 : WorkloadResult.median(results.stream().mapToDouble(RunResult::messages).toArray())),
          WorkloadResult.median(results.stream().mapToDouble(r -> r.latency().p50Ms()).toArray()),
          WorkloadResult.median(results.stream().mapToDouble(r -> r.latency().p99Ms()).toArray()),
          results.stream().mapToDouble(r -> r.latency().maxMs()).max().orElse(Double.NaN),
          RoleUsage.of(runs),
          WorkloadResult.median(runs.stream().mapToDouble(NatsDriver.NatsRun::otherCores).toArray()));
    }

    /** CPU microseconds per acked message of all server processes (median run); NaN if unknown. */
    double serverCpuMicrosPerMessage() {
      return sum(usage, true);
    }

    double clientCpuMicrosPerMessage() {
      return sum(usage, false);
    }

    /** Peak RSS of the server processes together (worst run), -1 if unknown. */
    long serverPeakRssBytes() {
      long total = 0;
      for (RoleUsage u : usage) {
        if (u.server()) {
          if (u.peakRssBytes() < 0) {
            return -1;
          }
          total += u.peakRssBytes();
        }
      }
      return total;
    }

    private static double sum(List<RoleUsage> usage, boolean server) {
      double total = 0;
      for (RoleUsage u : usage) {
        if (u.server() == server) {
          total += u.cpuMicrosPerMessage();
        }
      }
      return total;
    }
  }

  /** One process over the measured runs: median CPU per message and cores busy, worst peak RSS. */
  record RoleUsage(String role, long pid, boolean server, double cpuMicrosPerMessage, double cores, long peakRssBytes) {
    static List<RoleUsage> of(List<NatsDriver.NatsRun> runs) {
      Map<String, List<double[]>> byRole = new LinkedHashMap<>();
      Map<String, ResourceMonitor.Usage> first = new LinkedHashMap<>();
      Map<String, Long> peak = new LinkedHashMap<>();
      for (NatsDriver.NatsRun run : runs) {
        for (ResourceMonitor.Usage u : run.usage()) {
          byRole.computeIfAbsent(u.role(), k -> new ArrayList<>()).add(new double[] {
              u.cpuMicrosPerMessage(run.result().messages()), u.cores(run.result().seconds())});
          first.putIfAbsent(u.role(), u);
          peak.merge(u.role(), u.peakRssBytes(), Math::max);
        }
      }
      List<RoleUsage> out = new ArrayList<>();
      byRole.forEach((role, values) -> {
        ResourceMonitor.Usage u = first.get(role);
        out.add(new RoleUsage(role, u.pid(), u.server(),
            WorkloadResult.median(values.stream().mapToDouble(v -> v[0]).toArray()),
            WorkloadResult.median(values.stream().mapToDouble(v -> v[1]).toArray()),
            peak.get(role)));
      });
      return out;
    }
  }
}
