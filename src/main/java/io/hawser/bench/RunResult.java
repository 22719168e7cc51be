package io.hawser.bench;

/**
 * One run of one workload. {@code messages} counts only good ones (acked with an offset, or
 * delivered in order); any {@code failed} message or {@code anomalies} (duplicate/gap/out of
 * order) makes the run an error, and then its rate is not a result.
 */
record RunResult(long messages, long failed, long anomalies, double seconds, LatencyRecorder.LatencySummary latency,
    String firstError, long base) {

  /** A run measured as one duration (failover, recovery): {@code nanos} is both its time and its one latency. */
  static RunResult oneSample(long messages, long nanos) {
    LatencyRecorder one = new LatencyRecorder(1);
    one.record(nanos);
    return new RunResult(messages, 0, 0, nanos / 1e9, one.summary(), null, 0);
  }

  boolean ok() {
    return failed == 0 && anomalies == 0 && firstError == null;
  }

  double rate() {
    return seconds <= 0 ? 0 : messages / seconds;
  }

  /** Why this run does not count, for the report. */
  String problem() {
    if (ok()) {
      return null;
    }
    StringBuilder sb = new StringBuilder();
    if (failed > 0) {
      sb.append(failed).append(" messages failed");
    }
    if (anomalies > 0) {
      sb.append(sb.length() > 0 ? ", " : "").append(anomalies).append(" offset violations");
    }
    if (firstError != null) {
      sb.append(sb.length() > 0 ? "; first: " : "").append(firstError);
    }
    return sb.toString();
  }
}
