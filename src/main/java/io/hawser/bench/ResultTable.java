package io.hawser.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Renders a {@link Report}: an aligned text table for people and the same facts as JSON for tools. */
final class ResultTable {
  private static final String[] HEADER = {"workload", "messages", "msg/s", "min-max msg/s", "p50 ms", "p99 ms",
      "max ms", "server CPU us/msg", "server RSS MiB", "target", "result"};

  private ResultTable() {}

  static String text(Report r) {
    StringBuilder sb = new StringBuilder();
    MachineInfo m = r.machine();
    sb.append("Hawser benchmark ").append(r.startedAt()).append(r.options().quick ? " (quick)" : "")
        .append(String.format(Locale.ROOT, ", took %.0f s%n", r.seconds()));
    sb.append("machine: ").append(m.cores()).append(" cores, ").append(m.cpuModel()).append(", ")
        .append(m.memDescription()).append(" RAM, ").append(m.jvm()).append(", ").append(m.os())
        .append(String.format(Locale.ROOT, ", load %.2f at start%n", m.loadAverage()));
    if (m.busy()) {
      sb.append("         WARNING: the machine was busy when the run started; other processes compete with client and server\n");
    }
    if (r.fsync() != null) {
      FsyncProbe.Result f = r.fsync();
      sb.append(String.format(Locale.ROOT, "disk:    fsync (256 B append + force) p50 %.3f ms, p99 %.3f ms; "
          + "inside preallocated blocks (as the journal writes) p50 %.3f ms, p99 %.3f ms; %d samples each, %s at %s%n",
          f.latency().p50Ms(), f.latency().p99Ms(), f.inPlace().p50Ms(), f.inPlace().p99Ms(), f.samples(),
          f.fsType(), f.path()));
      if ("tmpfs".equals(f.fsType()) || "ramfs".equals(f.fsType())) {
        sb.append("         WARNING: a RAM filesystem; fsync costs nothing here and durability numbers mean nothing\n");
      }
    }
    sb.append("node:    ").append(r.node()).append('\n');
    sb.append("runs:    ").append(r.options().runs).append(" measured run(s) per workload after a warm-up, ")
        .append(r.options().size).append("-byte payloads; msg/s and p50/p99 are medians over runs, max is the worst\n\n");

    List<String[]> rows = new ArrayList<>();
    rows.add(HEADER);
    if (r.results().isEmpty()) {
      sb.append("(no HTTP workload selected)\n");
    }
    for (WorkloadResult w : r.results()) {
      boolean failed = w.verdict() == WorkloadResult.Verdict.FAILED;
      rows.add(new String[] {
          w.id() + " (" + w.title() + ")",
          failed ? "-" : grouped(w.medianMessages()),
          failed ? "-" : grouped(Math.round(w.medianRate())),
          failed ? "-" : compact(w.minRate()) + "-" + compact(w.maxRate()),
          ms(w.p50Ms()), ms(w.p99Ms()), ms(w.maxMs()),
          failed || Double.isNaN(w.serverCpuMicrosPerMessage()) ? "-"
              : String.format(Locale.ROOT, "%.1f", w.serverCpuMicrosPerMessage()),
          failed || w.serverPeakRssBytes() < 0 ? "-" : mib(w.serverPeakRssBytes()),
          w.target().label(),
          w.verdict().name()});
    }
    if (!r.results().isEmpty()) {
      appendAligned(sb, rows, i -> i > 0 && i < 9);
    }

    for (WorkloadResult w : r.results()) {
      if (w.reason() != null) {
        sb.append("\nFAILED ").append(w.id()).append(": ").append(w.reason());
      }
    }
    if (r.abortReason() != null) {
      sb.append("\nABORTED: ").append(r.abortReason());
    }
    if (r.nats() != null) {
      sb.append("\n\n");
      NatsTable.text(sb, r.nats(), r.options());
    }
    if (r.results().isEmpty()) {
      return sb.toString();
    }
    sb.append("\n\nAnchors from DESIGN.md section 4 (written numbers, not measured in this run):\n");
    for (WorkloadResult w : r.results()) {
      Target t = w.target();
      String ratio = Double.isNaN(w.medianRate()) || t.anchorRate() <= 0 ? "" : String.format(Locale.ROOT, "  -> %.2fx", w.medianRate() / t.anchorRate());
      sb.append("  ").append(w.id()).append(": ").append(t.anchor()).append(ratio).append('\n');
    }
    return sb.toString();
  }

