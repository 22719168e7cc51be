package io.hawser.testkit;

import io.hawser.app.HawserNode;
import io.hawser.config.ConfigKey;
import io.hawser.config.NodeConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * N in-process Hawser nodes forming one cluster (one unique cluster name, free loopback ports kept across restarts,
 * fresh data dirs), for API-level cluster tests that need no process kills. Node {@code i} is {@code node-(i+1)}.
 */
public final class TestCluster implements AutoCloseable {
    private final String name = "test-" + UUID.randomUUID();
    private final Path root;
    private final int[] clusterPorts;
    private final int[] httpPorts;
    private final HawserNode[] nodes;
    private final HttpApi[] apis;
    private java.util.function.UnaryOperator<NodeConfig> customize = java.util.function.UnaryOperator.identity();

    private TestCluster(int size) throws IOException {
        root = Files.createTempDirectory("hawser-cluster-");
        clusterPorts = new int[size];
        httpPorts = new int[size];
        nodes = new HawserNode[size];
        apis = new HttpApi[size];
        for (int i = 0; i < size; i++) {
            clusterPorts[i] = ChildNode.freePort();
            httpPorts[i] = ChildNode.freePort();
            apis[i] = new HttpApi(URI.create("http://127.0.0.1:" + httpPorts[i] + "/"));
        }
    }

    /** Starts {@code size} nodes in parallel and waits until each is ready. */
    public static TestCluster start(int size) {
        return start(size, java.util.function.UnaryOperator.identity());
    }

    /** {@link #start(int)} with each node's config adjusted by {@code customize} (a NATS URL, ...). */
    public static TestCluster start(int size, java.util.function.UnaryOperator<NodeConfig> customize) {
        TestCluster cluster;
        try {
            cluster = new TestCluster(size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        cluster.customize = customize;
        try {
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                all.add(i);
            }
            cluster.startNodes(all);
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    public String nodeId(int i) {
        return "node-" + (i + 1);
    }

    public int indexOf(String nodeId) {
        return Integer.parseInt(nodeId.substring("node-".length())) - 1;
    }

    public int size() {
        return nodes.length;
    }

    public HttpApi api(int i) {
        return apis[i];
    }

    /** The running node {@code i} (for its event bus), null while it is stopped. */
    public HawserNode node(int i) {
        return nodes[i];
    }

    public Path dataDir(int i) {
        return root.resolve(nodeId(i));
    }

    private NodeConfig config(int i) {
        List<String> members = new ArrayList<>();
        for (int port : clusterPorts) {
            members.add("127.0.0.1:" + port);
        }
        return customize.apply(NodeConfig.defaults().withDataDir(dataDir(i)).withHttpPort(httpPorts[i])
                .withNodeId(nodeId(i)).withCluster(name, clusterPorts[i], members)
                .with(ConfigKey.REPLICA_MAX_LAG_MS, 1500));
    }

    /** Starts the given (stopped) nodes in parallel, on their old data dirs and ports. */
    public void startNodes(List<Integer> indexes) {
        List<CompletableFuture<HawserNode>> starting = new ArrayList<>();
        for (int i : indexes) {
            starting.add(HawserNode.start(config(i)).toCompletionStage().toCompletableFuture());
        }
        for (int k = 0; k < indexes.size(); k++) {
            int i = indexes.get(k);
            try {
                nodes[i] = starting.get(k).get(120, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("cannot start " + nodeId(i) + ": " + e, e);
            }
        }
        for (int i : indexes) {
            Await.until(Duration.ofSeconds(60), nodeId(i) + " is ready",
                    () -> apis[i].get("/health/ready").status() == 200);
        }
    }

    /** Stops a node cleanly (it hands its partitions over first). */
    public void stop(int i) {
        HawserNode n = nodes[i];
        nodes[i] = null;
        if (n != null) {
            try {
                n.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("clean stop of " + nodeId(i) + " failed: " + e, e);
            }
        }
    }

    public void stopAll() {
        for (int i = nodes.length - 1; i >= 0; i--) {
            stop(i);
        }
    }

    /** The leader node id of a partition as {@code api(via)} describes it, once it names one. */
    public String awaitLeader(int via, String stream, int p) {
        String[] leader = new String[1];
        Await.until(Duration.ofSeconds(30), stream + "/" + p + " has a leader", () -> {
            leader[0] = apis[via].partition(stream, p).getString("leader");
            return leader[0] != null;
        });
        return leader[0];
    }

    public void awaitIsr(int via, String stream, int p, int size) {
        Await.until(Duration.ofSeconds(60), stream + "/" + p + " has " + size + " in-sync replicas",
                () -> apis[via].partition(stream, p).getJsonArray("isr").size() == size);
    }

    @Override
    public void close() {
        for (int i = 0; i < nodes.length; i++) {
            try {
                stop(i);
            } catch (AssertionError e) {
                System.err.println(e.getMessage());
            }
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("cannot delete " + root + ": " + e);
        }
    }
}
