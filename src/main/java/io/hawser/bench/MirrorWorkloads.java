package io.hawser.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The mirror workloads, on two one-node clusters in child JVMs: a hub holding the source stream and a leaf whose
 * mirror pulls it over HTTP. {@code mirror-catchup}: how fast a new mirror copies a stored backlog.
 * {@code mirror-lag}: under a publish load on the hub, the time from a message's commit on the hub to its visibility
 * in the leaf's mirror.
 */
final class MirrorWorkloads {
  private static final Duration ADMIN = Duration.ofSeconds(30);

  private MirrorWorkloads() {
  }

  /** The hub and the leaf. */
  static final class Pair implements AutoCloseable {
    final NodeProcess hub;
    final NodeProcess leaf;
    final HawserApi hubApi;
    final HawserApi leafApi;

    Pair(BenchOptions options, Vertx vertx, String stamp) {
      List<NodeProcess> started = new ArrayList<>();
      try {
        hub = NodeProcess.start(options.jar, options.dataParent, options.out.resolve("mirror-hub-" + stamp + ".log"),
            List.of("--cluster-name", "bench-hub-" + stamp));
        started.add(hub);
        leaf = NodeProcess.start(options.jar, options.dataParent, options.out.resolve("mirror-leaf-" + stamp
            + ".log"), List.of("--cluster-name", "bench-leaf-" + stamp));
        started.add(leaf);
        hubApi = new HawserApi(vertx, hub.endpoint());
        leafApi = new HawserApi(vertx, leaf.endpoint());
        hub.awaitReady(hubApi::readyStatus, options.readyTimeout);
        leaf.awaitReady(leafApi::readyStatus, options.readyTimeout);
      } catch (RuntimeException e) {
        started.forEach(NodeProcess::stop);
        throw e;
      }
    }

    String hubUrl() {
      return "http://" + hub.endpoint().host() + ":" + hub.endpoint().port();
    }

    void createMirror(String name, String source) {
      JsonObject config = new JsonObject().put("name", name)
          .put("mirror", new JsonObject().put("stream", source).put("url", hubUrl()));
      HawserApi.Response r = leafApi.call(HttpMethod.POST, "/v1/streams", config.toBuffer(), ADMIN);
      if (r.status() != 201) {
        throw new BenchException("cannot create mirror " + name + ": " + r.describe());
      }
    }

    private boolean closed;

