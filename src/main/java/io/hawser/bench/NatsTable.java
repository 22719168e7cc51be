package io.hawser.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Renders the NATS part of a {@link Report}: Hawser and JetStream rows, the ratio row, where the CPU goes; and JSON. */
final class NatsTable {
  private static final String[] HEADER = {"workload", "system", "durability", "messages", "msg/s", "min-max msg/s",
      "p50 ms", "p99 ms", "max ms", "server CPU us/msg", "client CPU us/msg", "server RSS MiB", "target", "result"};

  private NatsTable() {}

  static void text(StringBuilder sb, NatsBench.NatsReport n, BenchOptions options) {
    sb.append("NATS request/reply: Hawser (bridge) vs NATS JetStream, measured side by side in this run\n");
    if (!n.status().equals("ran")) { // skipped, or could not start
      sb.append("  ").append(n.status()).append('\n');
      return;
    }
    sb.append("  nats-server ").append(n.version()).append(" (").append(n.binary()).append(")\n");
    sb.append("  Hawser:    durability: ").append(n.hawserDurability()).append('\n');
    sb.append("             client -> ").append(n.bridge()).append("\n             -> node's bridge -> reply after the sync\n");
    sb.append("  JetStream: durability: ").append(n.jetstreamDurability()).append('\n');
    sb.append("             client -> ").append(n.jetstream() == null ? "(not started)" : n.jetstream()).append('\n');
    sb.append("  ").append(options.size).append("-byte messages, jnats").append(jnatsVersion())
        .append(" for both (requestWithTimeout vs publishAsync/publish), one connection and thread per publisher; ")
        .append(options.runs).append(" measured run(s) after a warm-up, each on Hawser then JetStream;\n")
        .append("  msg/s, p50/p99 and CPU are medians over runs; ratio = Hawser / JetStream (msg/s: higher is better; ")
        .append("latency and CPU: lower is better); target: Hawser msg/s ").append(NatsResult.targetLabel(NatsResult.TARGET_RATIO))
        .append(" (replay: ").append(NatsResult.targetLabel(NatsResult.REPLAY_TARGET_RATIO)).append(")\n\n");

    List<String[]> rows = new ArrayList<>();
    rows.add(HEADER);
    for (NatsResult r : n.results()) {
      boolean failed = r.verdict() == WorkloadResult.Verdict.FAILED;
      boolean replay = r.publishers() == 0;
      rows.add(sideRow(r.id() + " (" + r.title() + ")", r.hawser(), replay ? "-" : "fsync before ack"));
      rows.add(sideRow("", r.jetstream(), replay ? "-" : "lazy (2-min sync)"));
      rows.add(new String[] {"", "Hawser/JetStream", "", "",
          failed ? "-" : ratio(r.rateRatio()), "",
          failed ? "-" : ratio(r.p50Ratio()), failed ? "-" : ratio(r.p99Ratio()), "",
          failed ? "-" : ratio(r.hawser().serverCpuMicrosPerMessage() / r.jetstream().serverCpuMicrosPerMessage()),
          failed ? "-" : ratio(r.hawser().clientCpuMicrosPerMessage() / r.jetstream().clientCpuMicrosPerMessage()),
          "", r.targetLabel(), r.verdict().name()});
    }
    if (n.results().isEmpty()) {
      sb.append("  (no NATS workload ran)\n");
    } else {
      ResultTable.appendAligned(sb, rows, i -> i >= 3 && i <= 11);
    }
    for (NatsResult r : n.results()) {
      if (r.reason() != null) {
        sb.append("\nFAILED ").append(r.id()).append(": ").append(r.reason());
      }
    }
    if (n.abortReason() != null) {
      sb.append("\nNATS ABORTED: ").append(n.abortReason());
    }
    double busiest = n.results().stream().flatMap(r -> java.util.stream.Stream.of(r.hawser(), r.jetstream()))
        .flatMap(s -> s.runs().stream()).mapToDouble(NatsDriver.NatsRun::otherCores).filter(v -> !Double.isNaN(v))
        .max().orElse(0);
    if (busiest >= 0.25) {
      sb.append(String.format(Locale.ROOT, "\nWARNING: other processes kept up to %.2f of the %d cores busy during NATS runs;"
          + " those runs measured a shared machine", busiest, Runtime.getRuntime().availableProcessors()));
    }
    if (!n.results().isEmpty()) {
      sb.append("\n\nWhere the CPU goes (us of CPU per acked message, cores busy, peak RSS; medians over runs;"
          + " 'others' = cores other processes on the machine took meanwhile):\n");
      for (NatsResult r : n.results()) {
        sb.append("  ").append(r.id()).append(":\n");
        sb.append("    Hawser:    ").append(usage(r.hawser())).append('\n');
        sb.append("    JetStream: ").append(usage(r.jetstream())).append('\n');
      }
    }
  }

