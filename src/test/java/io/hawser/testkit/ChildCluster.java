package io.hawser.testkit;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * N Hawser nodes, each in its own child JVM ({@link ChildNode}), forming one Hazelcast cluster over loopback: one
 * unique cluster name, {@code --join} listing every member's {@code 127.0.0.1:clusterPort}, a fresh data dir per node
 * under one temp root, node ids {@code node-1..node-N}. Nodes are addressed by a 0-based index: index {@code i} is
 * node id {@code node-(i+1)} ({@link #nodeId(int)}, {@link #indexOf(String)}). Each node's HTTP and cluster ports
 * are picked once and kept across {@link #restart(int) restarts}, so {@link #api(int)} stays valid.
 *
 * <p>Faults: {@link #kill(int)} (SIGKILL), {@link #pause(int)}/{@link #resume(int)} (SIGSTOP/SIGCONT by PID),
 * {@link #terminate(int)} (SIGTERM). A node is UP, PAUSED or DOWN; {@link #liveTargets()} (what load generators
 * rotate over) and {@link #anyLiveApi()} only ever return UP nodes.
 *
 * <p>The waits read {@code GET /v1/streams/{s}} ({@code partitions[]}: leader, isr, endOffset, highWatermark).
 * {@link #close()} kills whatever is still running, saves every node's output under
 * {@code target/cluster-logs/<name>-<time>/} and deletes the temp root.
 */
public final class ChildCluster implements AutoCloseable, BeforeEachCallback, AfterEachCallback {
    /** ISR lag bound for tests: a dead follower leaves the ISR in about 1.5 s instead of the default 5 s. */
    public static final List<String> DEFAULT_NODE_ARGS = List.of("--replica-max-lag-ms", "1500");
    /** Flags the cluster sets itself; a repeated flag would silently override (the last one wins). */
    private static final Set<String> RESERVED_FLAGS = Set.of("--data-dir", "--http-port", "--cluster-port",
            "--cluster-name", "--node-id", "--join", "--config");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration MEMBERSHIP_TIMEOUT = Duration.ofSeconds(60);
    /** Graceful shutdown is bounded by design (5 s hand-over + 10 s Hazelcast); the node's own bound is 60 s. */
    private static final Duration TERMINATE_TIMEOUT = Duration.ofSeconds(40);

    /** What the test last did to a node. */
    public enum State { UP, PAUSED, DOWN }

    /** A node the load may talk to. */
    public record Target(int index, String nodeId, HttpApi api) {
    }

    private final String name;
    private final String clusterName;
    private final Path root;
    private final int size;
    private final List<AckedLoad> loads = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final int[] httpPorts;
    private final int[] clusterPorts;
    private final String join;
    private final List<String> nodeArgs;
    private final HttpApi[] apis;
    private final ChildNode[] nodes;
    private final AtomicReferenceArray<State> states;
    /** Per index: the output of earlier incarnations (killed, terminated), oldest first. */
    private final List<List<String>> pastOutputs = new ArrayList<>();
    /** Incarnations whose output is already in {@link #pastOutputs}. */
    private final Set<Long> retiredPids = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private ChildCluster(String name, int size, List<String> nodeArgs) throws IOException {
        for (String arg : nodeArgs) {
            String flag = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            if (RESERVED_FLAGS.contains(flag)) {
                throw new IllegalArgumentException(flag + " is set by ChildCluster itself; do not pass it again");
            }
        }
        this.name = name;
        this.clusterName = "it-" + name.replaceAll("[^A-Za-z0-9_-]", "") + "-"
                + UUID.randomUUID().toString().substring(0, 8);
        if (clusterName.length() > 64) {
            throw new IllegalArgumentException("cluster name too long: " + clusterName);
        }
        this.root = Files.createTempDirectory("hawser-cluster-");
        this.size = size;
        this.nodeArgs = List.copyOf(nodeArgs);
        Set<Integer> taken = new HashSet<>();
        httpPorts = new int[size];
        clusterPorts = new int[size];
        for (int i = 0; i < size; i++) {
            httpPorts[i] = distinctFreePort(taken);
            clusterPorts[i] = distinctFreePort(taken);
        }
        List<String> members = new ArrayList<>();
        for (int port : clusterPorts) {
            members.add("127.0.0.1:" + port);
        }
        join = String.join(",", members);
        apis = new HttpApi[size];
        nodes = new ChildNode[size];
        states = new AtomicReferenceArray<>(size);
        for (int i = 0; i < size; i++) {
            apis[i] = new HttpApi(URI.create("http://127.0.0.1:" + httpPorts[i] + "/"));
            states.set(i, State.DOWN);
            pastOutputs.add(new ArrayList<>());
            Files.createDirectories(dataDir(i));
        }
    }

    /** Starts {@code size} nodes in parallel with {@link #DEFAULT_NODE_ARGS} and waits until they form one cluster. */
    public static ChildCluster start(String name, int size) {
        return start(name, size, DEFAULT_NODE_ARGS);
    }

    /**
     * Starts {@code size} nodes in parallel, each with {@code nodeArgs} besides the flags the cluster sets itself
     * (data dir, ports, cluster name, node id, join), and waits until every node sees all of them alive.
     */
    public static ChildCluster start(String name, int size, List<String> nodeArgs) {
        ChildCluster cluster = create(name, size, nodeArgs);
        cluster.startOrClose();
        return cluster;
    }

    /**
     * A cluster of {@code size} nodes with {@link #DEFAULT_NODE_ARGS} for each test of a class, registered with
     * {@code @RegisterExtension final ChildCluster cluster = ChildCluster.perTest(name, size);}: JUnit starts it
     * before each test (as {@link #start(String, int)}) and closes it after.
     */
    public static ChildCluster perTest(String name, int size) {
        return create(name, size, DEFAULT_NODE_ARGS);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        startOrClose();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }

    private static ChildCluster create(String name, int size, List<String> nodeArgs) {
        try {
            return new ChildCluster(name, size, nodeArgs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void startOrClose() {
        try {
            startAll();
            awaitMembership(MEMBERSHIP_TIMEOUT);
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    private void startAll() {
        ExecutorService pool = Executors.newFixedThreadPool(size, r -> {
            Thread t = new Thread(r, "child-cluster-start");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<ChildNode>> started = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                int index = i;
                started.add(pool.submit(() -> launch(index)));
            }
            AssertionError failure = null;
            for (int i = 0; i < size; i++) {
                try {
                    nodes[i] = started.get(i).get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    states.set(i, State.UP);
                } catch (ExecutionException e) {
                    failure = addFailure(failure, nodeId(i) + " did not start", e.getCause());
                } catch (java.util.concurrent.TimeoutException e) {
                    failure = addFailure(failure, nodeId(i) + " did not start within " + START_TIMEOUT, e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static AssertionError addFailure(AssertionError failure, String what, Throwable cause) {
        AssertionError error = new AssertionError(what + ": " + cause, cause);
        if (failure == null) {
            return error;
        }
        failure.addSuppressed(error);
        return failure;
    }

    private ChildNode launch(int i) {
        List<String> args = new ArrayList<>(List.of("--join", join));
        args.addAll(nodeArgs);
        return ChildNode.start(dataDir(i), nodeId(i), clusterName, clusterPorts[i], httpPorts[i],
                args.toArray(new String[0]));
    }

    // ---------------------------------------------------------------- nodes

    public int size() {
        return size;
    }

    public String name() {
        return name;
    }

    public String clusterName() {
        return clusterName;
    }

    /** {@code node-(i+1)}. */
    public String nodeId(int i) {
        checkIndex(i);
        return "node-" + (i + 1);
    }

    /** The index of {@code node-k}; fails for an id that is not one of this cluster's. */
    public int indexOf(String nodeId) {
        Objects.requireNonNull(nodeId, "nodeId");
        for (int i = 0; i < size; i++) {
            if (nodeId(i).equals(nodeId)) {
                return i;
            }
        }
        throw new AssertionError("'" + nodeId + "' is not a node of this cluster (node-1..node-" + size + ")");
    }

    /** The current incarnation of node {@code i} (null when it was never started again after a kill/terminate). */
    public ChildNode node(int i) {
        checkIndex(i);
        return nodes[i];
    }

    /** A client of node {@code i}; stays valid across restarts (the port is kept). */
    public HttpApi api(int i) {
        checkIndex(i);
        return apis[i];
    }

    public Path dataDir(int i) {
        checkIndex(i);
        return root.resolve("node-" + (i + 1));
    }

    public int httpPort(int i) {
        checkIndex(i);
        return httpPorts[i];
    }

    public int clusterPort(int i) {
        checkIndex(i);
        return clusterPorts[i];
    }

    public State state(int i) {
        checkIndex(i);
        return states.get(i);
    }

    public boolean isUp(int i) {
        return state(i) == State.UP;
    }

    /** Indexes of the UP nodes. */
    public List<Integer> upIndexes() {
        List<Integer> up = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            if (states.get(i) == State.UP) {
                up.add(i);
            }
        }
        return up;
    }

    /** The UP nodes, for load generators to rotate over (thread-safe). */
    public List<Target> liveTargets() {
        List<Target> targets = new ArrayList<>();
        for (int i : upIndexes()) {
            targets.add(new Target(i, nodeId(i), apis[i]));
        }
        return targets;
    }

    /** The node {@code i} only, whatever its state: a load pinned to one node (e.g. a deposed leader). */
    public java.util.function.Supplier<List<Target>> pinned(int i) {
        checkIndex(i);
        Target target = new Target(i, nodeId(i), apis[i]);
        return () -> List.of(target);
    }

    /** The client of a random UP node. */
    public HttpApi anyLiveApi() {
        List<Integer> up = upIndexes();
        if (up.isEmpty()) {
            throw new AssertionError("no node of " + name + " is up");
        }
        return apis[up.get(ThreadLocalRandom.current().nextInt(up.size()))];
    }

    /** kill -9 of node {@code i} (also works on a paused node); waits until the process is gone. */
    public void kill(int i) {
        ChildNode node = running(i);
        states.set(i, State.DOWN);
        node.kill();
        retire(i);
    }

    /** SIGSTOP by PID: the JVM freezes (no heartbeats, no answers) until {@link #resume(int)}. */
    public void pause(int i) {
        ChildNode node = running(i);
        if (states.get(i) != State.UP) {
            throw new IllegalStateException(nodeId(i) + " is " + states.get(i) + ", not UP");
        }
        states.set(i, State.PAUSED);
        signal(node, "STOP");
    }

    /** SIGCONT by PID. */
    public void resume(int i) {
        ChildNode node = running(i);
        if (states.get(i) != State.PAUSED) {
            throw new IllegalStateException(nodeId(i) + " is " + states.get(i) + ", not PAUSED");
        }
        signal(node, "CONT");
        states.set(i, State.UP);
    }

    /**
     * SIGTERM (a paused node is resumed first so it can act on it); returns the exit code. A node still running
     * {@link #TERMINATE_TIMEOUT} later is made to print a thread dump (SIGQUIT, kept in its saved output), killed,
     * and the call fails.
     */
    public int terminate(int i) {
        ChildNode node = running(i);
        if (states.get(i) == State.PAUSED) {
            signal(node, "CONT");
        }
        states.set(i, State.DOWN);
        try {
            signal(node, "TERM");
            long deadline = System.nanoTime() + TERMINATE_TIMEOUT.toNanos();
            while (node.isAlive() && System.nanoTime() - deadline < 0) {
                Await.pauseMs(50);
            }
            if (node.isAlive()) {
                signal(node, "QUIT"); // the JVM prints every thread's stack to its stdout
                Await.pauseMs(2000);
                node.kill();
                throw new AssertionError(nodeId(i) + " (pid " + node.pid() + ") did not exit within "
                        + TERMINATE_TIMEOUT.toSeconds() + " s of SIGTERM; killed; its thread dump is in its output"
                        + " (saved under target/cluster-logs/ on close)");
            }
            return node.terminate(Duration.ofSeconds(5)); // already gone: its exit code
        } finally {
            retire(i);
        }
    }

    /**
     * SIGTERM every node not DOWN, one at a time in index order; returns the exit codes (-1: was already DOWN; a node
     * that died by itself reports the code it died with).
     */
    public int[] terminateAll() {
        int[] codes = new int[size];
        for (int i = 0; i < size; i++) {
            codes[i] = states.get(i) != State.DOWN ? terminate(i) : -1;
        }
        return codes;
    }

    /**
     * Starts node {@code i} again (it must be DOWN) with the same data dir, ports and id, waits until it is ready and
     * every UP node sees it alive.
     */
    public void restart(int i) {
        checkIndex(i);
        if (states.get(i) != State.DOWN || (nodes[i] != null && nodes[i].isAlive())) {
            throw new IllegalStateException(nodeId(i) + " is still running; kill or terminate it first");
        }
        nodes[i] = launch(i);
        states.set(i, State.UP);
        awaitMembership(MEMBERSHIP_TIMEOUT);
    }

    private ChildNode running(int i) {
        checkIndex(i);
        ChildNode node = nodes[i];
        if (node == null || states.get(i) == State.DOWN) {
            throw new IllegalStateException(nodeId(i) + " is not running");
        }
        return node;
    }

    private void retire(int i) {
        ChildNode node = nodes[i];
        if (node != null && retiredPids.add(node.pid())) {
            synchronized (pastOutputs) {
                pastOutputs.get(i).add("==== " + nodeId(i) + " pid " + node.pid() + " (stopped) ====");
                pastOutputs.get(i).addAll(node.output());
            }
        }
    }

    private static void signal(ChildNode node, String signal) {
        if (!node.isAlive()) {
            throw new AssertionError("child node " + node.pid() + " is not alive; cannot send SIG" + signal);
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(node.pid()))
                    .redirectErrorStream(true).start();
            String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new AssertionError("kill -" + signal + " " + node.pid() + " failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("node index " + i + " of a " + size + "-node cluster (0-based)");
        }
    }

    // ---------------------------------------------------------------- membership

    /** Waits until every UP node's {@code GET /v1/cluster} shows exactly the UP nodes alive. */
    public void awaitMembership(Duration timeout) {
        Await.until(timeout, "every UP node of " + name + " sees exactly " + upIds() + " alive", () -> {
            Set<String> expected = new HashSet<>(upIds());
            for (int i : upIndexes()) {
                JsonObject view = tryGet(apis[i], "/v1/cluster");
                if (view == null) {
                    return false;
                }
                Set<String> alive = new HashSet<>();
                for (Object o : view.getJsonArray("nodes", new JsonArray())) {
                    JsonObject n = (JsonObject) o;
                    if (Boolean.TRUE.equals(n.getBoolean("alive"))) {
                        alive.add(n.getString("id"));
                    }
                }
                if (!alive.equals(expected)) {
                    return false;
                }
            }
            return true;
        });
    }

    /** The ids the UP node {@code i} reports alive in {@code GET /v1/cluster} (empty when it does not answer). */
    public Set<String> aliveSeenBy(int i) {
        JsonObject view = tryGet(api(i), "/v1/cluster");
        Set<String> alive = new HashSet<>();
        if (view != null) {
            for (Object o : view.getJsonArray("nodes", new JsonArray())) {
                JsonObject n = (JsonObject) o;
                if (Boolean.TRUE.equals(n.getBoolean("alive"))) {
                    alive.add(n.getString("id"));
                }
            }
        }
        return alive;
    }

    private List<String> upIds() {
        return upIndexes().stream().map(this::nodeId).toList();
    }

    // ---------------------------------------------------------------- partition state

    /**
     * The partition's entry of {@code GET /v1/streams/{stream}} as node {@code i} reports it, or null when the node
     * does not answer 200 (down, not ready, timed out).
     */
    public JsonObject partitionSeenBy(int i, String stream, int p) {
        JsonObject desc = tryGet(api(i), "/v1/streams/" + stream);
        if (desc == null) {
            return null;
        }
        for (Object o : desc.getJsonArray("partitions", new JsonArray())) {
            JsonObject entry = (JsonObject) o;
            if (entry.getInteger("id", -1) == p) {
                return entry;
            }
        }
        return null;
    }

    /**
     * The partition as its current leader reports it: a random UP node names the leader, and the leader, when UP,
     * answers itself. Null when there is no UP leader or a node does not answer.
     */
    public JsonObject leaderView(String stream, int p) {
        List<Integer> up = upIndexes();
        if (up.isEmpty()) {
            return null;
        }
        JsonObject view = partitionSeenBy(up.get(ThreadLocalRandom.current().nextInt(up.size())), stream, p);
        String leader = view == null ? null : view.getString("leader");
        if (leader == null || !isKnownId(leader)) {
            return null;
        }
        int index = indexOf(leader);
        if (!isUp(index)) {
            return null;
        }
        JsonObject own = partitionSeenBy(index, stream, p);
        return own != null && leader.equals(own.getString("leader")) ? own : null;
    }

    /**
     * Waits until every UP node names the same leader for the partition and that leader is an UP node (not
     * paused, not down); returns its node id.
     */
    /**
     * Creates a stream replicated on every node ({@code ackPolicy=all}) and waits until each partition has a leader
     * and a full ISR.
     */
    public void createReplicatedStream(String stream, int partitions, int minInsyncReplicas, Duration timeout) {
        api(0).createStream(new io.vertx.core.json.JsonObject().put("name", stream).put("partitions", partitions)
                .put("replicationFactor", size).put("minInsyncReplicas", minInsyncReplicas).put("ackPolicy", "all"));
        for (int p = 0; p < partitions; p++) {
            awaitLeader(stream, p, timeout);
            awaitIsr(stream, p, size, timeout);
        }
    }

    /**
     * {@link #createReplicatedStream} with {@code minInsyncReplicas} 2, then an {@link AckedLoad} on it over the live
     * nodes, once it has 200 acks. The cluster closes the load when it closes.
     */
    public AckedLoad startLoad(String loadName, String stream, int partitions, Duration timeout) {
        createReplicatedStream(stream, partitions, 2, timeout);
        AckedLoad load = AckedLoad.start(loadName, stream, partitions, this::liveTargets)
                .diagnostics(() -> diagnose(stream));
        loads.add(load);
        load.awaitAcks(200, timeout);
        return load;
    }

    public String awaitLeader(String stream, int p, Duration timeout) {
        return awaitLeaderMatching(stream, p, timeout, null);
    }

    /** As {@link #awaitLeader}, for a leader other than {@code oldLeader}. */
    public String awaitLeaderOtherThan(String stream, int p, String oldLeader, Duration timeout) {
        return awaitLeaderMatching(stream, p, timeout, oldLeader);
    }

    private String awaitLeaderMatching(String stream, int p, Duration timeout, String notThis) {
        String[] found = new String[1];
        List<String> lastViews = new ArrayList<>();
        try {
            Await.until(timeout, stream + "/" + p + ": every UP node names the same UP leader"
                    + (notThis == null ? "" : " other than " + notThis), () -> {
                String agreed = null;
                lastViews.clear();
                for (int i : upIndexes()) {
                    JsonObject view = partitionSeenBy(i, stream, p);
                    String leader = view == null ? null : view.getString("leader");
                    lastViews.add(nodeId(i) + "->" + leader);
                    if (leader == null || (agreed != null && !agreed.equals(leader))) {
                        return false;
                    }
                    agreed = leader;
                }
                if (agreed == null || !isKnownId(agreed) || !isUp(indexOf(agreed)) || agreed.equals(notThis)) {
                    return false;
                }
                found[0] = agreed;
                return true;
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last views " + lastViews + ", states " + states(), e);
        }
        return found[0];
    }

    /** Waits until the leader reports an ISR of exactly {@code size} replicas; returns the ISR. */
    public List<String> awaitIsr(String stream, int p, int size, Duration timeout) {
        JsonObject view = awaitLeaderView(stream, p, timeout, "ISR of size " + size,
                v -> v.getJsonArray("isr", new JsonArray()).size() == size);
        return strings(view.getJsonArray("isr"));
    }

    /** Waits until the leader reports {@code highWatermark >= offset}; returns the high watermark. */
    public long awaitHighWatermark(String stream, int p, long offset, Duration timeout) {
        return awaitLeaderView(stream, p, timeout, "highWatermark >= " + offset,
                v -> v.getLong("highWatermark", -1L) >= offset).getLong("highWatermark");
    }

    /**
     * Waits until everything the leader holds is committed ({@code highWatermark == endOffset - 1}) and stays so
     * over two reads 300 ms apart (call it once publishing stopped); returns the high watermark.
     */
    public long awaitCommitted(String stream, int p, Duration timeout) {
        long[] last = {Long.MIN_VALUE, Long.MIN_VALUE};
        return awaitLeaderView(stream, p, timeout, "highWatermark == endOffset - 1, stable", v -> {
            long hw = v.getLong("highWatermark", -1L);
            long end = v.getLong("endOffset", 0L);
            if (hw != end - 1) {
                last[0] = Long.MIN_VALUE;
                return false;
            }
            if (last[0] == hw && last[1] == end) {
                return true;
            }
            last[0] = hw;
            last[1] = end;
            Await.pauseMs(300);
            return false;
        }).getLong("highWatermark");
    }

    /** Waits until the leader's view satisfies {@code accept}; returns that view. */
    public JsonObject awaitLeaderView(String stream, int p, Duration timeout, String what,
            java.util.function.Predicate<JsonObject> accept) {
        JsonObject[] last = new JsonObject[1];
        try {
            return Await.value(timeout, stream + "/" + p + ": " + what, () -> {
                JsonObject view = leaderView(stream, p);
                if (view != null) {
                    last[0] = view;
                }
                return view;
            }, v -> v != null && accept.test(v));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last leader view " + last[0] + "; now " + diagnose(stream), e);
        }
    }

    /** The replicas of the partition (from the leader's view), as node indexes. */
    public List<Integer> replicaIndexes(String stream, int p, Duration timeout) {
        JsonObject view = awaitLeaderView(stream, p, timeout, "a leader view", v -> true);
        return strings(view.getJsonArray("replicas")).stream().map(this::indexOf).toList();
    }

    private boolean isKnownId(String id) {
        for (int i = 0; i < size; i++) {
            if (nodeId(i).equals(id)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> strings(JsonArray array) {
        List<String> out = new ArrayList<>();
        if (array != null) {
            array.forEach(o -> out.add(String.valueOf(o)));
        }
        return out;
    }

    /** GET as JSON, or null on anything but a 200 JSON object (down, paused, not ready...). Short timeout. */
    private static JsonObject tryGet(HttpApi api, String path) {
        try {
            HttpApi.Response r = api.request("GET", path, java.net.http.HttpRequest.BodyPublishers.noBody(),
                    java.util.Map.of(), Duration.ofSeconds(5));
            return r.status() == 200 ? r.json() : null;
        } catch (AssertionError | RuntimeException e) {
            return null;
        }
    }

    /**
     * For failure messages: the node states and, per UP node, its view of every partition of {@code stream}
     * (leader, epoch, isr, endOffset, highWatermark).
     */
    public String diagnose(String stream) {
        StringBuilder s = new StringBuilder(states());
        for (int i : upIndexes()) {
            s.append("; ").append(nodeId(i)).append(" sees ");
            JsonObject desc = tryGet(apis[i], "/v1/streams/" + stream);
            if (desc == null) {
                s.append("nothing (no 200)");
                continue;
            }
            for (Object o : desc.getJsonArray("partitions", new JsonArray())) {
                JsonObject v = (JsonObject) o;
                s.append('[').append(v.getValue("id")).append(": leader ").append(v.getValue("leader"))
                        .append(" epoch ").append(v.getValue("epoch")).append(" isr ").append(v.getValue("isr"))
                        .append(" end ").append(v.getValue("endOffset")).append(" hw ")
                        .append(v.getValue("highWatermark")).append(']');
            }
        }
        return s.toString();
    }

    /** {@code node-1=UP, node-2=DOWN, ...}. */
    public String states() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < size; i++) {
            s.append(i == 0 ? "" : ", ").append(nodeId(i)).append('=').append(states.get(i));
        }
        return s.toString();
    }

    /** The last {@code lines} lines of node {@code i}'s output (current incarnation, else the last one). */
    public String tail(int i, int lines) {
        List<String> all = new ArrayList<>();
        synchronized (pastOutputs) {
            all.addAll(pastOutputs.get(i));
        }
        if (nodes[i] != null && states.get(i) != State.DOWN) {
            all.addAll(nodes[i].output());
        }
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    // ---------------------------------------------------------------- close

    @Override
    public void close() {
        loads.forEach(AckedLoad::close);
        for (int i = 0; i < size; i++) {
            ChildNode node = nodes[i];
            if (node != null && node.isAlive()) {
                node.close(); // SIGKILL by its own handle; works on a stopped process too
                states.set(i, State.DOWN);
                retire(i);
            }
        }
        saveOutputs();
        TestNode.deleteRecursively(root);
    }

    private void saveOutputs() {
        Path target = Path.of("target");
        if (!Files.isDirectory(target)) {
            return;
        }
        Path dir = target.resolve("cluster-logs").resolve(name + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        try {
            Files.createDirectories(dir);
            for (int i = 0; i < size; i++) {
                List<String> lines;
                synchronized (pastOutputs) {
                    lines = new ArrayList<>(pastOutputs.get(i));
                }
                Files.write(dir.resolve(nodeId(i) + ".log"), lines, StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            System.err.println("ChildCluster: cannot save node outputs to " + dir + ": " + e);
        }
    }

    private static int distinctFreePort(Set<Integer> taken) {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = ChildNode.freePort();
            if (taken.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no distinct free port found");
    }

    @Override
    public String toString() {
        return "ChildCluster[" + name + ", " + clusterName + ", " + states() + "]";
    }
}
