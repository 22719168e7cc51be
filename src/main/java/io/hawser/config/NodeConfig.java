package io.hawser.config;

import java.nio.file.Path;
import java.util.List;

/** A node's validated settings. See {@link ConfigKey} for what each one means. */
public record NodeConfig(
        String nodeId,
        Path dataDir,
        String httpHost,
        int httpPort,
        String clusterHost,
        int clusterPort,
        List<String> join,
        String natsUrl,
        long segmentBytes,
        long maxBatchBytes,
        int maxBatchMessages,
        long retentionCheckMs,
        long maxWaitMs,
        int subscriberBatch) {

    public NodeConfig {
        join = List.copyOf(join);
    }

    /** The defaults of {@link ConfigKey}, for tests and embedding. */
    public static NodeConfig defaults() {
        return ConfigLoader.load(new String[0], java.util.Map.of(), null);
    }

    public NodeConfig withDataDir(Path dir) {
        return new NodeConfig(nodeId, dir, httpHost, httpPort, clusterHost, clusterPort, join, natsUrl, segmentBytes,
                maxBatchBytes, maxBatchMessages, retentionCheckMs, maxWaitMs, subscriberBatch);
    }

    public NodeConfig withHttpPort(int port) {
        return new NodeConfig(nodeId, dataDir, httpHost, port, clusterHost, clusterPort, join, natsUrl, segmentBytes,
                maxBatchBytes, maxBatchMessages, retentionCheckMs, maxWaitMs, subscriberBatch);
    }

    public NodeConfig withNodeId(String id) {
        return new NodeConfig(id, dataDir, httpHost, httpPort, clusterHost, clusterPort, join, natsUrl, segmentBytes,
                maxBatchBytes, maxBatchMessages, retentionCheckMs, maxWaitMs, subscriberBatch);
    }

    public NodeConfig withSegmentBytes(long bytes) {
        return new NodeConfig(nodeId, dataDir, httpHost, httpPort, clusterHost, clusterPort, join, natsUrl, bytes,
                maxBatchBytes, maxBatchMessages, retentionCheckMs, maxWaitMs, subscriberBatch);
    }

    public NodeConfig withNatsUrl(String url) {
        return new NodeConfig(nodeId, dataDir, httpHost, httpPort, clusterHost, clusterPort, join, url, segmentBytes,
                maxBatchBytes, maxBatchMessages, retentionCheckMs, maxWaitMs, subscriberBatch);
    }

    public NodeConfig withRetentionCheckMs(long ms) {
        return new NodeConfig(nodeId, dataDir, httpHost, httpPort, clusterHost, clusterPort, join, natsUrl,
                segmentBytes, maxBatchBytes, maxBatchMessages, ms, maxWaitMs, subscriberBatch);
    }
}
