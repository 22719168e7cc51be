package io.hawser.config;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** A node's validated settings. See {@link ConfigKey} for what each one means. */
public record NodeConfig(
        String nodeId,
        Path dataDir,
        String httpHost,
        int httpPort,
        String clusterName,
        String clusterHost,
        int clusterPort,
        List<String> join,
        String natsUrl,
        long segmentBytes,
        long maxBatchBytes,
        int maxBatchMessages,
        long retentionCheckMs,
        long replicaMaxLagMs,
        long maxWaitMs,
        int subscriberBatch,
        List<String> mirrorAllowedUrls) {

    public NodeConfig {
        join = List.copyOf(join);
        mirrorAllowedUrls = List.copyOf(mirrorAllowedUrls);
    }

    /** The defaults of {@link ConfigKey}, for tests and embedding. */
    public static NodeConfig defaults() {
        return ConfigLoader.load(new String[0], Map.of(), null);
    }

    /** A copy with some settings changed, validated exactly like the config file. */
    public NodeConfig with(Map<ConfigKey, String> changes) {
        Map<ConfigKey, String> values = new EnumMap<>(ConfigKey.class);
        values.put(ConfigKey.NODE_ID, nodeId);
        values.put(ConfigKey.DATA_DIR, dataDir.toString());
        values.put(ConfigKey.HTTP_HOST, httpHost);
        values.put(ConfigKey.HTTP_PORT, Integer.toString(httpPort));
        values.put(ConfigKey.CLUSTER_NAME, clusterName);
        values.put(ConfigKey.CLUSTER_HOST, clusterHost);
        values.put(ConfigKey.CLUSTER_PORT, Integer.toString(clusterPort));
        values.put(ConfigKey.JOIN, String.join(",", join));
        values.put(ConfigKey.NATS_URL, natsUrl);
        values.put(ConfigKey.SEGMENT_BYTES, Long.toString(segmentBytes));
        values.put(ConfigKey.MAX_BATCH_BYTES, Long.toString(maxBatchBytes));
        values.put(ConfigKey.MAX_BATCH_MESSAGES, Integer.toString(maxBatchMessages));
        values.put(ConfigKey.RETENTION_CHECK_MS, Long.toString(retentionCheckMs));
        values.put(ConfigKey.REPLICA_MAX_LAG_MS, Long.toString(replicaMaxLagMs));
        values.put(ConfigKey.MAX_WAIT_MS, Long.toString(maxWaitMs));
        values.put(ConfigKey.SUBSCRIBER_BATCH, Integer.toString(subscriberBatch));
        values.put(ConfigKey.MIRROR_ALLOWED_URLS, String.join(",", mirrorAllowedUrls));
        values.putAll(changes);
        return ConfigLoader.build(values);
    }

    public NodeConfig with(ConfigKey key, Object value) {
        return with(Map.of(key, String.valueOf(value)));
    }

    public NodeConfig withDataDir(Path dir) {
        return with(ConfigKey.DATA_DIR, dir);
    }

    public NodeConfig withHttpPort(int port) {
        return with(ConfigKey.HTTP_PORT, port);
    }

    public NodeConfig withNodeId(String id) {
        return with(ConfigKey.NODE_ID, id);
    }

    public NodeConfig withSegmentBytes(long bytes) {
        return with(ConfigKey.SEGMENT_BYTES, bytes);
    }

    public NodeConfig withCluster(String name, int port, List<String> members) {
        return with(Map.of(ConfigKey.CLUSTER_NAME, name, ConfigKey.CLUSTER_PORT, Integer.toString(port),
                ConfigKey.JOIN, String.join(",", members)));
    }

    public NodeConfig withNatsUrl(String url) {
        return with(ConfigKey.NATS_URL, url);
    }

    public NodeConfig withRetentionCheckMs(long ms) {
        return with(ConfigKey.RETENTION_CHECK_MS, ms);
    }
}
