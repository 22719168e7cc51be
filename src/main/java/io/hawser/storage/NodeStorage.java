package io.hawser.storage;

import io.hawser.log.LogConfig;
import io.hawser.log.LogException;
import io.hawser.log.LogStats;
import io.hawser.log.PartitionLog;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.PartitionStatus;
import io.hawser.model.StreamConfig;
import io.hawser.partition.IsrStore;
import io.hawser.partition.LeaderLease;
import io.hawser.partition.PartitionLeader;
import io.hawser.partition.ReplicaSet;
import io.hawser.model.PartitionState;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.BiFunction;
import java.util.stream.Stream;

/**
 * The partition replicas and cursor stores this node hosts, on disk under {@code <dataDir>/streams/<stream>/}.
 * Which partitions it hosts follows the cluster metadata ({@link #reconcile}); whether it leads or follows each one
 * follows the elector ({@link #lead}, {@link #follow}).
 *
 * <p>Threading: every method blocks (file I/O); callers run them on worker threads. Lookups ({@link #leader},
 * {@link #replica}) are lock-free and safe anywhere.
 */
final class NodeStorage implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(NodeStorage.class.getName());

    private final String nodeId;
    private final Path streamsDir;
    private final LogConfig logConfig;
    private final Clock clock;
    private final ExecutorService appendPool;
    private final BiFunction<Path, LogConfig, PartitionLog> logOpener;
    private final long maxLagMs;
    private final Map<String, HostedStream> streams = new ConcurrentHashMap<>();

    /** {@code replicas[p]} is null for a partition this node holds no copy of. */
    private record HostedStream(StreamConfig config, long incarnation, Replica[] replicas, CursorStore cursors) {
    }

    NodeStorage(String nodeId, Path dataDir, LogConfig logConfig, Clock clock, ExecutorService appendPool,
                BiFunction<Path, LogConfig, PartitionLog> logOpener, long maxLagMs) {
        this.logOpener = logOpener;
        this.nodeId = nodeId;
        this.streamsDir = dataDir.resolve("streams");
        this.logConfig = logConfig;
        this.clock = clock;
        this.appendPool = appendPool;
        this.maxLagMs = maxLagMs;
    }

    /**
     * Brings the hosted replicas in line with a stream's metadata: opens the partitions placed on this node (as
     * followers until elected), closes and deletes those moved away, steps down where another leader took over,
     * and deletes everything of a deleted stream. Returns the partitions this node should now follow.
     */
    synchronized List<Integer> reconcile(StreamConfig config, long incarnation, List<PartitionState> states) {
        if (config == null) {
            return List.of();
        }
        HostedStream hosted = streams.get(config.name());
        if (hosted != null && hosted.incarnation() != incarnation) {
            delete(config.name()); // deleted and created again while this node was not looking
            hosted = null;
        }
        Path dir = streamsDir.resolve(config.name());
        if (hosted == null) {
            PartitionLog cursorLog = logOpener.apply(dir.resolve("cursors"), logConfig);
            hosted = new HostedStream(config, incarnation, new Replica[config.partitions()],
                    new CursorStore(cursorLog, clock));
        } else {
            hosted = new HostedStream(config, incarnation, hosted.replicas(), hosted.cursors());
        }
        streams.put(config.name(), hosted);
        List<Integer> following = new ArrayList<>();
        for (int p = 0; p < states.size() && p < hosted.replicas().length; p++) {
            PartitionState state = states.get(p);
            Replica r = hosted.replicas()[p];
            boolean placedHere = state.replicas().contains(nodeId);
            if (placedHere && r == null) {
                Path logDir = dir.resolve(Integer.toString(p)).resolve("log");
                boolean empty = !Files.exists(logDir);
                PartitionLog log = logOpener.apply(logDir, logConfig);
                r = new Replica(config.name(), p, log);
                if (empty && state.epoch() > 0) {
                    r.startedEmpty(); // the partition had a leader, so it may hold data this copy lacks
                }
                hosted.replicas()[p] = r;
            } else if (!placedHere && r != null) {
                r.close();
                r.log.delete();
                hosted.replicas()[p] = null;
                deleteTree(dir.resolve(Integer.toString(p)));
                continue;
            }
            if (r == null) {
                continue;
            }
            PartitionLeader leader = r.leader();
            if (leader != null) {
                // Only a newer epoch deposes: an older state is metadata this leader has not recorded over yet.
                boolean superseded = state.epoch() > leader.epoch();
                if (superseded || leader.deposed()) {
                    LOG.log(System.Logger.Level.INFO, "partition " + config.name() + "/" + p + " now led by "
                            + state.leader() + " at epoch " + state.epoch() + "; following");
                    r.follow();
                } else {
                    leader.setReplicas(state.replicas());
                    leader.setDedupWindowMs(config.dedupWindowMs());
                    leader.setMinInsyncReplicas(config.minInsyncReplicas());
                }
            }
            if (r.follower() != null) {
                following.add(p);
            }
        }
        return following;
    }

    /**
     * Leads a hosted partition at an epoch of at least {@code minEpoch} (and above every epoch in its log).
     * Returns the epoch.
     */
    int lead(String stream, int partition, long minEpoch, PartitionState state, LeaderLease lease, IsrStore isr) {
        Replica r = replica(stream, partition);
        if (r == null) {
            throw new HawserException(ErrorCode.NO_LEADER, "this node holds no replica of " + stream + "/"
                    + partition);
        }
        HostedStream hosted = hosted(stream);
        synchronized (r) {
            if (r.leader() != null) {
                r.follow();
            }
            int lastEpoch = r.log.epochStartOffsets().isEmpty() ? 0 : r.log.epochStartOffsets().lastKey();
            long epoch = Math.max(minEpoch, lastEpoch + 1L);
            if (epoch > Integer.MAX_VALUE) {
                throw new IllegalStateException("leader epoch overflow for " + stream + "/" + partition);
            }
            List<String> isrNow = new ArrayList<>(state.isr());
            if (!isrNow.contains(nodeId)) {
                isrNow.add(nodeId);
            }
            ReplicaSet replicas = new ReplicaSet(nodeId, state.replicas(), isrNow,
                    hosted.config().minInsyncReplicas(), maxLagMs, r.highWatermark());
            PartitionLeader leader = new PartitionLeader(stream, partition, r.log, (int) epoch,
                    hosted.config().dedupWindowMs(), clock, appendPool, replicas, lease, isr);
            r.lead(leader);
            return (int) epoch;
        }
    }

    /**
     * Stops leading a partition (if this node does) and follows. A leader whose disk write failed is not continued:
     * its log is closed and opened again (which re-verifies the files and cuts a torn tail), and a fresh replica
     * follows, so the next leadership starts from what the disk really holds.
     */
    void follow(String stream, int partition) {
        Replica r = replica(stream, partition);
        if (r == null) {
            return;
        }
        PartitionLeader leader = r.leader();
        if (leader != null && leader.storageFailed()) {
            reopen(stream, partition, r);
        } else {
            r.follow();
        }
    }

    private synchronized void reopen(String stream, int partition, Replica failed) {
        HostedStream hosted = streams.get(stream);
        failed.close();
        closeQuietly(failed.log);
        if (hosted == null || hosted.replicas()[partition] != failed) {
            return; // deleted or replaced meanwhile
        }
        Path logDir = streamsDir.resolve(stream).resolve(Integer.toString(partition)).resolve("log");
        try {
            hosted.replicas()[partition] = new Replica(stream, partition, logOpener.apply(logDir, logConfig));
            LOG.log(System.Logger.Level.WARNING, "partition " + stream + "/" + partition + " reopened after a failed "
                    + "disk write; it follows until the disk has room and it is elected again");
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "partition " + stream + "/" + partition + " cannot be reopened after "
                    + "a failed disk write (" + e.getMessage() + "); restart the node once the disk is fixed");
        }
    }

    synchronized void delete(String stream) {
        HostedStream hosted = streams.remove(stream);
        if (hosted != null) {
            for (Replica r : hosted.replicas()) {
                if (r != null) {
                    r.close();
                    r.log.delete();
                }
            }
            hosted.cursors().delete();
        }
        deleteTree(streamsDir.resolve(stream));
    }

    /** Removes the directories of streams that no longer exist (a delete interrupted by a crash). */
    void removeUnknown(Set<String> known) {
        if (!Files.isDirectory(streamsDir)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(streamsDir)) {
            for (Path dir : dirs.toList()) {
                if (!known.contains(dir.getFileName().toString())) {
                    deleteTree(dir);
                }
            }
        } catch (IOException e) {
            throw new LogException("cannot list " + streamsDir + ": " + e.getMessage(), e);
        }
    }

    /** This node's replica of a partition, or null when it holds none. */
    Replica replica(String stream, int partition) {
        HostedStream hosted = streams.get(stream);
        if (hosted == null || partition < 0 || partition >= hosted.replicas().length) {
            return null;
        }
        return hosted.replicas()[partition];
    }

    /** The leader of a partition this node leads now. */
    PartitionLeader leader(String stream, int partition) {
        HostedStream hosted = hosted(stream);
        if (partition < 0 || partition >= hosted.replicas().length) {
            throw new HawserException(ErrorCode.PARTITION_NOT_FOUND, "stream '" + stream + "' has no partition "
                    + partition + " (it has " + hosted.replicas().length + ")");
        }
        Replica r = hosted.replicas()[partition];
        PartitionLeader leader = r == null ? null : r.leader();
        if (leader == null) {
            throw new HawserException(ErrorCode.NO_LEADER, "node " + nodeId + " does not lead " + stream + "/"
                    + partition + " now; retry");
        }
        return leader;
    }

    /** False once {@code leader} no longer leads here (deleted stream, lost leadership). */
    boolean isCurrent(PartitionLeader leader) {
        Replica r = replica(leader.stream(), leader.partition());
        return r != null && r.leader() == leader;
    }

    /** Keeps a copy of a cluster-stored position when this node hosts that incarnation of the stream. */
    void keepCursor(io.hawser.bus.Messages.CursorSaved c) {
        HostedStream hosted = streams.get(c.stream());
        if (hosted != null && hosted.incarnation() == c.incarnation()) {
            hosted.cursors().put(c.cursor(), c.partition(), c.offset(), c.updatedMs());
        }
    }

    /** Every position kept on this node's disk. */
    List<io.hawser.bus.Messages.CursorSaved> cursorPositions() {
        List<io.hawser.bus.Messages.CursorSaved> all = new ArrayList<>();
        for (Map.Entry<String, HostedStream> e : streams.entrySet()) {
            for (CursorStore.Position p : e.getValue().cursors().positions()) {
                all.add(new io.hawser.bus.Messages.CursorSaved(e.getKey(), e.getValue().incarnation(), p.cursor(),
                        p.partition(), p.offset(), p.updatedMs()));
            }
        }
        return all;
    }

    private HostedStream hosted(String stream) {
        HostedStream hosted = streams.get(stream);
        if (hosted == null) {
            throw new HawserException(ErrorCode.STREAM_NOT_FOUND, "stream '" + stream + "' does not exist");
        }
        return hosted;
    }

    /** What this node's replicas of a stream hold, by partition (absent where it holds none). */
    Map<Integer, PartitionStatus> localStatus(String stream, List<PartitionState> states) {
        HostedStream hosted = streams.get(stream);
        Map<Integer, PartitionStatus> result = new java.util.TreeMap<>();
        if (hosted == null) {
            return result;
        }
        for (int p = 0; p < hosted.replicas().length && p < states.size(); p++) {
            Replica r = hosted.replicas()[p];
            if (r == null) {
                continue;
            }
            PartitionState state = states.get(p);
            PartitionLeader leader = r.leader();
            LogStats s;
            try {
                s = r.log.stats();
            } catch (LogException closedMeanwhile) {
                continue; // reopened or removed this instant: the caller reports the metadata's view
            }
            List<String> isr = leader != null ? leader.isr() : state.isr();
            result.put(p, new PartitionStatus(p, state.leader(), state.epoch(), state.replicas(), isr,
                    s.startOffset(), s.endOffset(), r.highWatermark(), s.messages(), s.bytes(),
                    r.mirrorProgress()));
        }
        return result;
    }

    /** The size of every replica this node hosts. */
    List<io.hawser.metrics.HawserMetrics.ReplicaSize> sizes() {
        List<io.hawser.metrics.HawserMetrics.ReplicaSize> sizes = new ArrayList<>();
        for (HostedStream hosted : streams.values()) {
            for (Replica r : hosted.replicas()) {
                if (r != null && !r.closed()) {
                    try {
                        sizes.add(new io.hawser.metrics.HawserMetrics.ReplicaSize(r.stream, r.partition,
                                r.log.stats().bytes()));
                    } catch (LogException e) {
                        // closed or failed meanwhile: no figure this round
                    }
                }
            }
        }
        return sizes;
    }

    /** The partitions this node leads now. */
    List<PartitionLeader> leaders() {
        List<PartitionLeader> result = new ArrayList<>();
        for (HostedStream hosted : streams.values()) {
            for (Replica r : hosted.replicas()) {
                PartitionLeader l = r == null ? null : r.leader();
                if (l != null) {
                    result.add(l);
                }
            }
        }
        return result;
    }

    /**
     * Retention on every hosted replica, and compaction for compacted streams where everything is committed (a
     * record past the high watermark may still be truncated, so it must not decide what compaction drops).
     */
    void maintain() {
        for (HostedStream hosted : streams.values()) {
            for (Replica r : hosted.replicas()) {
                if (r == null || r.closed()) {
                    continue;
                }
                try {
                    if (!hosted.config().retention().isUnlimited()) {
                        r.log.enforceRetention(hosted.config().retention());
                    }
                    if (hosted.config().compact() && r.highWatermark() >= r.log.endOffset() - 1) {
                        r.log.compact();
                    }
                } catch (LogException e) {
                    LOG.log(System.Logger.Level.WARNING, "maintenance of " + r.stream + "/" + r.partition
                            + " failed: " + e.getMessage());
                }
            }
            hosted.cursors().compact();
        }
    }

    @Override
    public synchronized void close() {
        for (HostedStream hosted : streams.values()) {
            for (Replica r : hosted.replicas()) {
                if (r != null) {
                    r.close();
                    closeQuietly(r.log);
                }
            }
            closeQuietly(hosted.cursors());
        }
        streams.clear();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "close failed: " + e.getMessage());
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new LogException("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }
}
