package io.hawser.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The command line, parsed and validated once. {@code --quick} only changes defaults, so an
 * explicit flag always wins whatever its position. Every limit that bounds the run's time is
 * here, in one place, so the "full < 15 min, quick < 3 min" budget can be checked by reading it.
 */
final class BenchOptions {
  static final List<String> ALL_WORKLOADS = List.of("sync", "inflight", "batch", "replay", "nats-sync", "nats-inflight",
      "rf3-inflight", "failover", "nats-r3", "mirror-catchup", "mirror-lag", "recovery");
  /** Workloads that start nodes of their own (a 3-node cluster, a hub and a leaf): left out of --quick. */
  static final List<String> MULTI_NODE_WORKLOADS = List.of("rf3-inflight", "failover", "nats-r3", "mirror-catchup",
      "mirror-lag", "recovery");
  static final List<String> NATS_WORKLOADS = List.of("nats-sync", "nats-inflight", "nats-r3");

  final boolean quick;
  final Path jar;
  final Endpoint url; // null: start a node of our own
  final long messages; // replay: messages loaded, then read back
  final int size;
  final Path out;
  final Path dataParent; // where the node's temp data dir and the fsync probe file live
  final int runs;
  final Set<String> workloads;
  final int inflight;
  final int batchSize;
  final int batchInflight;
  final int clientThreads;
  final Duration runDuration; // cap on one measured publish run
  final Duration clusterRunDuration;
  final Duration warmupDuration;
  final Duration timeLimit; // whole tool, enforced by a watchdog
  final Duration readyTimeout;
  final Duration requestTimeout;
  final Duration loadTimeout; // replay: loading the messages
  final Duration replayTimeout; // replay: one measured read
  final long syncMaxMessages;
  final long inflightMaxMessages;
  final long batchMaxMessages;
  final long replayWarmupMessages;
  final int fsyncSamples;
  final Duration fsyncTimeout;
  final Path natsServer; // null: look in PATH, /usr/sbin, /usr/bin
  final List<Integer> natsPublishers; // nats-inflight: publishers (connections) ...
  final List<Integer> natsInflight; // ... x messages in flight per publisher
  final long natsSyncMaxMessages;
  final long natsInflightMaxMessages;

  private BenchOptions(Map<String, String> given, Path home) {
    quick = given.containsKey("quick");
    jar = path(given, "jar", home.resolve("target/hawser.jar"));
    url = given.containsKey("url") ? Endpoint.parse(given.get("url"), given.containsKey("allow-remote")) : null;
    messages = longOpt(given, "messages", quick ? 200_000 : 1_000_000, 1, 100_000_000);
    size = (int) longOpt(given, "size", 256, 1, 1_000_000);
    out = path(given, "out", home.resolve("bench-results"));
    dataParent = path(given, "data-parent", out);
    runs = (int) longOpt(given, "runs", quick ? 1 : 3, 1, 20);
    // --quick leaves out the 3-node workloads (starting a cluster alone takes ~20 s); name them to include them.
    workloads = workloads(given.getOrDefault("workloads", String.join(",", quick
        ? ALL_WORKLOADS.stream().filter(w -> !MULTI_NODE_WORKLOADS.contains(w)).toList()
        : ALL_WORKLOADS)));
    inflight = (int) longOpt(given, "inflight", 100, 1, 10_000);
    batchSize = (int) longOpt(given, "batch-size", 1000, 1, 100_000);
    batchInflight = (int) longOpt(given, "batch-inflight", 4, 1, 1_000);
    clientThreads = (int) longOpt(given, "client-threads", 2, 1, 64);
    // One node is warm after the HTTP rows and the NATS warm-up: 8 s runs keep the default run under 15 minutes.
    runDuration = seconds(given, "duration", quick ? 4 : 8);
    // The multi-node rows (RF 3, R3, mirror lag) measure 10 s runs: shorter runs on three freshly started JVMs
    // mostly measure their JIT warm-up.
    clusterRunDuration = seconds(given, "cluster-duration", quick ? 4 : 10);
    warmupDuration = seconds(given, "warmup", quick ? 1 : 2);
    timeLimit = seconds(given, "time-limit", quick ? 170 : 1020);
    readyTimeout = seconds(given, "ready-timeout", quick ? 40 : 60);
    requestTimeout = Duration.ofSeconds(10);
    loadTimeout = seconds(given, "load-timeout", quick ? 25 : 150);
    replayTimeout = seconds(given, "replay-timeout", quick ? 15 : 45);
    // Publish runs are bounded by --duration; these caps only bound the disk a fast server fills
    // per run (~300 bytes a message, the stream is deleted after each run).
    syncMaxMessages = quick ? 30_000 : 100_000;
    inflightMaxMessages = quick ? 300_000 : 1_000_000;
    batchMaxMessages = quick ? 1_000_000 : 3_000_000;
    replayWarmupMessages = Math.min(messages, quick ? 50_000 : 200_000);
    fsyncSamples = 2000;
    fsyncTimeout = Duration.ofSeconds(10);
    natsServer = given.containsKey("nats-server") ? Path.of(given.get("nats-server")) : null;
    natsPublishers = intList(given, "nats-publishers", "1,4", 1, 64);
    natsInflight = intList(given, "nats-inflight", "100,1000", 1, 10_000);
    // As for HTTP, runs end at --duration; the caps only bound the disk one run fills on each side
    // (~300-400 bytes a message; each run's stream is deleted afterwards).
    natsSyncMaxMessages = quick ? 50_000 : 200_000;
    natsInflightMaxMessages = quick ? 1_000_000 : 3_000_000;
  }

