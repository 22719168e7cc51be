package io.hawser.app;

import io.hawser.bus.Addresses;
import io.hawser.bus.Messages;
import io.hawser.cluster.ClusterMetadata;
import io.hawser.cluster.LeaderElector;
import io.hawser.partition.LeaseTable;
import io.hawser.cluster.ClusterMembership;
import io.hawser.cluster.ControllerVerticle;
import io.hawser.cluster.StreamCatalog;
import io.hawser.config.NodeConfig;
import io.hawser.http.HttpVerticle;
import io.hawser.ingest.IngestVerticle;
import io.hawser.log.LogException;
import io.hawser.log.mapdb.MapDbPartitionLog;
import io.hawser.metrics.HawserMetrics;
import io.hawser.metrics.HealthChecks;
import io.hawser.metrics.Metrics;
import io.hawser.delivery.SubscriberRegistry;
import io.hawser.mirror.MirrorVerticle;
import io.hawser.mirror.UpstreamPolicy;
import io.hawser.nats.NatsBridgeVerticle;
import io.hawser.storage.DiskSpace;
import io.hawser.storage.StorageVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** A running Hawser node: Vert.x plus its verticles over one data directory. */
public final class HawserNode {
    private static final System.Logger LOG = System.getLogger(HawserNode.class.getName());
    /** A leader acknowledges only within this long of its last confirmed lock check (renewed every 0.4 s). */
    private static final long LEASE_MS = 2_000;

    private final NodeConfig config;
    private final Vertx vertx;
    private final FileLock dataDirLock;
    private final ClusterMembership membership;
    private final List<String> deployments = new ArrayList<>();
    private final AtomicInteger httpPort = new AtomicInteger();
    private final AtomicBoolean ready = new AtomicBoolean();
    private final HealthChecks health = new HealthChecks();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile ClusterMetadata metadata;
    private volatile LeaderElector elector;

    private HawserNode(NodeConfig config, Vertx vertx, FileLock dataDirLock, ClusterMembership membership) {
        this.config = config;
        this.vertx = vertx;
        this.dataDirLock = dataDirLock;
        this.membership = membership;
    }

    /** Starts a node. The returned future fails with a clear message when the data directory cannot be used. */
    public static Future<HawserNode> start(NodeConfig requested) {
        NodeConfig config;
        FileLock lock;
        try {
            Files.createDirectories(requested.dataDir());
            lock = lockDataDir(requested.dataDir());
            config = requested.nodeId().isEmpty() ? requested.withNodeId(persistedNodeId(requested.dataDir()))
                    : requested;
        } catch (IOException | RuntimeException e) {
            return Future.failedFuture(new LogException("cannot use data directory " + requested.dataDir() + ": "
                    + e.getMessage(), e));
        }
        ClusterMembership membership;
        try {
            membership = ClusterMembership.join(config);
        } catch (RuntimeException e) {
            releaseLock(lock);
            return Future.failedFuture(new IllegalStateException("cannot join the cluster on " + config.clusterHost()
                    + ":" + config.clusterPort() + ": " + e.getMessage(), e));
        }
        Metrics metrics = new Metrics();
        VertxOptions options = metrics.vertxOptions();
        options.getEventBusOptions().setHost(config.clusterHost()).setPort(0);
        // Completed off Vert.x: after a failed start Vert.x is closed and its event loops run no more callbacks.
        java.util.concurrent.CompletableFuture<HawserNode> started = new java.util.concurrent.CompletableFuture<>();
        Vertx.builder().with(options).withMetrics(metrics.vertxMetricsFactory())
                .withClusterManager(membership.clusterManager()).buildClustered()
                .onComplete(vertx -> {
                    Messages.registerCodecs(vertx.eventBus());
                    HawserNode node = new HawserNode(config, vertx, lock, membership);
                    node.deploy(metrics).onComplete(ok -> started.complete(node), failure -> node.close()
                            .toCompletionStage().whenComplete((v, e) -> started.completeExceptionally(failure)));
                }, failure -> {
                    membership.leave();
                    releaseLock(lock);
                    started.completeExceptionally(failure);
                });
        return Future.fromCompletionStage(started);
    }

