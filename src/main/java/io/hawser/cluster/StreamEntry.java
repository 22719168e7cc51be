package io.hawser.cluster;

import io.hawser.json.StreamJson;
import io.hawser.model.PartitionState;
import io.hawser.model.StreamConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * One stream's metadata as the cluster keeps it: its config and each partition's placement, or a tombstone after
 * a delete (so a node that was down during the delete cannot bring the stream back). {@code version} grows with
 * every change; the higher version wins wherever two copies meet.
 *
 * @param incarnation the version at which the stream was created: a stream deleted and created again under the
 *                    same name is another incarnation, whose data starts empty everywhere
 * @param config      null for a deleted stream
 */
public record StreamEntry(String name, long version, long incarnation, StreamConfig config,
                          List<PartitionState> partitions) {
    public StreamEntry {
        partitions = List.copyOf(partitions);
    }

    public boolean deleted() {
        return config == null;
    }

    /**
     * Whether this copy is more recent than {@code other}, for copies that met after being apart (a node's copy on
     * disk offered to the cluster at start). Leader epochs decide first: only the side that could elect leaders
     * raises them, whereas a deposed leader cut off from the cluster may still have bumped {@code version}.
     */
    public boolean supersedes(StreamEntry other) {
        if (incarnation != other.incarnation) {
            return incarnation > other.incarnation;
        }
        if (deleted() != other.deleted()) {
            return deleted();
        }
        long mine = epochSum();
        long theirs = other.epochSum();
        return mine != theirs ? mine > theirs : version > other.version;
    }

    private long epochSum() {
        long sum = 0;
        for (PartitionState p : partitions) {
            sum += p.epoch();
        }
        return sum;
    }

    public StreamEntry next(StreamConfig config, List<PartitionState> partitions) {
        return new StreamEntry(name, version + 1, incarnation, config, partitions);
    }

    public StreamEntry withPartition(int p, PartitionState state) {
        List<PartitionState> next = new ArrayList<>(partitions);
        next.set(p, state);
        return next(config, next);
    }

    JsonObject toJson() {
        JsonObject json = new JsonObject().put("name", name).put("version", version).put("incarnation", incarnation);
        if (config == null) {
            return json.put("deleted", true);
        }
        JsonArray parts = new JsonArray();
        for (PartitionState s : partitions) {
            parts.add(new JsonObject().put("replicas", new JsonArray(s.replicas())).put("leader", s.leader())
                    .put("epoch", s.epoch()).put("isr", new JsonArray(s.isr())));
        }
        return json.put("config", StreamJson.toJson(config)).put("partitions", parts);
    }

    static StreamEntry fromJson(JsonObject json) {
        String name = json.getString("name");
        long version = json.getLong("version");
        long incarnation = json.getLong("incarnation", 1L);
        if (json.getBoolean("deleted", false)) {
            return new StreamEntry(name, version, incarnation, null, List.of());
        }
        StreamConfig config = StreamJson.parseConfig(json.getJsonObject("config"));
        List<PartitionState> partitions = new ArrayList<>();
        JsonArray parts = json.getJsonArray("partitions", new JsonArray());
        for (int i = 0; i < parts.size(); i++) {
            JsonObject p = parts.getJsonObject(i);
            partitions.add(new PartitionState(strings(p.getJsonArray("replicas")), p.getString("leader"),
                    p.getLong("epoch", 0L), strings(p.getJsonArray("isr"))));
        }
        return new StreamEntry(name, version, incarnation, config, partitions);
    }

    private static List<String> strings(JsonArray array) {
        List<String> result = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            result.add(array.getString(i));
        }
        return result;
    }

    String encode() {
        return toJson().encode();
    }

    static StreamEntry decode(String json) {
        return fromJson(new JsonObject(json));
    }
}