  static JsonObject json(Report r) {
    MachineInfo m = r.machine();
    JsonObject machine = new JsonObject()
        .put("cores", m.cores())
        .put("cpuModel", m.cpuModel())
        .put("memTotalBytes", m.memTotalBytes())
        .put("jvm", m.jvm())
        .put("os", m.os())
        .put("loadAverageAtStart", num(m.loadAverage()));
    if (r.fsync() != null) {
      FsyncProbe.Result f = r.fsync();
      machine.put("fsync", new JsonObject()
          .put("method", "append 256 B + FileChannel.force(false)")
          .put("samples", f.samples())
          .put("p50Ms", num(f.latency().p50Ms()))
          .put("p99Ms", num(f.latency().p99Ms()))
          .put("maxMs", num(f.latency().maxMs()))
          .put("inPlace", new JsonObject()
              .put("method", "256 B written inside preallocated blocks + FileChannel.force(false)")
              .put("p50Ms", num(f.inPlace().p50Ms()))
              .put("p99Ms", num(f.inPlace().p99Ms()))
              .put("maxMs", num(f.inPlace().maxMs())))
          .put("fsType", f.fsType())
          .put("path", f.path()));
    }
    JsonArray workloads = new JsonArray();
    for (WorkloadResult w : r.results()) {
      JsonArray runs = new JsonArray();
      for (RunResult run : w.runs()) {
        runs.add(new JsonObject()
            .put("messages", run.messages())
            .put("seconds", num(run.seconds()))
            .put("msgPerSec", num(run.rate()))
            .put("failed", run.failed())
            .put("offsetViolations", run.anomalies())
            .put("error", run.firstError())
            .put("latencyMs", latency(run.latency())));
      }
      Target t = w.target();
      workloads.add(new JsonObject()
          .put("id", w.id())
          .put("title", w.title())
          .put("result", w.verdict().name())
          .put("reason", w.reason())
          .put("messagesPerRun", w.medianMessages())
          .put("msgPerSec", new JsonObject().put("median", num(w.medianRate())).put("min", num(w.minRate()))
              .put("max", num(w.maxRate())))
          .put("latencyMs", new JsonObject().put("p50", num(w.p50Ms())).put("p99", num(w.p99Ms()))
              .put("max", num(w.maxMs())))
          .put("target", new JsonObject().put("label", t.label()).put("metric", t.metric().name())
              .put("threshold", num(t.threshold())))
          .put("anchor", new JsonObject().put("description", t.anchor()).put("msgPerSec", num(t.anchorRate())))
          .put("serverCpuMicrosPerMsg", num(w.serverCpuMicrosPerMessage()))
          .put("serverPeakRssBytes", w.serverPeakRssBytes() < 0 ? null : w.serverPeakRssBytes())
          .put("processes", NatsTable.processes(w.usage()))
          .put("runs", runs));
    }
    return new JsonObject()
        .put("tool", "hawser-bench")
        .put("startedAt", r.startedAt())
        .put("seconds", num(r.seconds()))
        .put("options", new JsonObject(r.options().describe()))
        .put("machine", machine)
        .put("endpoint", r.endpoint())
        .put("node", r.node())
        .put("workloads", workloads)
        .put("nats", r.nats() == null ? null : NatsTable.json(r.nats()))
        .put("aborted", r.abortReason())
        .put("failed", r.anyFailed());
  }

  static JsonObject latency(LatencyRecorder.LatencySummary l) {
    if (!l.present()) {
      return null;
    }
    return new JsonObject().put("samples", l.samples()).put("p50", num(l.p50Ms())).put("p90", num(l.p90Ms()))
        .put("p99", num(l.p99Ms())).put("max", num(l.maxMs()));
  }

  /** A Markdown-style table, columns padded to their widest cell; {@code numeric} columns are right-aligned. */
  static void appendAligned(StringBuilder sb, List<String[]> rows, java.util.function.IntPredicate numeric) {
    int[] width = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    for (int r = 0; r < rows.size(); r++) {
      String[] row = rows.get(r);
      sb.append('|');
      for (int i = 0; i < row.length; i++) {
        String cell = pad(row[i], width[i], numeric.test(i));
        sb.append(' ').append(cell).append(" |");
      }
      sb.append('\n');
      if (r == 0) {
        sb.append('|');
        for (int w : width) {
          sb.append("-".repeat(w + 2)).append('|');
        }
        sb.append('\n');
      }
    }
  }

  private static String pad(String s, int width, boolean right) {
    String fill = " ".repeat(width - s.length());
    return right ? fill + s : s + fill;
  }

  static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.0f", bytes / (1024.0 * 1024));
  }

  static String ms(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
  }

  static String grouped(long v) {
    return String.format(Locale.ROOT, "%,d", v);
  }

  /** 8.7k, 67k, 1.2M: short rates for labels and ranges. */
  static String compact(double v) {
    if (Double.isNaN(v)) {
      return "-";
    }
    if (v >= 1e6) {
      return String.format(Locale.ROOT, "%.2fM", v / 1e6);
    }
    if (v >= 1e5) {
      return String.format(Locale.ROOT, "%.0fk", v / 1e3);
    }
    if (v >= 1e3) {
      String k = String.format(Locale.ROOT, "%.1f", v / 1e3);
      return (k.endsWith(".0") ? k.substring(0, k.length() - 2) : k) + "k";
    }
    return String.format(Locale.ROOT, "%.0f", v);
  }

  /** JSON has no NaN: absent numbers are null; 3 decimals is below any precision we measure. */
  static Double num(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? null : Math.round(v * 1000) / 1000.0;
  }
}