    private Future<Void> deploy(Metrics metrics) {
        StreamCatalog catalog;
        try {
            catalog = StreamCatalog.open(config.dataDir().resolve("streams.json"), config.nodeId());
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        LeaseTable leases = new LeaseTable();
        httpPort.set(config.httpPort());
        health.register("partitionsLoaded", true, ready::get);
        health.register("clusterJoined", true, membership::cpGroupReady);
        Clock clock = Clock.systemUTC();
        HawserMetrics hawserMetrics = new HawserMetrics(metrics.registry());
        SubscriberRegistry subscribers = new SubscriberRegistry();
        vertx.setPeriodic(1_000, id -> hawserMetrics.subscribers(subscribers.snapshot()));
        // Room to roll at least two segments. Storage measures the disk every 250 ms (statfs, off the event loop).
        long minFreeBytes = Math.max(64L << 20, 2 * config.segmentBytes());
        DiskSpace disk = new DiskSpace(config.dataDir());
        vertx.executeBlocking(() -> {
            disk.refresh();
            return null;
        }, false);
        vertx.setPeriodic(1_000, id -> {
            if (disk.totalBytes() >= 0) {
                hawserMetrics.disk(disk.freeBytes(), disk.totalBytes());
            }
        });
        health.register("diskSpace", false, () -> disk.freeBytes() >= minFreeBytes);
        int loops = Math.max(1, Runtime.getRuntime().availableProcessors());
        return vertx.executeBlocking(() -> {
                    metadata = ClusterMetadata.start(membership, catalog, this::metadataChanged,
                            c -> vertx.eventBus().publish(Addresses.CURSOR_STORED, new Messages.CursorSaved(c.stream(),
                                    c.incarnation(), c.cursor(), c.partition(), c.offset(), c.updatedMs())));
                    return null;
                })
                // The controller first: storage offers its stored cursor positions to it at start.
                .compose(v -> deploy(new ControllerVerticle(metadata, catalog, membership)))
                .compose(v -> deploy(new StorageVerticle(config, catalog, clock, MapDbPartitionLog::open,
                        hawserMetrics, leases,
                        (stream, partition, epoch, isr) -> metadata.writeIsr(stream, partition, epoch, isr),
                        node -> membership.liveNodeIds().contains(node), disk)))
                .compose(v -> deploy(new IngestVerticle(catalog)))
                .compose(v -> vertx.executeBlocking(() -> {
                    elector = new LeaderElector(membership, metadata, catalog, vertx, leases, LEASE_MS);
                    awaitLeaders(catalog, 10_000);
                    return null;
                }).<Void>mapEmpty())
                .compose(v -> config.natsUrl().isEmpty() ? Future.<Void>succeededFuture()
                        : deploy(new NatsBridgeVerticle(config, catalog, metrics.registry(), health)))
                .compose(v -> deploy(new HttpVerticle(config, catalog, metrics, health, membership, subscribers, httpPort)))
                .compose(v -> {
                    Future<Void> more = Future.succeededFuture();
                    for (int i = 1; i < loops; i++) {
                        more = more.compose(x -> deploy(new HttpVerticle(config, catalog, metrics, health, membership,
                                subscribers, httpPort)));
                    }
                    return more;
                })
                .compose(v -> deploy(new MirrorVerticle(catalog, config.nodeId(),
                        new UpstreamPolicy(config.mirrorAllowedUrls()), this::localHttpUrl, hawserMetrics)))
                .compose(v -> vertx.executeBlocking(() -> {
                    membership.advertiseHttpUrl("http://" + config.httpHost() + ":" + httpPort.get());
                    return null;
                }).<Void>mapEmpty())
                .onSuccess(v -> {
                    ready.set(true);
                    LOG.log(System.Logger.Level.INFO, "Hawser node " + config.nodeId() + " ready on http://"
                            + config.httpHost() + ":" + httpPort.get() + " (data in " + config.dataDir() + ")");
                });
    }

    /**
     * Waits (bounded) until every partition has a live leader, so a node reports ready only once the partitions it
     * can lead are led. Blocking.
     */
    private void awaitLeaders(StreamCatalog catalog, long maxMs) throws InterruptedException {
        long deadline = System.nanoTime() + maxMs * 1_000_000L;
        while (System.nanoTime() < deadline) {
            java.util.Set<String> live = new java.util.HashSet<>(membership.liveNodeIds());
            boolean allLed = catalog.entries().stream().filter(e -> !e.deleted())
                    .flatMap(e -> e.partitions().stream())
                    .allMatch(p -> p.leader() != null && live.contains(p.leader()));
            if (allLed) {
                return;
            }
            Thread.sleep(20);
        }
        LOG.log(System.Logger.Level.WARNING, "some partitions still have no leader; serving the others");
    }

    /** A stream's metadata changed (on a Hazelcast thread): storage reconciles, the elector looks again. */
    private void metadataChanged(String stream) {
        vertx.eventBus().publish(Addresses.STREAMS_CHANGED, new Messages.StreamName(stream));
        LeaderElector e = elector;
        if (e != null) {
            e.wakeUp();
        }
    }

    private Future<Void> deploy(io.vertx.core.Verticle verticle) {
        return vertx.deployVerticle(verticle, new DeploymentOptions().setThreadingModel(ThreadingModel.EVENT_LOOP))
                .map(id -> {
                    deployments.add(id);
                    return null;
                });
    }

    public NodeConfig config() {
        return config;
    }

    public String nodeId() {
        return config.nodeId();
    }

    public int httpPort() {
        return httpPort.get();
    }

    public Vertx vertx() {
        return vertx;
    }

    /** This node's own API as the node itself reaches it (a wildcard bind address is reached on loopback). */
    private String localHttpUrl() {
        String host = config.httpHost();
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            host = "127.0.0.1";
        }
        return "http://" + host + ":" + httpPort.get();
    }

