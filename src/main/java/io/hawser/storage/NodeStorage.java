package io.hawser.storage;

import io.hawser.log.LogConfig;
import io.hawser.log.LogException;
import io.hawser.log.LogStats;
import io.hawser.log.PartitionLog;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.PartitionStatus;
import io.hawser.model.StreamConfig;
import io.hawser.partition.PartitionLeader;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
 * The partitions and cursor stores this node hosts, on disk under {@code <dataDir>/streams/<stream>/}.
 *
 * <p>Threading: every method blocks (file I/O); callers run them on worker threads. Lookups
 * ({@link #leader}) are lock-free and safe anywhere.
 */
final class NodeStorage implements AutoCloseable {
    private final String nodeId;
    private final Path streamsDir;
    private final LogConfig logConfig;
    private final Clock clock;
    private final ExecutorService appendPool;
    private final BiFunction<Path, LogConfig, PartitionLog> logOpener;
    private final Map<String, HostedStream> streams = new ConcurrentHashMap<>();

    private record HostedStream(StreamConfig config, PartitionLeader[] partitions, CursorStore cursors) {
    }

    NodeStorage(String nodeId, Path dataDir, LogConfig logConfig, Clock clock, ExecutorService appendPool,
                BiFunction<Path, LogConfig, PartitionLog> logOpener) {
        this.logOpener = logOpener;
        this.nodeId = nodeId;
        this.streamsDir = dataDir.resolve("streams");
        this.logConfig = logConfig;
        this.clock = clock;
        this.appendPool = appendPool;
    }

    /** Opens (creating when new) every partition of {@code config}; a no-op for a stream already open. */
    synchronized void open(StreamConfig config) {
        HostedStream existing = streams.get(config.name());
        if (existing != null) {
            streams.put(config.name(), new HostedStream(config, existing.partitions(), existing.cursors()));
            for (PartitionLeader leader : existing.partitions()) {
                leader.setDedupWindowMs(config.dedupWindowMs());
            }
            return;
        }
        Path dir = streamsDir.resolve(config.name());
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            PartitionLeader[] leaders = new PartitionLeader[config.partitions()];
            for (int p = 0; p < config.partitions(); p++) {
                Path partitionDir = dir.resolve(Integer.toString(p));
                PartitionLog log = logOpener.apply(partitionDir.resolve("log"), logConfig);
                opened.add(log);
                int epoch = nextEpoch(partitionDir);
                leaders[p] = new PartitionLeader(config.name(), p, log, epoch, config.dedupWindowMs(), clock,
                        appendPool);
            }
            PartitionLog cursorLog = logOpener.apply(dir.resolve("cursors"), logConfig);
            opened.add(cursorLog);
            CursorStore cursors = new CursorStore(cursorLog, clock);
            streams.put(config.name(), new HostedStream(config, leaders, cursors));
        } catch (RuntimeException e) {
            for (AutoCloseable c : opened) {
                closeQuietly(c);
            }
            throw e;
        }
    }

    /** Leader epochs only grow: the last one is kept next to the log and the new one is stored before use. */
    private static int nextEpoch(Path partitionDir) {
        Path file = partitionDir.resolve("leader-epoch");
        try {
            Files.createDirectories(partitionDir);
            int epoch = Files.exists(file) ? Integer.parseInt(Files.readString(file).trim()) + 1 : 1;
            Path tmp = partitionDir.resolve("leader-epoch.tmp");
            Files.writeString(tmp, Integer.toString(epoch), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return epoch;
        } catch (IOException | NumberFormatException e) {
            throw new LogException("cannot read or write the leader epoch in " + file + ": " + e.getMessage(), e);
        }
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

    synchronized void delete(String stream) {
        HostedStream hosted = streams.remove(stream);
        if (hosted != null) {
            for (PartitionLeader leader : hosted.partitions()) {
                leader.close();
                leader.log().delete();
            }
            hosted.cursors().delete();
        }
        deleteTree(streamsDir.resolve(stream));
    }

    PartitionLeader leader(String stream, int partition) {
        HostedStream hosted = hosted(stream);
        if (partition < 0 || partition >= hosted.partitions().length) {
            throw new HawserException(ErrorCode.PARTITION_NOT_FOUND, "stream '" + stream + "' has no partition "
                    + partition + " (it has " + hosted.partitions().length + ")");
        }
        return hosted.partitions()[partition];
    }

    /** False once {@code leader}'s stream was deleted (and perhaps created again with new partitions). */
    boolean isCurrent(PartitionLeader leader) {
        HostedStream hosted = streams.get(leader.stream());
        return hosted != null && leader.partition() < hosted.partitions().length
                && hosted.partitions()[leader.partition()] == leader;
    }

    CursorStore cursors(String stream) {
        return hosted(stream).cursors();
    }

    private HostedStream hosted(String stream) {
        HostedStream hosted = streams.get(stream);
        if (hosted == null) {
            throw new HawserException(ErrorCode.STREAM_NOT_FOUND, "stream '" + stream + "' does not exist");
        }
        return hosted;
    }

    List<PartitionStatus> status(String stream) {
        HostedStream hosted = hosted(stream);
        List<PartitionStatus> result = new ArrayList<>();
        for (PartitionLeader leader : hosted.partitions()) {
            LogStats s = leader.stats();
            result.add(new PartitionStatus(leader.partition(), nodeId, leader.epoch(), List.of(nodeId),
                    List.of(nodeId), s.startOffset(), s.endOffset(), leader.highWatermark(), s.messages(),
                    s.bytes()));
        }
        return result;
    }

    /** Retention, and compaction for compacted streams, on every hosted partition. */
    void maintain() {
        for (HostedStream hosted : streams.values()) {
            for (PartitionLeader leader : hosted.partitions()) {
                try {
                    if (!hosted.config().retention().isUnlimited()) {
                        leader.log().enforceRetention(hosted.config().retention());
                    }
                    if (hosted.config().compact()) {
                        leader.log().compact();
                    }
                } catch (LogException e) {
                    System.getLogger(NodeStorage.class.getName()).log(System.Logger.Level.WARNING,
                            "maintenance of " + leader.stream() + "/" + leader.partition() + " failed: "
                                    + e.getMessage());
                }
            }
            hosted.cursors().compact();
        }
    }

    @Override
    public synchronized void close() {
        for (HostedStream hosted : streams.values()) {
            for (PartitionLeader leader : hosted.partitions()) {
                leader.close();
                closeQuietly(leader.log());
            }
            closeQuietly(hosted.cursors());
        }
        streams.clear();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            System.getLogger(NodeStorage.class.getName()).log(System.Logger.Level.WARNING,
                    "close failed: " + e.getMessage());
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
