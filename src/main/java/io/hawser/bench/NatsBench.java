package io.hawser.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The NATS part of the benchmark: Hawser's bridge against NATS JetStream, same machine, same run, same client.
 *
 * <p>{@link #prepare} (before the node starts) finds {@code nats-server} and starts the plain server the node's
 * bridge connects to ({@link #nodeArgs()} gives the node its {@code --nats-url}); {@link #run} (after the HTTP
 * workloads) starts the JetStream server and, for each workload, runs a warm-up then each measured run first on
 * Hawser, then on JetStream, so slow drifts of the shared machine hit both alike. {@link #stop()} stops both
 * servers by PID; it also runs from the benchmark's shutdown hook.
 */
final class NatsBench {
  /** One NATS workload: {@code window} 0 = sync (one blocking publish at a time). */
  record Spec(String id, String title, int publishers, int window, long maxMessages) {
    /** Stream and subject suffix for run {@code index} (0 = warm-up): fresh per run and per system. */
    String runKey(int index) {
      return id.substring("nats-".length()) + "-" + index;
    }
  }

  /**
   * What the report shows of the NATS part. {@code status}: "ran", "skipped ...: why" (not a failure), or
   * "FAILED: why" ({@code failed}: it should have run but could not).
   */
  record NatsReport(String status, boolean failed, String binary, String version, String bridge, String jetstream,
      String hawserDurability, String jetstreamDurability, List<NatsResult> results, String abortReason) {

    boolean anyFailed() {
      return failed || abortReason != null
          || results.stream().anyMatch(r -> r.verdict() == WorkloadResult.Verdict.FAILED);
    }
  }

  private final BenchOptions options;
  private final String stamp;
  private final Path binary;
  private final String version;
  private final String skipped;
  private String setupFailure;
  private NatsServerProcess bridge;
  private NatsServerProcess jetstream;

  private NatsBench(BenchOptions options, String stamp, Path binary, String version, String skipped) {
    this.options = options;
    this.stamp = stamp;
    this.binary = binary;
    this.version = version;
    this.skipped = skipped;
  }

  /** Null when no NATS workload is selected; else ready to run, or carrying why it is skipped / cannot run. */
  static NatsBench prepare(BenchOptions options, String stamp) {
    if (!options.anyNatsWorkload()) {
      return null;
    }
    List<String> ids = options.workloads.stream()
        .filter(id -> BenchOptions.NATS_WORKLOADS.contains(id) || id.equals(ReplayComparison.ID)).toList();
    if (options.url != null) {
      return new NatsBench(options, stamp, null, null, "skipped " + String.join(", ", ids)
          + ": they need a node this tool starts (with --nats-url), not one given by --url");
    }
    Optional<Path> found = NatsServerProcess.locate(options.natsServer);
    if (found.isEmpty()) {
      String where = options.natsServer != null ? options.natsServer + " (--nats-server) is not an executable file"
          : "nats-server was not found in PATH, /usr/sbin or /usr/bin (install the Debian package nats-server, or "
              + "pass --nats-server FILE)";
      return new NatsBench(options, stamp, null, null, "skipped " + String.join(", ", ids) + ": " + where);
    }
    Path bin = found.get();
    NatsBench nats = new NatsBench(options, stamp, bin, NatsServerProcess.version(bin), null);
    try {
      nats.bridge = NatsServerProcess.startPlain(bin, options.out.resolve("nats-bridge-" + stamp + ".log"));
      Progress.say("started " + nats.bridge.describe() + " for the node's NATS bridge");
    } catch (BenchException e) {
      nats.setupFailure = "cannot start the bridge's nats-server: " + e.getMessage();
      Progress.say("NATS workloads cannot run: " + nats.setupFailure);
    }
    return nats;
  }

  /** The nats-server binary, or null when the NATS workloads cannot run. */
  Path binary() {
    return skipped == null && setupFailure == null ? binary : null;
  }

  String skipReason() {
    return skipped;
  }

  /** The node's extra flags: {@code --nats-url} when the bridge's server runs. */
  List<String> nodeArgs() {
    return bridge == null ? List.of() : List.of("--nats-url", bridge.url());
  }

  List<Spec> specs() {
    List<Spec> specs = new ArrayList<>();
    if (options.workloads.contains("nats-sync")) {
      specs.add(new Spec("nats-sync", "1 publisher, sync: 1 at a time", 1, 0, options.natsSyncMaxMessages));
    }
    if (options.workloads.contains("nats-inflight")) {
      for (int p : options.natsPublishers) {
        for (int w : options.natsInflight) {
          specs.add(new Spec("nats-inflight-" + p + "x" + w, p + " publisher" + (p == 1 ? "" : "s") + " x " + w
              + " in flight", p, w, options.natsInflightMaxMessages));
        }
      }
    }
    return specs;
  }

  /** Runs every NATS workload; never throws for a workload's failure (it becomes FAILED in the report). */
  NatsReport run(NodeProcess node, HawserApi api, ReplayReader reader, byte[] payload) {
    if (skipped != null) {
      Progress.say("NATS workloads " + skipped);
      return report(skipped, false, List.of(), null);
    }
    if (setupFailure != null) {
      return report("FAILED: " + setupFailure, true, List.of(), null);
    }
    List<NatsResult> results = new ArrayList<>();
    String abort = null;
    HawserNats hawser = null;
    JetStreamNats js = null;
    try {
      Path store = Files.createTempDirectory(options.out, "jetstream-store-");
      jetstream = NatsServerProcess.startJetStream(binary, store, options.out.resolve("nats-jetstream-" + stamp + ".log"));
      Progress.say("started " + jetstream.describe());
      hawser = new HawserNats(api, node, bridge, options.requestTimeout);
      js = new JetStreamNats(jetstream, options.requestTimeout);
      warmUp(List.of(hawser, js), payload);
      for (Spec spec : specs()) {
        String dead = deathNotice(hawser, js);
        if (dead != null) {
          abort = dead + " before workload " + spec.id();
          break;
        }
        NatsResult r = compare(spec, hawser, js, payload);
        results.add(r);
        say(r);
      }
      if (abort == null && options.workloads.contains(ReplayComparison.ID)) {
        NatsResult r = new ReplayComparison(this, options, hawser, reader, js).run(payload);
        results.add(r);
        say(r);
      }
    } catch (IOException e) {
      abort = "cannot create the JetStream store dir under " + options.out + ": " + e.getMessage();
    } catch (BenchException e) {
      abort = e.getMessage();
    } finally {
      if (js != null) {
        js.close();
      }
      if (hawser != null) {
        hawser.close();
      }
      if (jetstream != null) {
        jetstream.stop();
      }
    }
    if (abort != null) {
      Progress.say("NATS workloads aborted: " + abort);
    }
    return report("ran", false, results, abort);
  }

  /**
   * Before the first workload, each system takes a short windowed load, 4 publishers x 100 then x 1000 in flight
   * (small and large groups per fsync): the node's NATS path (capture, ingest, reply) is JIT-compiled only after
   * some 10k messages, which a sync warm-up at ~2k msg/s would not reach, so the first measured runs would include
   * C2 compiling. The client's jnats code gets warm the same way on both sides.
   */
  void warmUp(List<NatsSystem> systems, byte[] payload) {
    for (NatsSystem system : systems) {
      for (int window : new int[] {100, 1000}) {
        String runKey = "warmup-" + window;
        NatsDriver.NatsRun run;
        try {
          system.prepare(runKey);
          run = NatsDriver.run(system, 4, window, options.natsInflightMaxMessages, options.warmupDuration,
              options.requestTimeout, payload);
        } finally {
          system.cleanup(runKey);
        }
        RunResult r = run.result();
        Progress.say(String.format(Locale.ROOT, "NATS warm-up of %s (4 publishers x %d in flight): %,d msgs, %s msg/s",
            system.name(), window, r.messages(), ResultTable.compact(r.rate())));
        if (!r.ok()) {
          throw new BenchException(system.name() + " failed the NATS warm-up: " + r.problem());
        }
      }
    }
  }

  private static void say(NatsResult r) {
    Progress.say(r.id() + ": " + r.verdict() + (r.reason() == null
        ? String.format(Locale.ROOT, " - Hawser/JetStream %.2fx msg/s", r.rateRatio()) : " - " + r.reason()));
  }

  private static String deathNotice(NatsSystem a, NatsSystem b) {
    String dead = a.deathNotice();
    return dead != null ? dead : b.deathNotice();
  }

  /** Warm-up, then K measured runs, each on Hawser then on JetStream; the first error ends the workload. */
  NatsResult compare(Spec spec, NatsSystem hawser, NatsSystem js, byte[] payload) {
    return compare(spec, hawser, js, payload, options.runDuration);
  }

  /** The same with measured runs of {@code runDuration}. */
  NatsResult compare(Spec spec, NatsSystem hawser, NatsSystem js, byte[] payload, Duration runDuration) {
    Progress.say(spec.id() + ": " + spec.title() + " (Hawser, then JetStream, each run)");
    Interleaved runs = interleave(spec.id(), hawser, js, (system, index, warmUp) -> {
      String runKey = spec.runKey(index);
      try {
        system.prepare(runKey);
        return NatsDriver.run(system, spec.publishers(), spec.window(), spec.maxMessages(),
            warmUp ? options.warmupDuration : runDuration, options.requestTimeout, payload);
      } finally {
        system.cleanup(runKey);
      }
    });
    return NatsResult.of(spec.id(), spec.title(), spec.publishers(), spec.window(),
        NatsResult.Side.of(hawser.name(), hawser.durability(), runs.hawser()),
        NatsResult.Side.of(js.name(), js.durability(), runs.jetstream()), runs.failure());
  }

  /** One run of one system: {@code index} 0 is the warm-up. May throw {@link BenchException}. */
  @FunctionalInterface
  interface RunStep {
    NatsDriver.NatsRun run(NatsSystem system, int index, boolean warmUp);
  }

  /** Each side's measured runs (warm-ups left out), and what ended the workload early, if anything. */
  record Interleaved(List<NatsDriver.NatsRun> hawser, List<NatsDriver.NatsRun> jetstream, String failure) {}

  /**
   * A warm-up, then {@code --runs} measured runs, each on Hawser then on JetStream, so slow drifts of the shared
   * machine hit both alike; the first error (a dead server, an exception, a run with errors) ends the workload.
   */
  Interleaved interleave(String id, NatsSystem hawser, NatsSystem js, RunStep step) {
    List<NatsDriver.NatsRun> hawserRuns = new ArrayList<>();
    List<NatsDriver.NatsRun> jsRuns = new ArrayList<>();
    for (int i = 0; i <= options.runs; i++) {
      boolean warmUp = i == 0;
      for (NatsSystem system : List.of(hawser, js)) {
        String which = system.name() + (warmUp ? " warm-up" : " run " + i + "/" + options.runs);
        String dead = system.deathNotice();
        if (dead != null) {
          return new Interleaved(hawserRuns, jsRuns, which + ": " + dead);
        }
        NatsDriver.NatsRun run;
        try {
          run = step.run(system, i, warmUp);
        } catch (BenchException e) {
          return new Interleaved(hawserRuns, jsRuns, which + ": " + e.getMessage());
        }
        RunResult r = run.result();
        Progress.say(String.format(Locale.ROOT, "%s: %s %,d msgs in %.2f s = %s msg/s, p50 %s ms, p99 %s ms, "
            + "server CPU %s us/msg, others %.2f cores%s",
            id, which, r.messages(), r.seconds(), ResultTable.compact(r.rate()),
            r.latency().present() ? String.format(Locale.ROOT, "%.3f", r.latency().p50Ms()) : "-",
            r.latency().present() ? String.format(Locale.ROOT, "%.3f", r.latency().p99Ms()) : "-",
            micros(run.usage().stream().filter(ResourceMonitor.Usage::server)
                .mapToDouble(u -> u.cpuMicrosPerMessage(r.messages())).sum()), run.otherCores(),
            r.ok() ? "" : " ERRORS: " + r.problem()));
        if (!r.ok()) {
          return new Interleaved(hawserRuns, jsRuns, which + ": " + r.problem());
        }
        if (!warmUp) {
          (system == hawser ? hawserRuns : jsRuns).add(run);
        }
      }
    }
    return new Interleaved(hawserRuns, jsRuns, null);
  }

  private NatsReport report(String status, boolean failed, List<NatsResult> results, String abort) {
    return new NatsReport(status, failed, binary == null ? null : binary.toString(), version,
        bridge == null ? null : bridge.describe(), jetstream == null ? null : jetstream.describe(),
        HawserNats.DURABILITY, JetStreamNats.DURABILITY,
        results, abort);
  }

  private static String micros(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
  }

  /** Stops both servers (by PID); idempotent. */
  synchronized void stop() {
    if (jetstream != null) {
      jetstream.stop();
    }
    if (bridge != null) {
      bridge.stop();
    }
  }
}
