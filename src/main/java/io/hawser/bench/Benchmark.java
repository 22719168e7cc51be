package io.hawser.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Entry point of {@code bin/bench}: starts (or finds) a node, measures the disk, runs the
 * workloads, prints the table and writes the JSON. Runs on the main thread and only blocks on
 * futures with deadlines; a watchdog ends the whole tool at {@code --time-limit}, and a shutdown
 * hook stops the child node however the tool ends.
 */
public final class Benchmark {
  static final int EXIT_OK = 0;
  static final int EXIT_FAILED = 1;
  static final int EXIT_USAGE = 2;
  static final int EXIT_CANNOT_RUN = 3;
  static final int EXIT_TIME_LIMIT = 4;

  /** DESIGN.md section 4: JetStream 2.9 R1 sync publish p99 (lazy fsync); we add the fsync we promise. */
  private static final double JETSTREAM_SYNC_P99_MS = 0.65;

  private final BenchOptions options;
  private NodeProcess node;
  private NatsBench nats;
  private ClusterNodes cluster;
  private MirrorWorkloads.Pair mirrorPair;

  private Benchmark(BenchOptions options) {
    this.options = options;
  }

  public static void main(String[] args) {
    Path home = Path.of(System.getProperty("hawser.bench.home", "."));
    BenchOptions options;
    try {
      options = BenchOptions.parse(args, home);
    } catch (BenchOptions.UsageException | BenchException e) {
      if (e.getMessage() == null) { // --help
        System.out.println(BenchOptions.usage());
        System.exit(EXIT_OK);
      }
      System.err.println("bench: " + e.getMessage() + "\n\n" + BenchOptions.usage());
      System.exit(EXIT_USAGE);
      return;
    }
    int code;
    try {
      code = new Benchmark(options).run();
    } catch (BenchException e) {
      System.err.println("bench: " + e.getMessage());
      code = EXIT_CANNOT_RUN;
    } catch (Throwable t) {
      System.err.println("bench: unexpected error");
      t.printStackTrace();
      code = EXIT_CANNOT_RUN;
    }
    System.exit(code);
  }

