package io.hawser.model;

import io.hawser.log.RetentionPolicy;

import java.util.Objects;

/**
 * A stream's configuration as created and patched by users. Validated on construction.
 *
 * @param subject    NATS subject captured into the stream, or null
 * @param republish  NATS subject committed messages are re-published to, or null
 * @param mirror     the copied source, or null for an ordinary stream
 */
public record StreamConfig(
        String name,
        String subject,
        int partitions,
        int replicationFactor,
        int minInsyncReplicas,
        AckPolicy ackPolicy,
        RetentionPolicy retention,
        boolean compact,
        long dedupWindowMs,
        int maxMessageBytes,
        String republish,
        MirrorConfig mirror,
        boolean paused,
        boolean readOnly) {

    public static final int MAX_PARTITIONS = 1024;
    public static final int MAX_MESSAGE_BYTES_LIMIT = 64 * 1024 * 1024;
    public static final long DEFAULT_DEDUP_WINDOW_MS = 120_000;
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

    public StreamConfig {
        Names.requireStream(name);
        Objects.requireNonNull(ackPolicy, "ackPolicy");
        Objects.requireNonNull(retention, "retention");
        if (partitions < 1 || partitions > MAX_PARTITIONS) {
            throw invalid("partitions must be between 1 and " + MAX_PARTITIONS);
        }
        if (replicationFactor < 1 || replicationFactor > 16) {
            throw invalid("replicationFactor must be between 1 and 16");
        }
        if (minInsyncReplicas < 1 || minInsyncReplicas > replicationFactor) {
            throw invalid("minInsyncReplicas must be between 1 and replicationFactor (" + replicationFactor + ")");
        }
        if (dedupWindowMs < 0) {
            throw invalid("dedupWindowMs must be >= 0");
        }
        if (maxMessageBytes < 1 || maxMessageBytes > MAX_MESSAGE_BYTES_LIMIT) {
            throw invalid("maxMessageBytes must be between 1 and " + MAX_MESSAGE_BYTES_LIMIT);
        }
        if (subject != null && !validSubject(subject, true)) {
            throw invalid("subject '" + subject + "' is not a valid NATS subject");
        }
        if (republish != null && !validSubject(republish, false)) {
            throw invalid("republish '" + republish + "' is not a valid NATS subject without wildcards");
        }
        if (mirror != null) {
            Names.requireStream(mirror.stream());
            if (mirror.url() == null && mirror.stream().equals(name)) {
                throw invalid("a stream cannot mirror itself");
            }
            if (mirror.url() != null && !mirror.url().matches("^https?://[^\\s/]+(/.*)?$")) {
                throw invalid("mirror.url must be an http(s) URL");
            }
        }
    }

    /** A stream with the API's defaults. */
    public static StreamConfig defaults(String name) {
        return new StreamConfig(name, null, 1, 1, 1, AckPolicy.ALL, RetentionPolicy.UNLIMITED, false,
                DEFAULT_DEDUP_WINDOW_MS, DEFAULT_MAX_MESSAGE_BYTES, null, null, false, false);
    }

    public boolean isMirror() {
        return mirror != null;
    }

    public StreamConfig withRetention(RetentionPolicy r) {
        return new StreamConfig(name, subject, partitions, replicationFactor, minInsyncReplicas, ackPolicy, r,
                compact, dedupWindowMs, maxMessageBytes, republish, mirror, paused, readOnly);
    }

    public StreamConfig withReplication(int rf, int minIsr) {
        return new StreamConfig(name, subject, partitions, rf, minIsr, ackPolicy, retention, compact, dedupWindowMs,
                maxMessageBytes, republish, mirror, paused, readOnly);
    }

    public StreamConfig withAckPolicy(AckPolicy policy) {
        return new StreamConfig(name, subject, partitions, replicationFactor, minInsyncReplicas, policy, retention,
                compact, dedupWindowMs, maxMessageBytes, republish, mirror, paused, readOnly);
    }

    public StreamConfig withFlags(boolean newPaused, boolean newReadOnly) {
        return new StreamConfig(name, subject, partitions, replicationFactor, minInsyncReplicas, ackPolicy, retention,
                compact, dedupWindowMs, maxMessageBytes, republish, mirror, newPaused, newReadOnly);
    }

    private static HawserException invalid(String message) {
        return new HawserException(ErrorCode.INVALID_CONFIG, message);
    }

    /** NATS subject tokens: non-empty, no whitespace; {@code *} a whole token, {@code >} only last. */
    static boolean validSubject(String subject, boolean wildcards) {
        if (subject.isEmpty() || subject.length() > 255) {
            return false;
        }
        String[] tokens = subject.split("\\.", -1);
        for (int i = 0; i < tokens.length; i++) {
            String t = tokens[i];
            if (t.isEmpty() || t.chars().anyMatch(c -> c <= ' ' || c == 127)) {
                return false;
            }
            boolean wildcard = t.equals("*") || t.equals(">");
            if (wildcard && !wildcards) {
                return false;
            }
            if (t.equals(">") && i != tokens.length - 1) {
                return false;
            }
            if (!wildcard && (t.contains("*") || t.contains(">"))) {
                return false;
            }
        }
        return true;
    }
}
