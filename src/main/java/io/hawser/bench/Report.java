package io.hawser.bench;

import java.util.List;

/**
 * Everything one invocation found out ({@code nats} null when no NATS workload was selected); {@link ResultTable}
 * renders it as text and as JSON.
 */
record Report(String startedAt, double seconds, BenchOptions options, MachineInfo machine, FsyncProbe.Result fsync,
    String endpoint, String node, List<WorkloadResult> results, NatsBench.NatsReport nats, String abortReason) {

  boolean anyFailed() {
    return abortReason != null || results.stream().anyMatch(r -> r.verdict() == WorkloadResult.Verdict.FAILED)
        || (nats != null && nats.anyFailed());
  }
}
