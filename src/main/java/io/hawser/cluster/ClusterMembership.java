package io.hawser.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.hawser.config.NodeConfig;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * This node's membership of the Hazelcast cluster that carries Vert.x's clustered event bus: configuration (TCP/IP
 * members from {@code join}, its own cluster name, loopback by default, multicast off, fast failure detection), the
 * live members, and the controller (the oldest member).
 *
 * <p>Threading: {@link #join} blocks (Hazelcast start-up), call it off the event loops; the queries are thread-safe.
 */
public final class ClusterMembership {
    private static final System.Logger LOG = System.getLogger(ClusterMembership.class.getName());
    private static final String NODE_ID_ATTRIBUTE = "hawser.nodeId";
    private static final String HTTP_URLS = "hawser.node-http-urls";

    /** A node as {@code GET /v1/cluster} shows it. */
    public record Node(String id, String httpUrl, boolean alive) {
    }

    private final NodeConfig config;
    private final HazelcastInstance hazelcast;
    private volatile boolean cpReady;

    private ClusterMembership(NodeConfig config, HazelcastInstance hazelcast) {
        this.config = config;
        this.hazelcast = hazelcast;
    }

    /**
     * Starts Hazelcast and joins the cluster given by {@code config.join()} (none: a one-node cluster).
     *
     * @throws IllegalStateException when another live member already uses this node id
     */
    public static ClusterMembership join(NodeConfig config) {
        HazelcastInstance hz = Hazelcast.newHazelcastInstance(hazelcastConfig(config));
        ClusterMembership membership = new ClusterMembership(config, hz);
        long sameId = hz.getCluster().getMembers().stream()
                .filter(m -> config.nodeId().equals(m.getAttribute(NODE_ID_ATTRIBUTE))).count();
        if (sameId > 1) {
            hz.shutdown();
            throw new IllegalStateException("another live cluster member already has node id '" + config.nodeId()
                    + "'");
        }
        if (cpMembers(config) > 0) {
            membership.keepCpGroupFull();
        } else {
            LOG.log(System.Logger.Level.WARNING, "fewer than 3 cluster members configured: the CP subsystem runs in "
                    + "Hazelcast's unsafe mode (leader locks are not split-brain safe); run 3 or more nodes");
        }
        return membership;
    }

    /**
     * CP members are fixed Hazelcast members: one that restarts comes back as a new member outside the CP group.
     * Every few seconds a non-CP member promotes itself while the group has fewer than 3 members (departed ones are
     * removed by the survivors, see {@link LeaderElector}), so rolling restarts never leave CP without a majority.
     */
    private void keepCpGroupFull() {
        java.util.concurrent.ScheduledExecutorService cpKeeper = java.util.concurrent.Executors
                .newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "hawser-cp-keeper");
                    t.setDaemon(true);
                    return t;
                });
        cpKeeper.scheduleWithFixedDelay(() -> {
            if (!hazelcast.getLifecycleService().isRunning()) {
                cpKeeper.shutdown();
                return;
            }
            try {
                var cp = hazelcast.getCPSubsystem().getCPSubsystemManagementService();
                if (cp.getLocalCPMember() != null) {
                    cpReady = true;
                    return;
                }
                int members = cp.getCPMembers().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS)
                        .size();
                if (members < cpMembers(config)) {
                    cpReady = false;
                    cp.promoteToCPMember().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
                    LOG.log(System.Logger.Level.INFO, "promoted node " + config.nodeId() + " to CP member");
                } else {
                    cpReady = true; // the CP group is full without this node
                }
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "CP group check failed: " + e);
            }
        }, 0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    /**
     * False while this node waits to take a free CP seat: a rolling restart must not stop the next node before
     * then, or the CP group (and leader election with it) loses its majority. Always true without CP.
     */
    public boolean cpGroupReady() {
        return cpMembers(config) == 0 || cpReady;
    }

    static Config hazelcastConfig(NodeConfig c) {
        Config hz = new Config();
        hz.setClusterName(c.clusterName());
        hz.setInstanceName("hawser-" + c.nodeId() + "-" + c.clusterPort()); // unique per JVM, readable in logs
        hz.setProperty("hazelcast.logging.type", "jdk");
        hz.setProperty("hazelcast.phone.home.enabled", "false");
        hz.setProperty("hazelcast.shutdownhook.enabled", "false");
        hz.setProperty("hazelcast.socket.bind.any", "false");
        // Detect a frozen member after 10 s (5 s once split a healthy cluster); a killed one goes at once.
        hz.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        hz.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
        hz.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
        // Survivors of a frozen master can split from each other (a mastership claim that races the other
        // survivor's own suspicion). Each half then lacks a CP majority, so heal such a split within seconds, not
        // the default 2 minutes; CP member identities survive the merge, so Raft elects again right after it.
        hz.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
        // Leaving waits for Hazelcast's own data to migrate; bound it (the default is 600 s, and a CP group that
        // already lost members can never finish). Hawser's data is in its partition logs, not in Hazelcast.
        hz.setProperty("hazelcast.graceful.shutdown.max.wait", "10");
        hz.getMemberAttributeConfig().setAttribute(NODE_ID_ATTRIBUTE, c.nodeId());
        // Vert.x's cluster manager, given a ready Hazelcast instance, reads its own node id from this attribute.
        hz.getMemberAttributeConfig().setAttribute("__vertx.nodeId", java.util.UUID.randomUUID().toString());

        NetworkConfig network = hz.getNetworkConfig();
        network.setPort(c.clusterPort()).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).addInterface(c.clusterHost());
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(members(c));

        hz.getCPSubsystemConfig().setCPMemberCount(cpMembers(c))
                // A dead CP leader is replaced about a second after its member leaves. Followers look for a lost
                // leader, and retry a split vote, every 0.5-1.5 s: Hazelcast adds a random 0-1 s to the election
                // timeout (default 2 s). A live but slow leader is still given 5 s of missed heartbeats
                // (10 x 500 ms), as by default, so a busy machine does not start needless elections.
                .setRaftAlgorithmConfig(new com.hazelcast.config.cp.RaftAlgorithmConfig()
                        .setLeaderElectionTimeoutInMillis(500).setLeaderHeartbeatPeriodInMillis(500)
                        .setMaxMissedLeaderHeartbeatCount(10))
                .setSessionHeartbeatIntervalSeconds(1)
                // Backs up the survivors' removal of a departed CP member (the default waits 4 hours).
                .setMissingCPMemberAutoRemovalSeconds(30)
                // Survivors close a departed member's sessions at once; the TTL only backs that up.
                .setSessionTimeToLiveSeconds(30);
        // The maps Vert.x's clustered event bus keeps (as in vertx-hazelcast's default-cluster.xml).
        hz.addMultiMapConfig(new MultiMapConfig("__vertx.subs").setBackupCount(1)
                .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
        hz.addMapConfig(new MapConfig("__vertx.haInfo").setBackupCount(1));
        hz.addMapConfig(new MapConfig("__vertx.nodeInfo").setBackupCount(1));
        // Stream metadata: every node also keeps it on disk; in memory it survives two members lost at once.
        hz.addMapConfig(new MapConfig(ClusterMetadata.STREAMS_MAP).setBackupCount(2));
        hz.addMapConfig(new MapConfig(ClusterMetadata.CURSORS_MAP).setBackupCount(2));
        return hz;
    }

    private static List<String> members(NodeConfig c) {
        Set<String> members = new LinkedHashSet<>(c.join());
        members.add(c.clusterHost() + ":" + c.clusterPort());
        return new ArrayList<>(members);
    }

    /** CP (Raft) needs 3 members; a smaller configured cluster runs CP in unsafe mode (0). */
    private static int cpMembers(NodeConfig c) {
        return members(c).size() >= 3 ? 3 : 0;
    }

    /** The Vert.x cluster manager over this membership's Hazelcast instance. */
    public ClusterManager clusterManager() {
        return new HazelcastClusterManager(hazelcast);
    }

    /** Publishes this node's HTTP address for {@code /v1/cluster}; blocking (a map write). */
    public void advertiseHttpUrl(String httpUrl) {
        httpUrls().put(config.nodeId(), httpUrl);
    }

    /** Live members first (oldest first), then nodes seen before that are not members now. */
    public List<Node> nodes() {
        Map<String, String> urls = Map.copyOf(httpUrls());
        List<Node> nodes = new ArrayList<>();
        Set<String> live = new LinkedHashSet<>();
        for (Member m : hazelcast.getCluster().getMembers()) {
            String id = m.getAttribute(NODE_ID_ATTRIBUTE);
            live.add(id);
            nodes.add(new Node(id, urls.get(id), true));
        }
        urls.forEach((id, url) -> {
            if (!live.contains(id)) {
                nodes.add(new Node(id, url, false));
            }
        });
        return nodes;
    }

    HazelcastInstance hazelcast() {
        return hazelcast;
    }

    public String nodeId() {
        return config.nodeId();
    }

    /** Node ids of the live members, oldest first. */
    public List<String> liveNodeIds() {
        List<String> ids = new ArrayList<>();
        for (Member m : hazelcast.getCluster().getMembers()) {
            ids.add(m.getAttribute(NODE_ID_ATTRIBUTE));
        }
        return ids;
    }

    static String nodeIdOf(Member m) {
        return m.getAttribute(NODE_ID_ATTRIBUTE);
    }

    public int liveNodes() {
        return hazelcast.getCluster().getMembers().size();
    }

    /** The oldest live member's node id. */
    public String controller() {
        Member oldest = hazelcast.getCluster().getMembers().iterator().next();
        return oldest.getAttribute(NODE_ID_ATTRIBUTE);
    }

    private IMap<String, String> httpUrls() {
        return hazelcast.getMap(HTTP_URLS);
    }

    /**
     * Leaves the cluster; call after Vert.x has closed. Blocking, bounded: a graceful leave that cannot finish (the
     * CP group lost its majority when the last nodes stop) falls back to terminating the member.
     */
    public void leave() {
        Thread graceful = new Thread(hazelcast::shutdown, "hawser-cluster-leave");
        graceful.setDaemon(true);
        graceful.start();
        try {
            graceful.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (graceful.isAlive()) {
            LOG.log(System.Logger.Level.WARNING, "graceful cluster leave did not finish in 15 s; terminating");
            hazelcast.getLifecycleService().terminate();
        }
    }
}