  private int run() {
    Instant started = Instant.now();
    long t0 = System.nanoTime();
    createDir(options.out);
    startWatchdog(options.timeLimit);
    Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "bench-stop-node"));

    MachineInfo machine = MachineInfo.detect();
    // Before the node starts, so its start-up I/O does not disturb the probe; same filesystem
    // as the node's data dir (created under the same parent).
    Path probeDir = options.url == null ? options.dataParent : options.out;
    Progress.say("measuring fsync latency in " + probeDir.toAbsolutePath());
    FsyncProbe.Result fsync = FsyncProbe.measure(probeDir, options.fsyncSamples, options.fsyncTimeout);
    Progress.say(String.format("fsync p50 %.3f ms, p99 %.3f ms appending; p50 %.3f ms, p99 %.3f ms inside"
        + " preallocated blocks (%s)", fsync.latency().p50Ms(), fsync.latency().p99Ms(), fsync.inPlace().p50Ms(),
        fsync.inPlace().p99Ms(), fsync.fsType()));

    String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(started);
    // The bridge's nats-server must run before the node starts with --nats-url.
    setNats(NatsBench.prepare(options, stamp));
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(options.clientThreads).setWorkerPoolSize(2));
    List<WorkloadResult> results = new ArrayList<>();
    NatsBench.NatsReport natsReport = null;
    String abortReason = null;
    String nodeDescription;
    Endpoint endpoint;
    try {
      if (options.url == null) {
        Path log = options.out.resolve("node-" + stamp + ".log");
        List<String> extra = nats == null ? List.of() : nats.nodeArgs();
        node = NodeProcess.start(options.jar, options.dataParent, log, extra);
        endpoint = node.endpoint();
        nodeDescription = "started " + options.jar + " (pid " + node.pid() + ", -Xmx2g, R1" + (extra.isEmpty() ? ""
            : ", " + String.join(" ", extra)) + ") at " + endpoint + ", log " + log;
        Progress.say("started node pid " + node.pid() + " at " + endpoint + ", waiting for /health/ready");
      } else {
        endpoint = options.url;
        nodeDescription = "external node at " + endpoint;
      }
      HawserApi api = new HawserApi(vertx, endpoint);
      awaitReady(api);
      Progress.say("node ready");

      PublishDriver driver = new PublishDriver(vertx, endpoint, options.requestTimeout);
      byte[] payload = payload(options.size);
      ReplayReader reader = new ReplayReader(vertx, endpoint);
      for (Workload w : workloads(api, driver, reader, payload, fsync)) {
        if (node != null && !node.isAlive()) {
          abortReason = "the node " + node.exitDescription() + " before workload " + w.id() + "; log tail:\n"
              + node.logTail(20);
          break;
        }
        WorkloadResult result = runWorkload(w, node == null ? List.of()
            : List.of(new ResourceMonitor.Watched("hawser node", node.pid(), true)));
        results.add(result);
        Progress.say(w.id() + ": " + result.verdict() + (result.reason() == null ? "" : " - " + result.reason()));
      }
      if (abortReason == null && node != null && !node.isAlive()) {
        abortReason = "the node " + node.exitDescription() + " during the benchmark; log tail:\n" + node.logTail(20);
      }
      if (abortReason == null && nats != null) {
        natsReport = nats.run(node, api, reader, payload);
      }
      api.close();
      if (abortReason == null && options.url == null && (options.workloads.contains("rf3-inflight")
          || options.workloads.contains("failover"))) {
        stopAll(); // the three cluster nodes get the machine to themselves
        results.addAll(runClusterWorkloads(vertx, payload));
      }
      if (abortReason == null && options.url == null && options.workloads.contains("nats-r3") && nats != null
          && nats.binary() != null && natsReport != null) {
        stopAll();
        NatsResult r3 = runNatsR3(vertx, payload, stamp, results);
        if (r3 != null) {
          natsReport.results().add(r3);
        }
      }
      if (abortReason == null && options.url == null && (options.workloads.contains("mirror-catchup")
          || options.workloads.contains("mirror-lag"))) {
        stopAll();
        results.addAll(runMirrorWorkloads(vertx, payload, stamp));
      }
      if (abortReason == null && options.url == null && options.workloads.contains("recovery")) {
        stopAll();
        Progress.say("restart recovery with " + RecoveryWorkloads.backlog(options) + " stored messages");
        results.add(runWorkload(new RecoveryWorkloads.Hawser(options, vertx, payload, stamp)));
        NatsServerProcess.locate(options.natsServer).ifPresent(binary -> results.add(
            runWorkload(new RecoveryWorkloads.JetStreamRecovery(options, binary, payload, stamp))));
      }
    } finally {
      try {
        Await.result(vertx.close(), Duration.ofSeconds(10), "closing the client");
      } catch (BenchException e) {
        System.err.println("bench: warning: " + e.getMessage());
      }
      stopAll();
    }

    Report report = new Report(started.toString(), (System.nanoTime() - t0) / 1e9, options, machine, fsync,
        endpoint.toString(), nodeDescription, results, natsReport, abortReason);
    System.out.println(ResultTable.text(report));
    Path json = options.out.resolve("results-" + stamp + ".json");
    try {
      Files.writeString(json, ResultTable.json(report).encodePrettily() + "\n", StandardCharsets.UTF_8);
      System.out.println("results: " + json);
      Path plot = options.out.resolve("plot-" + stamp + ".svg");
      Files.writeString(plot, ResultPlot.svg(report), StandardCharsets.UTF_8);
      System.out.println("plot:    " + plot);
    } catch (IOException e) {
      throw new BenchException("cannot write " + json + ": " + e.getMessage(), e);
    }
    return report.anyFailed() ? EXIT_FAILED : EXIT_OK;
  }

  private List<WorkloadResult> runClusterWorkloads(Vertx vertx, byte[] payload) {
    List<WorkloadResult> results = new ArrayList<>();
    ClusterNodes cluster = new ClusterNodes(options, vertx);
    setCluster(cluster);
    try {
      Progress.say("starting a 3-node cluster for the RF=3 and failover workloads");
      cluster.start();
      NodeProcess first = cluster.nodes().get(0);
      HawserApi api = new HawserApi(vertx, first.endpoint());
      try {
        if (options.workloads.contains("rf3-inflight")) {
          PublishDriver driver = new PublishDriver(vertx, first.endpoint(), options.requestTimeout);
          List<ResourceMonitor.Watched> nodes = new ArrayList<>();
          for (int i = 0; i < cluster.nodes().size(); i++) {
            nodes.add(new ResourceMonitor.Watched("hawser node " + (i + 1), cluster.nodes().get(i).pid(), true));
          }
          results.add(runWorkload(new ClusterWorkloads.Rf3Inflight(options, api, driver, payload), nodes));
        }
        if (options.workloads.contains("failover")) {
          results.add(runWorkload(new ClusterWorkloads.Failover(cluster, api, "bench-1", payload)));
        }
      } finally {
        api.close();
      }
    } catch (BenchException e) {
      System.err.println("bench: the cluster workloads could not run: " + e.getMessage());
    } finally {
      cluster.close();
      setCluster(null);
    }
    return results;
  }

  /**
   * RF 3 on both sides through the same jnats machinery: a 3-node Hawser cluster whose nodes all bridge to one
   * nats-server (streams RF 3, ackPolicy all) against a 3-server JetStream cluster (R3).
   */
  private NatsResult runNatsR3(Vertx vertx, byte[] payload, String stamp, List<WorkloadResult> results) {
    Path binary = nats.binary();
    NatsServerProcess bridge = null;
    List<NatsServerProcess> jsCluster = List.of();
    ClusterNodes r3 = null;
    HawserNats hawser = null;
    JetStreamNats js = null;
    try {
      Progress.say("starting a 3-server JetStream cluster and a 3-node Hawser cluster bridged to NATS (R3)");
      bridge = NatsServerProcess.startPlain(binary, options.out.resolve("nats-bridge-r3-" + stamp + ".log"));
      jsCluster = new ArrayList<>(NatsServerProcess.startJetStreamCluster(binary,
          Files.createTempDirectory(options.out, "jetstream-r3-"), options.out, stamp));
      r3 = new ClusterNodes(options, vertx).withNodeArgs(List.of("--nats-url", bridge.url()));
      setCluster(r3);
      r3.start();
      HawserApi api = new HawserApi(vertx, r3.nodes().get(0).endpoint());
      hawser = new HawserNats(api, r3.nodes(), 3, bridge, options.requestTimeout);
      js = new JetStreamNats(jsCluster, 3, options.requestTimeout);
      nats.warmUp(List.of(hawser, js), payload); // three cold JVMs need more than one short warm-up run
      NatsResult result = nats.compare(new NatsBench.Spec("nats-r3-1x100", "RF 3 / R3, 1 publisher x 100 in flight",
          1, 100, options.natsInflightMaxMessages), hawser, js, payload, options.clusterRunDuration);
      Progress.say("nats-r3-1x100: " + result.verdict() + (result.reason() == null
          ? String.format(java.util.Locale.ROOT, " - Hawser/JetStream %.2fx msg/s", result.rateRatio())
          : " - " + result.reason()));
      js.close();
      js = null;
      results.add(runWorkload(new JetStreamFailover(jsCluster, binary, payload)));
      return result;
    } catch (IOException | BenchException e) {
      System.err.println("bench: the R3 NATS comparison could not run: " + e.getMessage());
      return null;
    } finally {
      if (js != null) {
        js.close();
      }
      if (hawser != null) {
        hawser.close();
      }
      if (r3 != null) {
        r3.close();
        setCluster(null);
      }
      jsCluster.forEach(NatsServerProcess::stop);
      if (bridge != null) {
        bridge.stop();
      }
    }
  }

  private List<WorkloadResult> runMirrorWorkloads(Vertx vertx, byte[] payload, String stamp) {
    List<WorkloadResult> results = new ArrayList<>();
    Progress.say("starting a hub and a leaf (two one-node clusters) for the mirror workloads");
    try (MirrorWorkloads.Pair pair = new MirrorWorkloads.Pair(options, vertx, stamp)) {
      setMirrorPair(pair);
      PublishDriver hubDriver = new PublishDriver(vertx, pair.hub.endpoint(), options.requestTimeout);
      if (options.workloads.contains("mirror-catchup")) {
        results.add(runWorkload(new MirrorWorkloads.CatchUp(options, pair, hubDriver, payload)));
      }
      if (options.workloads.contains("mirror-lag")) {
        results.add(runWorkload(new MirrorWorkloads.SteadyLag(options, pair, hubDriver, payload)));
      }
    } catch (BenchException e) {
      System.err.println("bench: the mirror workloads could not run: " + e.getMessage());
    } finally {
      setMirrorPair(null);
    }
    return results;
  }

  /** Warm-up, then K measured runs; any exception makes the workload FAILED and the others still run. */
  private WorkloadResult runWorkload(Workload w) {
    return runWorkload(w, List.of());
  }

  /**
   * The same, recording the CPU time and peak RSS of {@code servers} (and of this JVM, the client) during each
   * measured run.
   */
  private WorkloadResult runWorkload(Workload w, List<ResourceMonitor.Watched> servers) {
    List<NatsDriver.NatsRun> runs = new ArrayList<>();
    List<RunResult> results = new ArrayList<>();
    try {
      Progress.say(w.id() + ": " + w.title());
      w.prepare();
      RunResult warm = w.run(0, true);
      Progress.say(String.format("%s: warm-up %,d msgs, %s msg/s", w.id(), warm.messages(), ResultTable.compact(warm.rate())));
      if (!warm.ok()) {
        return WorkloadResult.failed(w, results, "warm-up: " + warm.problem());
      }
      for (int i = 1; i <= options.runs; i++) {
        int index = i;
        NatsDriver.NatsRun run = NatsDriver.watched(servers, () -> w.run(index, false));
        RunResult r = run.result();
        runs.add(run);
        results.add(r);
        Progress.say(String.format("%s: run %d/%d %,d msgs in %.2f s = %s msg/s, p99 %s ms%s", w.id(), i, options.runs,
            r.messages(), r.seconds(), ResultTable.compact(r.rate()),
            r.latency().present() ? String.format("%.3f", r.latency().p99Ms()) : "-",
            r.ok() ? "" : " ERRORS: " + r.problem()));
        if (!r.ok()) {
          break; // the workload is FAILED; more runs would add nothing
        }
      }
      return WorkloadResult.measured(w, runs);
    } catch (BenchException e) {
      return WorkloadResult.failed(w, results, e.getMessage());
    } catch (RuntimeException e) {
      return WorkloadResult.failed(w, results, Await.describe(e));
    } finally {
      try {
        w.cleanup();
      } catch (RuntimeException e) {
        System.err.println("bench: warning: cleanup of " + w.id() + ": " + Await.describe(e));
      }
    }
  }

  private List<Workload> workloads(HawserApi api, PublishDriver driver, ReplayReader reader, byte[] payload,
      FsyncProbe.Result fsync) {
    List<Workload> all = new ArrayList<>();
    for (String id : options.workloads) {
      switch (id) {
        case "sync":
          all.add(PublishWorkload.sync(options, api, driver, payload, Target.p99AtMost(
              JETSTREAM_SYNC_P99_MS + fsync.inPlace().p99Ms(),
              "JetStream 2.9 R1 sync publish ~8.7k msg/s, p99 0.65 ms, lazy fsync (target: that p99 + this disk's fsync p99"
                  + " inside preallocated blocks, as the journal writes)",
              8_700)));
          break;
        case "inflight":
          all.add(PublishWorkload.inflight(options, api, driver, payload,
              Target.rateAtLeast(67_000, "JetStream 2.9 R1 async window 100 ~67k msg/s, lazy fsync", 67_000)));
          break;
        case "batch":
          all.add(PublishWorkload.batch(options, api, driver, payload,
              Target.rateAtLeast(200_000, "JetStream 2.9 R1 async window 1000 ~81k msg/s, lazy fsync", 81_000)));
          break;
        case "replay":
          if (nats != null && nats.binary() != null) {
            break; // read side by side with JetStream by NatsBench
          }
          all.add(new ReplayWorkload(options, api, driver, reader, payload,
              Target.rateAtLeast(300_000, "JetStream 2.9 ordered replay ~180k msg/s", 180_000)));
          break;
        case "nats-sync":
        case "nats-inflight":
          break; // run by NatsBench after the HTTP workloads
        case "nats-r3":
          break; // run on a JetStream cluster and a bridged 3-node Hawser after the cluster workloads
        case "rf3-inflight":
        case "failover":
          break; // run on a 3-node cluster at the end
        case "mirror-catchup":
        case "mirror-lag":
          break; // run on a hub and a leaf at the very end
        case "recovery":
          break; // run last, on a node (and a JetStream server) of its own
        default:
          throw new IllegalStateException("unknown workload " + id);
      }
    }
    return all;
  }

  private void awaitReady(HawserApi api) {
    if (node != null) {
      node.awaitReady(api::readyStatus, options.readyTimeout);
      return;
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    int status = -1;
    while (System.nanoTime() < deadline) {
      status = api.readyStatus();
      if (status == 200) {
        return;
      }
      sleep(200);
    }
    throw new BenchException("GET " + options.url + "/health/ready did not answer 200 within 10 s (last: "
        + (status == -1 ? "no answer" : "HTTP " + status) + ")");
  }

  private synchronized void setCluster(ClusterNodes c) {
    cluster = c;
  }

  private synchronized void setMirrorPair(MirrorWorkloads.Pair p) {
    mirrorPair = p;
  }

  private synchronized void setNats(NatsBench n) {
    nats = n;
  }

  /** The node first (so its bridge does not spend its last seconds reconnecting), then the nats-servers. */
  private synchronized void stopAll() {
    if (node != null) {
      node.stop();
    }
    if (nats != null) {
      nats.stop();
    }
    if (cluster != null) {
      cluster.close();
    }
    if (mirrorPair != null) {
      mirrorPair.close();
    }
  }

  /** Random bytes: a payload that compresses or dedups well would flatter the server. */
  private static byte[] payload(int size) {
    byte[] bytes = new byte[size];
    new Random(42).nextBytes(bytes);
    return bytes;
  }

  /** Ends the tool (the shutdown hook stops the node) if it runs past the time limit, whatever hangs. */
  private static void startWatchdog(Duration limit) {
    Thread t = new Thread(() -> {
      try {
        Thread.sleep(limit.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      System.err.println("bench: time limit of " + limit.toSeconds() + " s exceeded; stopping (raise it with --time-limit)");
      System.exit(EXIT_TIME_LIMIT);
    }, "bench-watchdog");
    t.setDaemon(true);
    t.start();
  }

  private static void createDir(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new BenchException("cannot create " + dir + ": " + e.getMessage(), e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
  }
}