    @Override
    public synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      hubApi.close();
      leafApi.close();
      leaf.stop();
      hub.stop();
    }
  }

  /** A partition's committed end ({@code highWatermark + 1}) as {@code api} describes it. */
  static long committedEnd(HawserApi api, String stream) {
    HawserApi.Response r = api.call(HttpMethod.GET, "/v1/streams/" + stream, null, ADMIN);
    if (r.status() != 200) {
      throw new BenchException("GET /v1/streams/" + stream + " answered " + r.describe());
    }
    return new JsonObject(r.body()).getJsonArray("partitions").getJsonObject(0).getLong("highWatermark") + 1;
  }

  /** A new mirror copies a stored backlog: messages per second from its creation until it has everything. */
  static final class CatchUp implements Workload {
    private final BenchOptions options;
    private final Pair pair;
    private final PublishDriver hubDriver;
    private final byte[] payload;
    private final long backlog;

    CatchUp(BenchOptions options, Pair pair, PublishDriver hubDriver, byte[] payload) {
      this.options = options;
      this.pair = pair;
      this.hubDriver = hubDriver;
      this.payload = payload;
      this.backlog = Math.min(options.messages, 500_000);
    }

    @Override
    public String id() {
      return "mirror-catchup";
    }

    @Override
    public String title() {
      return "mirror catch-up of a " + ResultTable.compact(backlog) + "-message backlog, hub -> leaf over HTTP";
    }

    @Override
    public Target target() {
      return Target.rateAtLeast(20_000, "issue #5: catch-up rate (reported, no JetStream run)", 0);
    }

    @Override
    public RunResult run(int index, boolean warmUp) {
      String source = "bench-mirror-src-" + index;
      String mirror = "bench-mirror-" + index;
      long messages = warmUp ? Math.min(backlog, 20_000) : backlog;
      pair.hubApi.createFreshStream(source);
      try {
        RunResult filled = hubDriver.run(PublishRequest.batch(source, payload, 1000), 4, options.clientThreads,
            messages, options.loadTimeout);
        if (!filled.ok()) {
          throw new BenchException("filling the hub failed: " + filled.problem());
        }
        long end = committedEnd(pair.hubApi, source);
        long t0 = System.nanoTime();
        pair.createMirror(mirror, source);
        long deadline = t0 + options.loadTimeout.toNanos();
        long copied = 0;
        while (copied < end) {
          if (System.nanoTime() > deadline) {
            throw new BenchException("the mirror had " + copied + " of " + end + " messages after "
                + options.loadTimeout.toSeconds() + " s");
          }
          ClusterNodes.pause(Duration.ofMillis(20));
          copied = committedEnd(pair.leafApi, mirror);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new RunResult(end, 0, copied == end ? 0 : 1, seconds, new LatencyRecorder(1).summary(),
            copied == end ? null : "mirror end " + copied + " beyond the source end " + end, 0);
      } finally {
        pair.leafApi.deleteStreamQuietly(mirror);
        pair.hubApi.deleteStreamQuietly(source);
      }
    }
  }

  /**
   * Steady-state lag: 100 publishes in flight load the hub; meanwhile, every 20 ms, a probe notes the hub's committed
   * end and waits until the leaf's mirror has it too. One sample = that wait: how far behind the hub the mirror runs.
   */
  static final class SteadyLag implements Workload {
    private final BenchOptions options;
    private final Pair pair;
    private final PublishDriver hubDriver;
    private final byte[] payload;

    SteadyLag(BenchOptions options, Pair pair, PublishDriver hubDriver, byte[] payload) {
      this.options = options;
      this.pair = pair;
      this.hubDriver = hubDriver;
      this.payload = payload;
    }

    @Override
    public String id() {
      return "mirror-lag";
    }

    @Override
    public String title() {
      return "mirror lag under load (" + options.inflight + " in flight on the hub): hub commit -> readable on the leaf";
    }

    @Override
    public Target target() {
      return Target.p99AtMost(1_000, "issue #5: steady-state lag (reported, no JetStream run)", 0);
    }

    @Override
    public RunResult run(int index, boolean warmUp) {
      String source = "bench-lag-src-" + index;
      String mirror = "bench-lag-" + index;
      pair.hubApi.createFreshStream(source);
      pair.createMirror(mirror, source);
      AtomicBoolean loading = new AtomicBoolean(true);
      LatencyRecorder lags = new LatencyRecorder(4096);
      String[] probeError = new String[1];
      Thread probe = new Thread(() -> probe(source, mirror, loading, lags, probeError), "bench-mirror-probe");
      probe.setDaemon(true);
      try {
        probe.start();
        RunResult load = hubDriver.run(PublishRequest.single(source, payload), options.inflight, options.clientThreads,
            options.inflightMaxMessages, warmUp ? options.warmupDuration : options.clusterRunDuration);
        loading.set(false);
        probe.join(30_000);
        String error = probeError[0] != null ? probeError[0] : load.firstError();
        return new RunResult(load.messages(), load.failed(), load.anomalies(), load.seconds(), lags.summary(), error,
            0);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BenchException("interrupted");
      } finally {
        loading.set(false);
        pair.leafApi.deleteStreamQuietly(mirror);
        pair.hubApi.deleteStreamQuietly(source);
      }
    }

    /**
     * Samples the lag in time: reads what the hub has committed now, then long-polls the mirror until it has that
     * offset too (the hub's describe round trip is counted in, so the figure errs high).
     */
    private void probe(String source, String mirror, AtomicBoolean loading, LatencyRecorder lags, String[] error) {
      try {
        while (loading.get()) {
          long sampled = System.nanoTime();
          long end = committedEnd(pair.hubApi, source);
          if (end > 0) {
            awaitInMirror(mirror, end - 1, sampled, lags, error);
            if (error[0] != null) {
              return;
            }
          }
          ClusterNodes.pause(Duration.ofMillis(20));
        }
      } catch (RuntimeException e) {
        error[0] = "probe: " + e;
      }
    }

    private void awaitInMirror(String mirror, long offset, long sampled, LatencyRecorder lags, String[] error) {
      while (true) {
        HawserApi.Response read = pair.leafApi.call(HttpMethod.GET, "/v1/streams/" + mirror
            + "/partitions/0/messages?limit=1&waitMs=5000&offset=" + offset, null, ADMIN);
        if (read.status() != 200) {
          error[0] = "reading the mirror answered " + read.describe();
          return;
        }
        if (!new JsonObject(read.body()).getJsonArray("messages").isEmpty()) {
          lags.record(System.nanoTime() - sampled);
          return;
        }
        if (System.nanoTime() - sampled > 30_000_000_000L) {
          error[0] = "offset " + offset + " did not reach the mirror within 30 s";
          return;
        }
      }
    }
  }
}
