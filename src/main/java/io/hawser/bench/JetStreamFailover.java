package io.hawser.bench;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * JetStream's side of the failover row: on the 3-server cluster, the server leading an R3 stream is killed with
 * {@code kill -9} while one publisher sends synchronous publishes; one sample is the time from the kill to the first
 * publish acknowledged after it (as Hawser's {@code failover} row measures). The killed server comes back before
 * the next round.
 */
final class JetStreamFailover implements Workload {
  private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(2);

  private final List<NatsServerProcess> servers;
  private final Path binary;
  private final byte[] payload;

  /** {@code servers} is the live cluster; a restarted member replaces its entry. */
  JetStreamFailover(List<NatsServerProcess> servers, Path binary, byte[] payload) {
    this.servers = servers;
    this.binary = binary;
    this.payload = payload;
  }

  @Override
  public String id() {
    return "failover-jetstream";
  }

  @Override
  public String title() {
    return "JetStream R3: kill -9 of the stream leader -> first acked publish (3 servers)";
  }

  @Override
  public Target target() {
    return Target.p99AtMost(2_000, "the same on JetStream, for Hawser's failover row", 0);
  }

  private String survivors(int victim) {
    List<String> urls = new java.util.ArrayList<>();
    for (int i = 0; i < servers.size(); i++) {
      if (i != victim) {
        urls.add(servers.get(i).url());
      }
    }
    return String.join(",", urls);
  }

  @Override
  public RunResult run(int index, boolean warmUp) {
    String stream = "failover-" + index;
    String subject = "failover." + index;
    String urls = String.join(",", servers.stream().map(NatsServerProcess::url).toList());
    Options options = new Options.Builder().server(urls).connectionName("bench-jetstream-failover")
        .maxReconnects(-1).reconnectWait(Duration.ofMillis(20)).connectionTimeout(Duration.ofSeconds(2)).build();
    try (Connection conn = Nats.connect(options)) {
      JetStreamManagement jsm = conn.jetStreamManagement();
      JetStream js = conn.jetStream(io.nats.client.JetStreamOptions.builder().requestTimeout(ATTEMPT_TIMEOUT)
          .build());
      // After the previous round's restart the cluster may still be electing or catching up: wait until it has a
      // stream leader and both followers current, and takes publishes.
      long settle = System.nanoTime() + 60_000_000_000L;
      boolean created = false;
      int published = 0;
      String leader = null;
      while (leader == null) {
        try {
          if (!created) {
            jsm.addStream(StreamConfiguration.builder().name(stream).subjects(subject)
                .storageType(StorageType.File).replicas(3).build());
            created = true;
          }
          for (; published < 200; published++) {
            js.publish(subject, payload);
          }
          StreamInfo info = jsm.getStreamInfo(stream);
          var replicas = info.getClusterInfo().getReplicas();
          if (replicas != null && replicas.size() == 2 && replicas.stream().allMatch(r -> r.isCurrent())) {
            leader = info.getClusterInfo().getLeader();
          } else {
            ClusterNodes.pause(Duration.ofMillis(100));
          }
        } catch (IOException | JetStreamApiException | RuntimeException e) {
          if (System.nanoTime() > settle) {
            throw new BenchException("the JetStream cluster did not settle within 60 s: " + NatsSystem.describe(e),
                e);
          }
          ClusterNodes.pause(Duration.ofMillis(100));
        }
      }
      if (warmUp) {
        jsm.deleteStream(stream);
        return RunResult.oneSample(1, 1_000_000);
      }
      int victim = -1;
      for (int i = 0; i < servers.size(); i++) {
        if (("js-" + (i + 1)).equals(leader)) { // startJetStreamCluster names server i "js-<i+1>"
          victim = i;
        }
      }
      if (victim < 0) {
        throw new BenchException("cannot find the JetStream server named " + leader);
      }
      long killed = System.nanoTime();
      servers.get(victim).kill();
      long deadline = killed + 30_000_000_000L;
      long took = -1;
      Connection retry = null;
      JetStream publisher = js;
      while (System.nanoTime() < deadline) {
        try {
          publisher.publish(subject, payload);
          took = System.nanoTime() - killed;
          break;
        } catch (IOException | JetStreamApiException | RuntimeException e) {
          // jnats 2.24.1 can leave a reconnected connection's writer stuck (nats-io/nats.java#1522), so every
          // further attempt goes out on a fresh connection to the surviving servers, as a careful client would.
          NatsSystem.closeQuietly(retry);
          retry = null;
          try {
            retry = Nats.connect(new Options.Builder().server(survivors(victim))
                .connectionName("bench-jetstream-failover-retry").noReconnect()
                .connectionTimeout(Duration.ofSeconds(1)).build());
            publisher = retry.jetStream(io.nats.client.JetStreamOptions.builder().requestTimeout(ATTEMPT_TIMEOUT)
                .build());
          } catch (IOException connectFailed) {
            ClusterNodes.pause(Duration.ofMillis(5));
          }
        }
      }
      NatsSystem.closeQuietly(retry);
      servers.set(victim, servers.get(victim).killAndRestartMember(binary));
      if (took < 0) {
        throw new BenchException("no JetStream publish was acked within 30 s of killing " + leader);
      }
      try {
        jsm.deleteStream(stream);
      } catch (IOException | JetStreamApiException e) {
        System.err.println("bench: warning: could not delete JetStream stream " + stream + ": " + e.getMessage());
      }
      return RunResult.oneSample(1, took);
    } catch (IOException | JetStreamApiException e) {
      throw new BenchException("JetStream failover round: " + NatsSystem.describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
  }
}