  /** True when a workload needs nats-server: the NATS rows, and replay (read side by side with JetStream). */
  boolean anyNatsWorkload() {
    return workloads.contains("replay") || workloads.stream().anyMatch(NATS_WORKLOADS::contains);
  }

  /** Parses {@code --key value} and {@code --key=value}; {@code home} anchors the default jar and out dir. */
  static BenchOptions parse(String[] args, Path home) {
    Map<String, String> given = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new UsageException("unexpected argument: " + arg);
      }
      String key = arg.substring(2);
      String value = null;
      int eq = key.indexOf('=');
      if (eq >= 0) {
        value = key.substring(eq + 1);
        key = key.substring(0, eq);
      }
      if (FLAGS.contains(key)) {
        if (value != null) {
          throw new UsageException("--" + key + " takes no value");
        }
        value = "true";
      } else if (VALUED.contains(key)) {
        if (value == null) {
          if (i + 1 >= args.length) {
            throw new UsageException("--" + key + " needs a value");
          }
          value = args[++i];
        }
      } else {
        throw new UsageException("unknown option --" + key);
      }
      given.put(key, value);
    }
    if (given.containsKey("help")) {
      throw new UsageException(null);
    }
    return new BenchOptions(given, home);
  }

  private static final Set<String> FLAGS = Set.of("quick", "allow-remote", "help");
  private static final Set<String> VALUED = Set.of("jar", "url", "messages", "size", "out", "data-parent",
      "runs", "workloads", "inflight", "batch-size", "batch-inflight", "client-threads",
      "duration", "cluster-duration", "warmup", "time-limit", "ready-timeout", "load-timeout", "replay-timeout",
      "nats-server", "nats-publishers", "nats-inflight");

  static String usage() {
    return String.join("\n",
        "usage: bin/bench [--quick] [--jar target/hawser.jar] [--url http://127.0.0.1:PORT]",
        "                 [--messages N] [--size 256] [--out bench-results] [options]",
        "",
        "Starts a Hawser node (unless --url), runs the workloads, prints a table and writes",
        "<out>/results-<timestamp>.json. Exit 0: all ran (PASS or MISS); 1: a workload FAILED;",
        "2: bad usage; 3: could not run (node did not start, ...); 4: time limit exceeded.",
        "",
        "NATS workloads (nats-sync, nats-inflight) start two nats-servers on loopback: a plain one for the",
        "node's bridge (--nats-url) and one with JetStream (file storage, R1) to compare with; each run goes",
        "to Hawser, then to JetStream, and the table prints both and the ratio. Skipped with a message",
        "when nats-server is not found (PATH, /usr/sbin, /usr/bin) or with --url.",
        "",
        "  --quick                fewer messages and runs (a smoke run, < 3 min)",
        "  --jar FILE             node jar to start (default target/hawser.jar)",
        "  --url URL              use this running node instead of starting one (loopback only)",
        "  --allow-remote         let --url point to a non-loopback host",
        "  --messages N           messages loaded and replayed (default 1000000, quick 200000)",
        "  --size BYTES           payload size (default 256)",
        "  --out DIR              results, node and nats-server logs, JetStream store (default bench-results)",
        "  --data-parent DIR      parent of the node's temp data dir and the fsync probe (default --out)",
        "  --runs K               measured runs per workload, median reported (default 3, quick 1)",
        "  --workloads LIST       any of " + String.join(",", ALL_WORKLOADS) + " (default all; --quick: all but rf3-inflight,failover,nats-r3,mirror-catchup,mirror-lag,recovery)",
        "  --nats-server FILE     nats-server binary (default: PATH, then /usr/sbin, /usr/bin)",
        "  --nats-publishers LIST nats-inflight: publishers, one connection and thread each (default 1,4)",
        "  --nats-inflight LIST   nats-inflight: messages in flight per publisher (default 100,1000)",
        "  --inflight N           requests in flight for 'inflight' (default 100), one connection each:",
        "                         HTTP/1.1 without pipelining carries one request per connection",
        "  --batch-size N         NDJSON lines per batch request (default 1000)",
        "  --batch-inflight N     batch requests in flight (default 4)",
        "  --client-threads N     client event loops (default 2)",
        "  --duration S           cap on one measured publish run (default 8, quick 4)",
        "  --cluster-duration S   the same for the multi-node rows (default 10, quick 4)",
        "  --warmup S             warm-up per publish workload (default 2, quick 1)",
        "  --time-limit S         hard limit on the whole tool (default 1020, quick 170)",
        "  --ready-timeout S      wait for /health/ready (default 60, quick 40)",
        "  --load-timeout S       replay: loading the messages (default 150, quick 25)",
        "  --replay-timeout S     replay: one read of all messages (default 45, quick 15)");
  }

  Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("quick", quick);
    m.put("jar", url == null ? jar.toString() : null);
    m.put("url", url == null ? null : url.toString());
    m.put("messages", messages);
    m.put("size", size);
    m.put("runs", runs);
    m.put("workloads", new ArrayList<>(workloads));
    m.put("inflight", inflight);
    m.put("batchSize", batchSize);
    m.put("batchInflight", batchInflight);
    m.put("clientThreads", clientThreads);
    m.put("runDurationSec", runDuration.toSeconds());
    m.put("clusterRunDurationSec", clusterRunDuration.toSeconds());
    m.put("warmupSec", warmupDuration.toSeconds());
    m.put("timeLimitSec", timeLimit.toSeconds());
    m.put("natsServer", natsServer == null ? null : natsServer.toString());
    m.put("natsPublishers", natsPublishers);
    m.put("natsInflightPerPublisher", natsInflight);
    return m;
  }

  private static Set<String> workloads(String list) {
    Set<String> chosen = new LinkedHashSet<>();
    for (String w : list.split(",")) {
      String name = w.trim();
      if (name.isEmpty()) {
        continue;
      }
      if (!ALL_WORKLOADS.contains(name)) {
        throw new UsageException("unknown workload '" + name + "'; choose from " + ALL_WORKLOADS);
      }
      chosen.add(name);
    }
    if (chosen.isEmpty()) {
      throw new UsageException("--workloads is empty");
    }
    // Run in the canonical order whatever order was typed, so results are comparable.
    Set<String> ordered = new LinkedHashSet<>(ALL_WORKLOADS);
    ordered.retainAll(chosen);
    return ordered;
  }

  /** A comma-separated list of whole numbers, each within [min, max], duplicates dropped, order kept. */
  private static List<Integer> intList(Map<String, String> given, String key, String dflt, int min, int max) {
    Set<Integer> values = new LinkedHashSet<>();
    for (String part : given.getOrDefault(key, dflt).split(",")) {
      String v = part.trim().replace("_", "");
      if (v.isEmpty()) {
        continue;
      }
      int n;
      try {
        n = Integer.parseInt(v);
      } catch (NumberFormatException e) {
        throw new UsageException("--" + key + " needs whole numbers separated by commas, got '" + part + "'");
      }
      if (n < min || n > max) {
        throw new UsageException("--" + key + " values must be between " + min + " and " + max + ", got " + n);
      }
      values.add(n);
    }
    if (values.isEmpty()) {
      throw new UsageException("--" + key + " is empty");
    }
    return List.copyOf(values);
  }

  private static Path path(Map<String, String> given, String key, Path dflt) {
    String v = given.get(key);
    return v == null ? dflt : Path.of(v);
  }

  private static Duration seconds(Map<String, String> given, String key, long dflt) {
    return Duration.ofSeconds(longOpt(given, key, dflt, 1, 86_400));
  }

  private static long longOpt(Map<String, String> given, String key, long dflt, long min, long max) {
    String v = given.get(key);
    if (v == null) {
      return dflt;
    }
    long n;
    try {
      n = Long.parseLong(v.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new UsageException("--" + key + " needs a whole number, got '" + v + "'");
    }
    if (n < min || n > max) {
      throw new UsageException("--" + key + " must be between " + min + " and " + max + ", got " + n);
    }
    return n;
  }

  /** Bad command line: the message (null for --help) is printed with the usage text. */
  static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }
}
