package io.hawser.bench;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.support.JsonParseException;
import io.nats.client.support.JsonParser;
import io.nats.client.support.JsonValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Hawser through its NATS bridge (API.md "NATS bridge"): each run gets a fresh stream
 * {@code b1-<run>} (1 partition, R1, ackPolicy leader) capturing {@code bench.b1.<run>}; a publisher sends NATS
 * requests to that subject and the node replies, after the durable sync, {@code {"stream","partition","offset"}}
 * or {@code {"error":{...}}}. An error reply, a timeout or "no responders" is a failed message.
 */
final class HawserNats implements NatsSystem {
  static final String DURABILITY = "fsync before every ack (group commit; stream ackPolicy leader, R1)";
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(20);

  private final HawserApi api;
  private final List<NodeProcess> nodes;
  private final int replicationFactor;
  private final NatsServerProcess bridgeServer;
  private final Duration requestTimeout;
  private final Connection admin;
  private String subject;
  private String streamName;

  HawserNats(HawserApi api, NodeProcess node, NatsServerProcess bridgeServer, Duration requestTimeout) {
    this(api, List.of(node), 1, bridgeServer, requestTimeout);
  }

  /** A cluster whose nodes all bridge to {@code bridgeServer}; streams get {@code replicationFactor} replicas. */
  HawserNats(HawserApi api, List<NodeProcess> nodes, int replicationFactor, NatsServerProcess bridgeServer,
             Duration requestTimeout) {
    this.api = api;
    this.nodes = List.copyOf(nodes);
    this.replicationFactor = replicationFactor;
    this.bridgeServer = bridgeServer;
    this.requestTimeout = requestTimeout;
    this.admin = NatsSystem.connect(bridgeServer.url(), "bench-hawser-admin");
  }

  @Override
  public String name() {
    return "Hawser";
  }

  @Override
  public String key() {
    return "hawser";
  }

  @Override
  public String durability() {
    return replicationFactor == 1 ? DURABILITY
        : "fsync on every in-sync replica before every ack (stream ackPolicy all, R" + replicationFactor + ")";
  }

  @Override
  public List<ResourceMonitor.Watched> serverProcesses() {
    List<ResourceMonitor.Watched> watched = new java.util.ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      watched.add(new ResourceMonitor.Watched("hawser node" + (nodes.size() == 1 ? "" : " " + (i + 1)),
          nodes.get(i).pid(), true));
    }
    watched.add(new ResourceMonitor.Watched("bridge nats-server", bridgeServer.pid(), true));
    return watched;
  }

  @Override
  public String deathNotice() {
    for (NodeProcess node : nodes) {
      if (!node.isAlive()) {
        return "the Hawser node " + node.exitDescription() + "; log tail:\n" + node.logTail(20);
      }
    }
    if (!bridgeServer.isAlive()) {
      return "the bridge's nats-server " + bridgeServer.exitDescription() + "; log tail:\n" + bridgeServer.logTail(10);
    }
    return null;
  }

  private static String stream(String runKey) {
    return "b1-" + runKey;
  }

  /**
   * Creates the stream, then requests on its subject until one is acked: the bridge subscribes when it learns of
   * the stream, so the first requests may find no responder. The probe's message takes offset 0; the run's
   * offsets are checked from the lowest one they ack.
   */
  @Override
  public void prepare(String runKey) {
    String s = "bench.b1." + runKey;
    if (replicationFactor == 1) {
      api.createFreshStream(stream(runKey), s);
    } else {
      ClusterWorkloads.createReplicated(api, stream(runKey), 1, s);
    }
    subject = s;
    streamName = stream(runKey);
    long deadline = System.nanoTime() + PROBE_TIMEOUT.toNanos();
    String last = "no reply";
    while (System.nanoTime() < deadline) {
      Message reply;
      try {
        reply = admin.request(s, new byte[] {'p'}, Duration.ofSeconds(2));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BenchException("interrupted while probing " + s);
      }
      if (reply != null && !reply.isStatusMessage()) {
        try {
          offsetOf(reply);
          return;
        } catch (BenchException e) {
          last = e.getMessage();
        }
      }
      sleep(50);
    }
    throw new BenchException("no request on " + s + " was acked by the Hawser bridge within " + PROBE_TIMEOUT.toSeconds()
        + " s of creating stream " + stream(runKey) + " (last: " + last + ")");
  }

  /** The stream of the last {@link #prepare}; its probe message has offset 0. */
  String streamName() {
    return streamName;
  }

  @Override
  public Publisher openPublisher(int index) {
    String s = subject;
    Connection conn = NatsSystem.connect(bridgeServer.url(), "bench-hawser-" + index);
    return new Publisher() {
      @Override
      public void send(byte[] payload, Ack ack) {
        conn.requestWithTimeout(s, payload, requestTimeout).whenComplete((msg, error) -> {
          if (error != null) {
            ack.failed(NatsSystem.describe(error));
            return;
          }
          long offset;
          try {
            offset = offsetOf(msg);
          } catch (BenchException e) {
            ack.failed(e.getMessage());
            return;
          }
          ack.acked(offset);
        });
      }

      @Override
      public long sendSync(byte[] payload) {
        Message msg;
        try {
          msg = conn.request(s, payload, requestTimeout);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new BenchException("interrupted");
        }
        if (msg == null) {
          throw new BenchException("no reply within " + requestTimeout.toMillis() + " ms (or no responders)");
        }
        return offsetOf(msg);
      }

      @Override
      public void close() {
        NatsSystem.closeQuietly(conn);
      }
    };
  }

  /** The offset of a bridge reply, parsed with jnats' own JSON parser (as jnats parses a PubAck). */
  static long offsetOf(Message reply) {
    if (reply.isStatusMessage()) {
      throw new BenchException("NATS status " + reply.getStatus().getMessageWithCode());
    }
    byte[] data = reply.getData();
    JsonValue json;
    try {
      json = JsonParser.parse(data);
    } catch (JsonParseException e) {
      throw new BenchException("reply is not JSON: " + text(data));
    }
    if (json.map == null) {
      throw new BenchException("reply is not a JSON object: " + text(data));
    }
    JsonValue error = json.map.get("error");
    if (error != null) {
      JsonValue code = error.map == null ? null : error.map.get("code");
      JsonValue message = error.map == null ? null : error.map.get("message");
      throw new BenchException("error reply " + (code == null ? "?" : code.string) + ": "
          + (message == null ? text(data) : message.string));
    }
    JsonValue offset = json.map.get("offset");
    if (offset == null || offset.number == null) {
      throw new BenchException("reply without an offset: " + text(data));
    }
    return offset.number.longValue();
  }

  private static String text(byte[] data) {
    String t = data == null ? "" : new String(data, StandardCharsets.UTF_8);
    return t.length() > 200 ? t.substring(0, 200) + "..." : t;
  }

  @Override
  public void cleanup(String runKey) {
    api.deleteStreamQuietly(stream(runKey));
  }

  @Override
  public void close() {
    NatsSystem.closeQuietly(admin);
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