  private static String[] sideRow(String workload, NatsResult.Side s, String durability) {
    boolean none = s.runs().isEmpty();
    long rss = s.serverPeakRssBytes();
    return new String[] {workload, s.system(), durability,
        none ? "-" : ResultTable.grouped(s.medianMessages()),
        none ? "-" : ResultTable.grouped(Math.round(s.medianRate())),
        none ? "-" : ResultTable.compact(s.minRate()) + "-" + ResultTable.compact(s.maxRate()),
        ResultTable.ms(s.p50Ms()), ResultTable.ms(s.p99Ms()), ResultTable.ms(s.maxMs()),
        none ? "-" : oneDecimal(s.serverCpuMicrosPerMessage()),
        none ? "-" : oneDecimal(s.clientCpuMicrosPerMessage()),
        none || rss < 0 ? "-" : String.format(Locale.ROOT, "%.0f", rss / (1024.0 * 1024)),
        "", ""};
  }

  private static String usage(NatsResult.Side s) {
    if (s.runs().isEmpty()) {
      return "(no measured run)";
    }
    List<String> parts = new ArrayList<>();
    for (NatsResult.RoleUsage u : s.usage()) {
      parts.add(String.format(Locale.ROOT, "%s %s us (%s cores, %s MiB)", u.role(), oneDecimal(u.cpuMicrosPerMessage()),
          Double.isNaN(u.cores()) ? "-" : String.format(Locale.ROOT, "%.2f", u.cores()),
          u.peakRssBytes() < 0 ? "-" : String.format(Locale.ROOT, "%.0f", u.peakRssBytes() / (1024.0 * 1024))));
    }
    return String.join(", ", parts) + (Double.isNaN(s.otherCores()) ? ""
        : String.format(Locale.ROOT, "; others %.2f cores", s.otherCores()));
  }

  static JsonObject json(NatsBench.NatsReport n) {
    JsonArray workloads = new JsonArray();
    for (NatsResult r : n.results()) {
      boolean failed = r.verdict() == WorkloadResult.Verdict.FAILED;
      workloads.add(new JsonObject()
          .put("id", r.id())
          .put("title", r.title())
          .put("publishers", r.publishers())
          .put("inflightPerPublisher", r.window() <= 0 ? null : r.window())
          .put("mode", r.publishers() == 0 ? "replay" : r.window() <= 0 ? "sync" : "async window")
          .put("result", r.verdict().name())
          .put("target", new JsonObject().put("label", r.targetLabel()).put("threshold", r.targetRatio()))
          .put("reason", r.reason())
          .put("ratio", failed ? null : new JsonObject()
              .put("msgPerSec", ResultTable.num(r.rateRatio()))
              .put("p50", ResultTable.num(r.p50Ratio()))
              .put("p99", ResultTable.num(r.p99Ratio()))
              .put("serverCpuPerMsg", ResultTable.num(r.hawser().serverCpuMicrosPerMessage()
                  / r.jetstream().serverCpuMicrosPerMessage())))
          .put("hawser", side(r.hawser()))
          .put("jetstream", side(r.jetstream())));
    }
    return new JsonObject()
        .put("status", n.status())
        .put("failed", n.anyFailed())
        .put("natsServerBinary", n.binary())
        .put("natsServerVersion", n.version())
        .put("jnatsVersion", io.nats.client.Nats.CLIENT_VERSION)
        .put("bridgeServer", n.bridge())
        .put("jetstreamServer", n.jetstream())
        .put("durability", new JsonObject().put("hawser", n.hawserDurability()).put("jetstream", n.jetstreamDurability()))
        .put("target", new JsonObject().put("label", NatsResult.targetLabel(NatsResult.TARGET_RATIO))
            .put("metric", "hawser msgPerSec median / jetstream msgPerSec median")
            .put("threshold", NatsResult.TARGET_RATIO))
        .put("aborted", n.abortReason())
        .put("workloads", workloads);
  }

