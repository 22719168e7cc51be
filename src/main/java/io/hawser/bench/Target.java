package io.hawser.bench;

/**
 * What a workload should reach (DESIGN.md section 4), judged on the median run, plus the
 * static anchor it is compared with. Anchors are numbers written in DESIGN.md, not measured here.
 */
record Target(String label, Metric metric, double threshold, String anchor, double anchorRate) {

  enum Metric { RATE_AT_LEAST, P99_MS_AT_MOST }

  boolean met(double rate, double p99Ms) {
    return metric == Metric.RATE_AT_LEAST ? rate >= threshold : p99Ms <= threshold;
  }

  static Target rateAtLeast(double msgPerSec, String anchor, double anchorRate) {
    return new Target(">= " + ResultTable.compact(msgPerSec) + " msg/s", Metric.RATE_AT_LEAST, msgPerSec, anchor, anchorRate);
  }

  static Target p99AtMost(double ms, String anchor, double anchorRate) {
    return new Target(String.format("p99 <= %.2f ms", ms), Metric.P99_MS_AT_MOST, ms, anchor, anchorRate);
  }
}
