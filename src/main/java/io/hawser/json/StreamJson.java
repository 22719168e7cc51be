package io.hawser.json;

import io.hawser.bus.Messages;
import io.hawser.log.RetentionPolicy;
import io.hawser.model.AckPolicy;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.MirrorConfig;
import io.hawser.model.MirrorProgress;
import io.hawser.model.PartitionStatus;
import io.hawser.model.StreamConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

/** Stream configuration and description in their API.md JSON form. */
public final class StreamJson {
    private static final Set<String> CREATE_FIELDS = Set.of("name", "subject", "partitions", "replicationFactor",
            "minInsyncReplicas", "ackPolicy", "retention", "compact", "dedupWindowMs", "maxMessageBytes", "republish",
            "mirror", "paused", "readOnly");
    private static final Set<String> PATCH_FIELDS = Set.of("retention", "replicationFactor", "minInsyncReplicas",
            "ackPolicy", "paused", "readOnly");
    private static final Set<String> RETENTION_FIELDS = Set.of("maxMessages", "maxBytes", "maxAgeMs");
    private static final Set<String> MIRROR_FIELDS = Set.of("stream", "url", "state", "lag", "lastContactMs");

    private StreamJson() {
    }

    /** A create request (or a stored config). */
    public static StreamConfig parseConfig(JsonObject json) {
        JsonFields f = new JsonFields(json, "", CREATE_FIELDS);
        if (!f.has("name")) {
            throw new HawserException(ErrorCode.INVALID_CONFIG, "'name' is required");
        }
        StreamConfig d = StreamConfig.defaults(f.string("name", null));
        int rf = f.integer("replicationFactor", d.replicationFactor());
        return new StreamConfig(
                d.name(),
                f.string("subject", null),
                f.integer("partitions", d.partitions()),
                rf,
                f.integer("minInsyncReplicas", d.minInsyncReplicas()),
                ackPolicy(f, d.ackPolicy()),
                retention(f.object("retention"), d.retention()),
                f.bool("compact", d.compact()),
                f.number("dedupWindowMs", d.dedupWindowMs()),
                f.integer("maxMessageBytes", d.maxMessageBytes()),
                f.string("republish", null),
                mirror(f.object("mirror")),
                f.bool("paused", false),
                f.bool("readOnly", false));
    }

    public static Messages.StreamPatch parsePatch(String stream, JsonObject json) {
        JsonFields f = new JsonFields(json, "", PATCH_FIELDS);
        JsonObject retention = f.object("retention");
        return new Messages.StreamPatch(
                stream,
                retention == null ? null : retention(retention, RetentionPolicy.UNLIMITED),
                f.has("replicationFactor") ? f.integer("replicationFactor", 1) : null,
                f.has("minInsyncReplicas") ? f.integer("minInsyncReplicas", 1) : null,
                f.has("ackPolicy") ? ackPolicy(f, AckPolicy.ALL) : null,
                f.has("paused") ? f.bool("paused", false) : null,
                f.has("readOnly") ? f.bool("readOnly", false) : null);
    }

    private static AckPolicy ackPolicy(JsonFields f, AckPolicy fallback) {
        String s = f.string("ackPolicy", null);
        if (s == null) {
            return fallback;
        }
        try {
            return AckPolicy.parse(s);
        } catch (HawserException e) {
            throw JsonFields.error("'ackPolicy' must be one of none, leader, all");
        }
    }

    private static RetentionPolicy retention(JsonObject json, RetentionPolicy fallback) {
        if (json == null) {
            return fallback;
        }
        JsonFields f = new JsonFields(json, "retention", RETENTION_FIELDS);
        long maxMessages = f.number("maxMessages", 0);
        long maxBytes = f.number("maxBytes", 0);
        long maxAgeMs = f.number("maxAgeMs", 0);
        if (maxMessages < 0 || maxBytes < 0 || maxAgeMs < 0) {
            throw JsonFields.error("retention limits must be >= 0 (0 = unlimited)");
        }
        return new RetentionPolicy(maxMessages, maxBytes, maxAgeMs);
    }