  private static JsonObject side(NatsResult.Side s) {
    JsonArray runs = new JsonArray();
    for (NatsDriver.NatsRun run : s.runs()) {
      RunResult r = run.result();
      JsonArray processes = new JsonArray();
      for (ResourceMonitor.Usage u : run.usage()) {
        processes.add(new JsonObject().put("role", u.role()).put("pid", u.pid()).put("server", u.server())
            .put("cpuSeconds", ResultTable.num(u.cpuSeconds()))
            .put("cpuMicrosPerMsg", ResultTable.num(u.cpuMicrosPerMessage(r.messages())))
            .put("coresBusy", ResultTable.num(u.cores(r.seconds())))
            .put("peakRssBytes", u.peakRssBytes() < 0 ? null : u.peakRssBytes()));
      }
      runs.add(new JsonObject()
          .put("messages", r.messages())
          .put("seconds", ResultTable.num(r.seconds()))
          .put("msgPerSec", ResultTable.num(r.rate()))
          .put("failed", r.failed())
          .put("offsetViolations", r.anomalies())
          .put("error", r.firstError())
          .put("latencyMs", ResultTable.latency(r.latency()))
          .put("processes", processes)
          .put("otherProcessesCores", ResultTable.num(run.otherCores())));
    }
    JsonArray processes = processes(s.usage());
    long rss = s.serverPeakRssBytes();
    return new JsonObject()
        .put("system", s.system())
        .put("durability", s.durability())
        .put("messagesPerRun", s.medianMessages())
        .put("msgPerSec", new JsonObject().put("median", ResultTable.num(s.medianRate()))
            .put("min", ResultTable.num(s.minRate())).put("max", ResultTable.num(s.maxRate())))
        .put("latencyMs", new JsonObject().put("p50", ResultTable.num(s.p50Ms())).put("p99", ResultTable.num(s.p99Ms()))
            .put("max", ResultTable.num(s.maxMs())))
        .put("serverCpuMicrosPerMsg", ResultTable.num(s.serverCpuMicrosPerMessage()))
        .put("clientCpuMicrosPerMsg", ResultTable.num(s.clientCpuMicrosPerMessage()))
        .put("serverPeakRssBytes", rss < 0 ? null : rss)
        .put("processes", processes)
        .put("otherProcessesCores", ResultTable.num(s.otherCores()))
        .put("runs", runs);
  }

  /** Each watched process over the measured runs: median CPU per message and cores busy, worst peak RSS. */
  static JsonArray processes(List<NatsResult.RoleUsage> usage) {
    JsonArray processes = new JsonArray();
    for (NatsResult.RoleUsage u : usage) {
      processes.add(new JsonObject().put("role", u.role()).put("pid", u.pid()).put("server", u.server())
          .put("cpuMicrosPerMsg", ResultTable.num(u.cpuMicrosPerMessage()))
          .put("coresBusy", ResultTable.num(u.cores()))
          .put("peakRssBytes", u.peakRssBytes() < 0 ? null : u.peakRssBytes()));
    }
    return processes;
  }

  private static String ratio(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? "-" : String.format(Locale.ROOT, "%.2fx", v);
  }

  private static String oneDecimal(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
  }

  /** " 2.24.1", or "" where the (shaded) jar lost the manifest jnats reads its version from ("development"). */
  private static String jnatsVersion() {
    String v = io.nats.client.Nats.CLIENT_VERSION;
    return v == null || v.equals("development") ? "" : " " + v;
  }
}
