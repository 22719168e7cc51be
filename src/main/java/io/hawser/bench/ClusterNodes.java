package io.hawser.bench;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Three Hawser nodes from the jar on loopback, joined into one cluster with its own name, for the RF=3 and
 * failover workloads. A killed node is replaced by a fresh one (new id and data dir) so each failover round starts
 * from three live nodes. Every process is stopped by its own handle.
 */
final class ClusterNodes implements AutoCloseable {
  private final BenchOptions options;
  private final Vertx vertx;
  private final String clusterName = "bench-cluster-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
  private final List<NodeProcess> nodes = new ArrayList<>();
  private final List<String> ids = new ArrayList<>();
  private final List<NodeProcess> retired = new ArrayList<>();
  private final List<String> join = new ArrayList<>();
  private int started;

  private List<String> extraArgs = List.of();

  ClusterNodes(BenchOptions options, Vertx vertx) {
    this.options = options;
    this.vertx = vertx;
  }

  /** Flags every node gets besides the cluster's own (e.g. {@code --nats-url}); set before {@link #start}. */
  ClusterNodes withNodeArgs(List<String> args) {
    extraArgs = List.copyOf(args);
    return this;
  }

  /** Starts three nodes at once and waits until every one is ready. */
  void start() {
    int[] ports;
    try {
      ports = NodeProcess.freeLoopbackPorts(3);
    } catch (IOException e) {
      throw new BenchException("cannot pick cluster ports: " + e.getMessage(), e);
    }
    for (int port : ports) {
      join.add("127.0.0.1:" + port);
    }
    for (int port : ports) {
      launch(port);
    }
    for (NodeProcess n : nodes) {
      awaitReady(n);
    }
  }

  private NodeProcess launch(int clusterPort) {
    String id = "bench-" + (++started);
    Path log = options.out.resolve("cluster-" + id + "-" + clusterName + ".log");
    // The later flags override the single-node defaults NodeProcess passes (the last one wins).
    List<String> args = new ArrayList<>(List.of("--node-id", id, "--cluster-name", clusterName, "--cluster-port",
        Integer.toString(clusterPort), "--join", String.join(",", join)));
    args.addAll(extraArgs);
    NodeProcess n = NodeProcess.start(options.jar, options.dataParent, log, args);
    nodes.add(n);
    ids.add(id);
    return n;
  }

  private void awaitReady(NodeProcess n) {
    HawserApi api = new HawserApi(vertx, n.endpoint());
    try {
      n.awaitReady(api::readyStatus, options.readyTimeout);
    } finally {
      api.close();
    }
  }

  List<NodeProcess> nodes() {
    return List.copyOf(nodes);
  }

  NodeProcess byId(String id) {
    int i = ids.indexOf(id);
    if (i < 0) {
      throw new BenchException("no running bench node " + id);
    }
    return nodes.get(i);
  }

  /** kill -9 of one node; a new node (fresh data) joins in its place, on a new cluster port. */
  void killAndReplace(String id) {
    NodeProcess victim = byId(id);
    victim.kill();
    int i = ids.indexOf(id);
    nodes.remove(i);
    ids.remove(i);
    retired.add(victim);
    int port;
    try {
      port = NodeProcess.freeLoopbackPorts(1)[0];
    } catch (IOException e) {
      throw new BenchException("cannot pick a cluster port: " + e.getMessage(), e);
    }
    join.add("127.0.0.1:" + port);
    awaitReady(launch(port));
  }

  String describe() {
    return "3 nodes (" + String.join(", ", ids) + ") in cluster " + clusterName;
  }

  @Override
  public void close() {
    for (NodeProcess n : nodes) {
      n.stop();
    }
    for (NodeProcess n : retired) {
      n.stop();
    }
  }

  static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
  }
}
