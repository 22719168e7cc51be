package io.hawser.bench;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/** The workloads that need three nodes: RF=3 {@code ack=all} throughput and leader failover time. */
final class ClusterWorkloads {
  private ClusterWorkloads() {
  }

  /** Creates an RF=3, minInsyncReplicas=2 stream of {@code partitions} through {@code api}. */
  static void createReplicated(HawserApi api, String stream, int partitions) {
    createReplicated(api, stream, partitions, null);
  }

  /** The same, capturing NATS {@code subject} when it is not null. */
  static void createReplicated(HawserApi api, String stream, int partitions, String subject) {
    JsonObject config = new JsonObject().put("name", stream).put("partitions", partitions)
        .put("replicationFactor", 3).put("minInsyncReplicas", 2).put("ackPolicy", "all");
    if (subject != null) {
      config.put("subject", subject);
    }
    HawserApi.Response r = api.call(HttpMethod.POST, "/v1/streams", Buffer.buffer(config.encode()),
        Duration.ofSeconds(30));
    if (r.status() != 201 && r.status() != 200) {
      throw new BenchException("cannot create stream " + stream + ": " + r.describe());
    }
  }

  /** HTTP publish with {@code o.inflight} in flight to an RF=3 stream: every ack waits for all in-sync replicas. */
  static final class Rf3Inflight implements Workload {
    private final BenchOptions options;
    private final HawserApi api;
    private final PublishDriver driver;
    private final byte[] payload;

    Rf3Inflight(BenchOptions options, HawserApi api, PublishDriver driver, byte[] payload) {
      this.options = options;
      this.api = api;
      this.driver = driver;
      this.payload = payload;
    }

    @Override
    public String id() {
      return "rf3-inflight";
    }

    @Override
    public String title() {
      return "HTTP publish RF=3 ack=all, " + options.inflight + " in flight, via any node";
    }

    @Override
    public Target target() {
      return Target.rateAtLeast(10_000, "no issue target (reported); JetStream 2.9 R1 async window 100 ~67k msg/s, lazy fsync",
          67_000);
    }

    @Override
    public RunResult run(int index, boolean warmUp) {
      String stream = "bench-rf3-" + index;
      createReplicated(api, stream, 1);
      try {
        return driver.run(PublishRequest.single(stream, payload), options.inflight, options.clientThreads,
            options.inflightMaxMessages, warmUp ? options.warmupDuration : options.clusterRunDuration);
      } finally {
        api.deleteStreamQuietly(stream);
      }
    }
  }

  /**
   * Failover time: one publisher sends {@code ack=all} publishes to partition 0 through a node that does not lead
   * it; the leader is killed with {@code kill -9}; the time from the kill to the first successful publish sent
   * after it is one sample. A fresh node replaces the killed one before the next round.
   */
  static final class Failover implements Workload {
    private final ClusterNodes cluster;
    private final HawserApi viaApi;
    private final String via;
    private final byte[] payload;

    Failover(ClusterNodes cluster, HawserApi viaApi, String via, byte[] payload) {
      this.cluster = cluster;
      this.viaApi = viaApi;
      this.via = via;
      this.payload = payload;
    }

    @Override
    public String id() {
      return "failover";
    }

    @Override
    public String title() {
      return "kill -9 of a partition leader -> first ack=all on that partition (RF=3, 3 nodes)";
    }

    @Override
    public Target target() {
      return Target.p99AtMost(2_000, "issue #3 target: failover <= 2 s on this machine", 0);
    }

    @Override
    public RunResult run(int index, boolean warmUp) {
      String stream = "bench-failover-" + index + (warmUp ? "-warm" : "");
      createReplicated(viaApi, stream, 1);
      String leader = leaderOf(stream);
      if (warmUp || leader.equals(via)) {
        // A warm-up only checks the set-up; a round where the publishing node leads cannot measure forwarding.
        long t = System.nanoTime();
        publish(stream);
        RunResult r = RunResult.oneSample(1, System.nanoTime() - t);
        viaApi.deleteStreamQuietly(stream);
        return leader.equals(via) && !warmUp ? run(index + 100, false) : r;
      }
      for (int k = 0; k < 200; k++) {
        publish(stream);
      }
      long killed = System.nanoTime();
      cluster.byId(leader).kill();
      long deadline = killed + 30_000_000_000L;
      while (System.nanoTime() < deadline) {
        if (publish(stream)) {
          long took = System.nanoTime() - killed;
          cluster.killAndReplace(leader);
          viaApi.deleteStreamQuietly(stream);
          return RunResult.oneSample(1, took);
        }
      }
      throw new BenchException("no successful ack=all publish within 30 s of killing leader " + leader);
    }

    private boolean publish(String stream) {
      HawserApi.Response r = viaApi.call(HttpMethod.POST, "/v1/streams/" + stream
          + "/messages?partition=0&ack=all&timeoutMs=2000", Buffer.buffer(payload), Duration.ofSeconds(5));
      return r.status() == 201;
    }

    private String leaderOf(String stream) {
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (System.nanoTime() < deadline) {
        HawserApi.Response r = viaApi.call(HttpMethod.GET, "/v1/streams/" + stream, null, Duration.ofSeconds(5));
        if (r.status() == 200) {
          JsonObject p = new JsonObject(r.body()).getJsonArray("partitions").getJsonObject(0);
          if (p.getString("leader") != null && p.getJsonArray("isr").size() == 3) {
            return p.getString("leader");
          }
        }
        ClusterNodes.pause(Duration.ofMillis(50));
      }
      throw new BenchException("stream " + stream + " got no leader with a full ISR within 30 s");
    }
  }
}
