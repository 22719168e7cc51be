package io.hawser.bench;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.PublishAck;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Restart recovery with a stored backlog: the server is killed with {@code kill -9} and started again on the same
 * data; one sample is the time from the kill until the server answers again with every stored message. Hawser:
 * {@code /health/ready} and a read of the last offset. JetStream (R1, file store): the stream's info shows every
 * message. The backlog is stored once; each run kills and restarts.
 */
final class RecoveryWorkloads {
  private static final Duration RECOVERY_TIMEOUT = Duration.ofMinutes(3);

  private RecoveryWorkloads() {
  }

  static long backlog(BenchOptions options) {
    return Math.min(options.messages, 1_000_000);
  }

  /** Hawser: a node holding the backlog is killed and restarted. */
  static final class Hawser implements Workload {
    private static final String STREAM = "bench-recovery";
    private final BenchOptions options;
    private final Vertx vertx;
    private final byte[] payload;
    private final String stamp;
    private NodeProcess node;
    private HawserApi api;

    Hawser(BenchOptions options, Vertx vertx, byte[] payload, String stamp) {
      this.options = options;
      this.vertx = vertx;
      this.payload = payload;
      this.stamp = stamp;
    }

    @Override
    public String id() {
      return "recovery";
    }

    @Override
    public String title() {
      return "restart after kill -9 with " + ResultTable.compact(backlog(options)) + " stored -> ready, all readable";
    }

    @Override
    public Target target() {
      return Target.p99AtMost(10_000, "issue #7: reported; JetStream's time is the recovery-jetstream row", 0);
    }

    @Override
    public void prepare() {
      node = NodeProcess.start(options.jar, options.dataParent, options.out.resolve("recovery-node-" + stamp + ".log"),
          List.of());
      api = new HawserApi(vertx, node.endpoint());
      node.awaitReady(api::readyStatus, options.readyTimeout);
      api.createFreshStream(STREAM);
      PublishDriver driver = new PublishDriver(vertx, node.endpoint(), options.requestTimeout);
      RunResult filled = driver.run(PublishRequest.batch(STREAM, payload, 1000), 4, options.clientThreads,
          backlog(options), options.loadTimeout);
      if (!filled.ok() || filled.messages() < backlog(options)) {
        throw new BenchException("storing the backlog failed: " + filled.messages() + " stored, " + filled.problem());
      }
    }

    @Override
    public RunResult run(int index, boolean warmUp) {
      long last = backlog(options) - 1;
      long started = System.nanoTime(); // both systems: from the kill, through the start, to answering again
      node = node.killAndRestart();
      node.awaitReady(api::readyStatus, RECOVERY_TIMEOUT);
      while (true) {
        HawserApi.Response r = api.call(HttpMethod.GET, "/v1/streams/" + STREAM + "/partitions/0/messages?limit=1"
            + "&offset=" + last, null, Duration.ofSeconds(10));
        if (r.status() == 200 && !new JsonObject(r.body()).getJsonArray("messages").isEmpty()) {
          return RunResult.oneSample(last + 1, System.nanoTime() - started);
        }
        if (System.nanoTime() - started > RECOVERY_TIMEOUT.toNanos()) {
          throw new BenchException("offset " + last + " not readable within " + RECOVERY_TIMEOUT.toSeconds()
              + " s of the restart: " + r.describe());
        }
        ClusterNodes.pause(Duration.ofMillis(20));
      }
    }

    @Override
    public void cleanup() {
      if (api != null) {
        api.close();
      }
      if (node != null) {
        node.stop();
      }
    }
  }

  /** JetStream R1 with file storage: a server holding the backlog is killed and restarted on its store. */
  static final class JetStreamRecovery implements Workload {
    private static final String STREAM = "recovery";
    private final BenchOptions options;
    private final Path binary;
    private final byte[] payload;
    private final String stamp;
    private NatsServerProcess server;

    JetStreamRecovery(BenchOptions options, Path binary, byte[] payload, String stamp) {
      this.options = options;
      this.binary = binary;
      this.payload = payload;
      this.stamp = stamp;
    }

    @Override
    public String id() {
      return "recovery-jetstream";
    }

    @Override
    public String title() {
      return "JetStream R1: restart after kill -9 with " + ResultTable.compact(backlog(options))
          + " stored -> stream info shows them";
    }

    @Override
    public Target target() {
      return Target.p99AtMost(10_000, "the same on JetStream (nats-server -js, file storage), for the ratio", 0);
    }

    @Override
    public void prepare() {
      try {
        server = NatsServerProcess.startJetStream(binary, Files.createTempDirectory(options.out, "recovery-store-"),
            options.out.resolve("recovery-jetstream-" + stamp + ".log"));
      } catch (IOException e) {
        throw new BenchException("cannot create the JetStream store: " + e.getMessage(), e);
      }
      Connection conn = NatsSystem.connect(server.url(), "bench-recovery-fill");
      try {
        JetStreamManagement jsm = conn.jetStreamManagement();
        awaitApi(jsm);
        jsm.addStream(StreamConfiguration.builder().name(STREAM).subjects("recovery.in")
            .storageType(StorageType.File).replicas(1).build());
        JetStream js = conn.jetStream();
        List<CompletableFuture<PublishAck>> window = new ArrayList<>();
        for (long i = 0; i < backlog(options); i++) {
          window.add(js.publishAsync("recovery.in", payload));
          if (window.size() == 1000) {
            CompletableFuture.allOf(window.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
            window.clear();
          }
        }
        CompletableFuture.allOf(window.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
        long stored = jsm.getStreamInfo(STREAM).getStreamState().getMsgCount();
        if (stored != backlog(options)) {
          throw new BenchException("JetStream holds " + stored + " messages, expected " + backlog(options));
        }
      } catch (Exception e) {
        throw e instanceof BenchException b ? b : new BenchException("storing the JetStream backlog: " + e, e);
      } finally {
        NatsSystem.closeQuietly(conn);
      }
    }

    private static void awaitApi(JetStreamManagement jsm) throws InterruptedException {
      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      while (true) {
        try {
          jsm.getAccountStatistics();
          return;
        } catch (IOException | JetStreamApiException e) {
          if (System.nanoTime() > deadline) {
            throw new BenchException("JetStream did not answer within 15 s: " + e.getMessage(), e);
          }
          Thread.sleep(20);
        }
      }
    }

    @Override
    public RunResult run(int index, boolean warmUp) {
      long started = System.nanoTime();
      server = server.killAndRestart(binary);
      long deadline = started + RECOVERY_TIMEOUT.toNanos();
      Connection conn = NatsSystem.connect(server.url(), "bench-recovery-check");
      try {
        JetStreamManagement jsm = conn.jetStreamManagement();
        while (true) {
          try {
            if (jsm.getStreamInfo(STREAM).getStreamState().getMsgCount() == backlog(options)) {
              return RunResult.oneSample(backlog(options), System.nanoTime() - started);
            }
          } catch (IOException | JetStreamApiException notYet) {
            // the store is still being recovered
          }
          if (System.nanoTime() > deadline) {
            throw new BenchException("JetStream did not show " + backlog(options) + " messages within "
                + RECOVERY_TIMEOUT.toSeconds() + " s of the restart");
          }
          Thread.sleep(20);
        }
      } catch (IOException e) {
        throw new BenchException("JetStream management: " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BenchException("interrupted");
      } finally {
        NatsSystem.closeQuietly(conn);
      }
    }

    @Override
    public void cleanup() {
      if (server != null) {
        server.stop();
      }
    }
  }
}