    /**
     * Stops serving, then closes storage (which syncs every log) and Vert.x; undeploys in reverse order so that no
     * request is accepted while the logs close.
     */
    public Future<Void> close() {
        if (!closed.compareAndSet(false, true)) {
            return Future.succeededFuture();
        }
        ready.set(false);
        // Hand every led partition to an in-sync follower first, so a rolling restart only pauses publishers.
        // Off Vert.x (no context): the chain below must still complete after Vert.x stopped its event loops.
        Future<Void> chain = Future.fromCompletionStage(java.util.concurrent.CompletableFuture.runAsync(() -> {
            LeaderElector e = elector;
            if (e != null) {
                e.handOver(5_000);
                e.close();
            }
            ClusterMetadata m = metadata;
            if (m != null) {
                m.close();
            }
        }));
        List<String> reversed = new ArrayList<>(deployments);
        java.util.Collections.reverse(reversed);
        for (String id : reversed) {
            chain = chain.compose(v -> vertx.undeploy(id)
                    .recover(e -> {
                        LOG.log(System.Logger.Level.WARNING, "undeploy failed: " + e.getMessage());
                        return Future.succeededFuture();
                    }));
        }
        // Completed off Vert.x: once Vert.x is closed its event loops can no longer run callbacks.
        java.util.concurrent.CompletableFuture<Void> closedAll = chain.eventually(() -> vertx.close())
                .toCompletionStage().toCompletableFuture()
                .whenComplete((v, e) -> {
                    membership.leave();
                    releaseLock(dataDirLock);
                });
        return Future.fromCompletionStage(closedAll);
    }

    private static void releaseLock(FileLock lock) {
        try {
            lock.release();
            lock.channel().close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot release the data directory lock: " + e.getMessage());
        }
    }

    private static FileLock lockDataDir(Path dataDir) throws IOException {
        FileChannel channel = FileChannel.open(dataDir.resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                throw new IOException("another Hawser node is using it");
            }
            return lock;
        } catch (OverlappingFileLockException e) {
            channel.close();
            throw new IOException("another Hawser node in this process is using it");
        }
    }

    private static String persistedNodeId(Path dataDir) throws IOException {
        Path file = dataDir.resolve("node-id");
        if (Files.exists(file)) {
            return Files.readString(file).trim();
        }
        String id = "node-" + UUID.randomUUID().toString().substring(0, 8);
        Files.writeString(file, id);
        return id;
    }
}
