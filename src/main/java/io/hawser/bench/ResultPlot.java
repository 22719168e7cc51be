package io.hawser.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The run as an SVG picture: throughput (msg/s, log scale) and latency percentiles (p50 and p99, ms, log scale) of
 * every workload, Hawser and JetStream side by side where both ran. Plain SVG, no library: any browser shows it.
 */
final class ResultPlot {
  private static final String HAWSER = "#1f77b4";
  private static final String JETSTREAM = "#ff7f0e";
  private static final int WIDTH = 980;
  private static final int LABEL_WIDTH = 420;
  private static final int ROW = 18;

  private ResultPlot() {
  }

  private record Bar(String label, double value, String color, String text) {
  }

  static String svg(Report report) {
    List<Bar> rates = new ArrayList<>();
    List<Bar> latencies = new ArrayList<>();
    for (WorkloadResult w : report.results()) {
      if (w.verdict() == WorkloadResult.Verdict.FAILED) {
        continue;
      }
      if (w.medianRate() > 0) {
        rates.add(new Bar("Hawser " + w.id(), w.medianRate(), HAWSER, ResultTable.compact(w.medianRate()) + " msg/s"));
      }
      addLatency(latencies, "Hawser " + w.id(), w.p50Ms(), w.p99Ms(), HAWSER);
    }
    if (report.nats() != null) {
      for (NatsResult n : report.nats().results()) {
        if (n.verdict() == WorkloadResult.Verdict.FAILED) {
          continue;
        }
        rates.add(new Bar("Hawser " + n.id(), n.hawser().medianRate(), HAWSER,
            ResultTable.compact(n.hawser().medianRate()) + " msg/s"));
        rates.add(new Bar("JetStream " + n.id(), n.jetstream().medianRate(), JETSTREAM,
            ResultTable.compact(n.jetstream().medianRate()) + String.format(Locale.ROOT, " msg/s (Hawser %.2fx)",
                n.rateRatio())));
        addLatency(latencies, "Hawser " + n.id(), n.hawser().p50Ms(), n.hawser().p99Ms(), HAWSER);
        addLatency(latencies, "JetStream " + n.id(), n.jetstream().p50Ms(), n.jetstream().p99Ms(), JETSTREAM);
      }
    }
    StringBuilder body = new StringBuilder();
    int y = 30;
    text(body, 10, y, 16, "bold", "Hawser benchmark " + report.startedAt() + " on " + report.machine().cores()
        + " cores" + (report.fsync() == null ? "" : String.format(Locale.ROOT, ", disk fsync p50 %.3f ms",
        report.fsync().latency().p50Ms())));
    y += 30;
    y = chart(body, y, "Throughput, msg/s (median of runs, log scale)", rates);
    y = chart(body, y + 20, "Latency, ms: p50 (solid) and p99 (light), log scale", latencies);
    text(body, 10, y + 10, 11, "normal", "blue: Hawser (fsync before every ack); orange: JetStream (" +
        (report.nats() == null ? "not run" : report.nats().jetstreamDurability()) + ")");
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + WIDTH + "\" height=\"" + (y + 30)
        + "\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + body + "</svg>\n";
  }

  private static void addLatency(List<Bar> bars, String label, double p50, double p99, String color) {
    if (p50 > 0 && !Double.isNaN(p50)) {
      bars.add(new Bar(label + " p50", p50, color, String.format(Locale.ROOT, "%.3f ms", p50)));
    }
    if (p99 > 0 && !Double.isNaN(p99)) {
      bars.add(new Bar(label + " p99", p99, color + "80", String.format(Locale.ROOT, "%.3f ms", p99)));
    }
  }

  /** Horizontal bars on a log10 axis from the smallest decade to the largest; returns the next free y. */
  private static int chart(StringBuilder out, int y, String title, List<Bar> bars) {
    text(out, 10, y, 13, "bold", title);
    y += 10;
    if (bars.isEmpty()) {
      text(out, 10, y + 14, 11, "normal", "(no results)");
      return y + 24;
    }
    double min = bars.stream().mapToDouble(Bar::value).min().orElse(1);
    double max = bars.stream().mapToDouble(Bar::value).max().orElse(10);
    double lo = Math.floor(Math.log10(min));
    double hi = Math.max(lo + 1, Math.ceil(Math.log10(max)));
    int plot = WIDTH - LABEL_WIDTH - 150;
    for (Bar b : bars) {
      int width = (int) Math.max(1, (Math.log10(b.value()) - lo) / (hi - lo) * plot);
      text(out, LABEL_WIDTH - 6, y + 13, 11, "normal", b.label(), "end");
      out.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>%n",
          LABEL_WIDTH, y + 2, width, ROW - 4, b.color()));
      text(out, LABEL_WIDTH + width + 4, y + 13, 11, "normal", b.text());
      y += ROW;
    }
    return y + 6;
  }

  private static void text(StringBuilder out, int x, int y, int size, String weight, String s) {
    text(out, x, y, size, weight, s, "start");
  }

  private static void text(StringBuilder out, int x, int y, int size, String weight, String s, String anchor) {
    out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"%d\" font-weight=\"%s\" "
        + "text-anchor=\"%s\">%s</text>%n", x, y, size, weight, anchor, escape(s)));
  }

  private static String escape(String s) {
    return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