    private static MirrorConfig mirror(JsonObject json) {
        if (json == null) {
            return null;
        }
        JsonFields f = new JsonFields(json, "mirror", MIRROR_FIELDS);
        String stream = f.string("stream", null);
        if (stream == null) {
            throw JsonFields.error("'mirror.stream' is required");
        }
        return new MirrorConfig(stream, f.string("url", null));
    }

    /** The config as stored and as the first part of a description. */
    public static JsonObject toJson(StreamConfig c) {
        JsonObject json = new JsonObject()
                .put("name", c.name())
                .put("subject", c.subject())
                .put("partitions", c.partitions())
                .put("replicationFactor", c.replicationFactor())
                .put("minInsyncReplicas", c.minInsyncReplicas())
                .put("ackPolicy", c.ackPolicy().wireName())
                .put("retention", new JsonObject()
                        .put("maxMessages", c.retention().maxMessages())
                        .put("maxBytes", c.retention().maxBytes())
                        .put("maxAgeMs", c.retention().maxAgeMs()))
                .put("compact", c.compact())
                .put("dedupWindowMs", c.dedupWindowMs())
                .put("maxMessageBytes", c.maxMessageBytes())
                .put("republish", c.republish())
                .put("paused", c.paused())
                .put("readOnly", c.readOnly());
        if (c.mirror() != null) {
            json.put("mirror", new JsonObject().put("stream", c.mirror().stream()).put("url", c.mirror().url()));
        } else {
            json.putNull("mirror");
        }
        return json;
    }

    /** The API's describe form: the config with {@code partitions} as a list of statuses. */
    public static JsonObject describe(StreamConfig c, List<PartitionStatus> partitions) {
        JsonArray list = new JsonArray();
        for (PartitionStatus p : partitions) {
            list.add(new JsonObject()
                    .put("id", p.id())
                    .put("leader", p.leader())
                    .put("epoch", p.epoch())
                    .put("replicas", new JsonArray(p.replicas()))
                    .put("isr", new JsonArray(p.isr()))
                    .put("startOffset", p.startOffset())
                    .put("endOffset", p.endOffset())
                    .put("highWatermark", p.highWatermark())
                    .put("messages", p.messages())
                    .put("bytes", p.bytes()));
            if (c.isMirror()) {
                list.getJsonObject(list.size() - 1).put("mirror", mirrorProgress(p.mirror()));
            }
        }
        JsonObject json = toJson(c).put("partitions", list);
        if (c.isMirror()) {
            mirrorSummary(json.getJsonObject("mirror"), partitions);
        }
        return json;
    }

    /** A partition's copying progress; before its puller first reported: catching up, nothing known yet. */
    private static JsonObject mirrorProgress(MirrorProgress m) {
        if (m == null) {
            return new JsonObject().put("state", MirrorProgress.State.CATCHING_UP.wireName()).putNull("lag")
                    .putNull("lastContactMs").putNull("sourceHighWatermark").putNull("lastProblem");
        }
        return new JsonObject().put("state", m.state().wireName()).put("lag", m.lag())
                .put("lastContactMs", m.lastContactMs() > 0 ? m.lastContactMs() : null)
                .put("sourceHighWatermark", m.sourceHighWatermark()).put("lastProblem", m.lastProblem());
    }

    /**
     * The stream's mirror status: the worst partition state (source_unavailable, then catching_up, then active), the
     * summed lag, and the oldest last contact (null while some partition never reached its source).
     */
    private static void mirrorSummary(JsonObject mirror, List<PartitionStatus> partitions) {
        MirrorProgress.State worst = MirrorProgress.State.ACTIVE;
        long lag = 0;
        Long oldestContact = null;
        boolean neverContacted = false;
        for (PartitionStatus p : partitions) {
            MirrorProgress m = p.mirror();
            MirrorProgress.State state = m == null ? MirrorProgress.State.CATCHING_UP : m.state();
            if (state.ordinal() > worst.ordinal()) {
                worst = state;
            }
            if (m != null) {
                lag += m.lag();
            }
            if (m == null || m.lastContactMs() <= 0) {
                neverContacted = true;
            } else if (oldestContact == null || m.lastContactMs() < oldestContact) {
                oldestContact = m.lastContactMs();
            }
        }
        mirror.put("state", worst.wireName()).put("lag", lag)
                .put("lastContactMs", neverContacted ? null : oldestContact);
    }
}
