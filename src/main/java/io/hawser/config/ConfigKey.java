package io.hawser.config;

import java.util.Locale;

/**
 * Every node setting, with its default and its one-line documentation. The file key is the enum's
 * {@link #key()}, the flag {@code --kebab-case}, the environment variable {@code HAWSER_UPPER_SNAKE}.
 */
public enum ConfigKey {
    NODE_ID("nodeId", "", "Unique node id; empty = generated once and kept in <dataDir>/node-id"),
    DATA_DIR("dataDir", "data", "Directory for partition logs and node metadata"),
    HTTP_HOST("httpHost", "127.0.0.1", "Address the HTTP/WebSocket API binds to"),
    HTTP_PORT("httpPort", "8080", "HTTP/WebSocket API port (0 = any free port)"),
    CLUSTER_NAME("clusterName", "hawser", "Cluster name; only nodes with the same name form a cluster"),
    CLUSTER_HOST("clusterHost", "127.0.0.1", "Address the cluster transport binds to"),
    CLUSTER_PORT("clusterPort", "5701", "Cluster transport port"),
    JOIN("join", "", "Comma-separated host:port of cluster members to join; empty = a one-node cluster"),
    NATS_URL("natsUrl", "", "NATS server URL for the bridge; empty = bridge off"),
    SEGMENT_BYTES("segmentBytes", "67108864", "Size at which a partition's active segment is sealed"),
    MAX_BATCH_BYTES("maxBatchBytes", "67108864", "Largest accepted NDJSON batch request body"),
    MAX_BATCH_MESSAGES("maxBatchMessages", "100000", "Most messages accepted in one NDJSON batch request"),
    RETENTION_CHECK_MS("retentionCheckMs", "30000", "How often retention and compaction run per partition"),
    REPLICA_MAX_LAG_MS("replicaMaxLagMs", "5000", "A follower not caught up with its leader for this long leaves the ISR"),
    MAX_WAIT_MS("maxWaitMs", "60000", "Upper bound for a read's waitMs and a publish's timeoutMs"),
    SUBSCRIBER_BATCH("subscriberBatch", "2000", "Messages fetched per round trip for a WebSocket subscriber"),
    MIRROR_ALLOWED_URLS("mirrorAllowedUrls", "", "Comma-separated URL prefixes a mirror's source url must start with; empty = any");

    private final String key;
    private final String defaultValue;
    private final String description;

    ConfigKey(String key, String defaultValue, String description) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    public String key() {
        return key;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    /** {@code --http-port} for {@code httpPort}. */
    public String flag() {
        return "--" + key.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /** {@code HAWSER_HTTP_PORT} for {@code httpPort}. */
    public String envVar() {
        return "HAWSER_" + key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }

    static ConfigKey byKey(String key) {
        for (ConfigKey k : values()) {
            if (k.key.equals(key)) {
                return k;
            }
        }
        return null;
    }

    static ConfigKey byFlag(String flag) {
        for (ConfigKey k : values()) {
            if (k.flag().equals(flag)) {
                return k;
            }
        }
        return null;
    }
}
