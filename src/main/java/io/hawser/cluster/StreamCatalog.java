package io.hawser.cluster;

import io.hawser.json.StreamJson;
import io.hawser.log.LogException;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.PartitionState;
import io.hawser.model.StreamConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * This node's copy of the cluster's stream metadata ({@link StreamEntry} per stream, tombstones included), kept in
 * step with the cluster by {@link ClusterMetadata} and persisted in one JSON file replaced atomically on every
 * change, so the metadata survives a restart of the whole cluster.
 *
 * <p>Threading: {@link #apply} is synchronized and blocking (fsync). The queries read an immutable snapshot and
 * are safe on any thread, including event loops.
 */
public final class StreamCatalog {
    private static final System.Logger LOG = System.getLogger(StreamCatalog.class.getName());
    private final Path file;
    private volatile Map<String, StreamEntry> entries;

    private StreamCatalog(Path file, Map<String, StreamEntry> entries) {
        this.file = file;
        this.entries = Collections.unmodifiableMap(entries);
    }

    /**
     * Loads the catalog from {@code file}, or starts an empty one when the file does not exist yet. A catalog
     * written by a single-node version (configs only) loads with its partitions placed on {@code nodeId}.
     */
    public static StreamCatalog open(Path file, String nodeId) {
        Map<String, StreamEntry> entries = new TreeMap<>();
        if (Files.exists(file)) {
            try {
                JsonObject root = new JsonObject(Files.readString(file));
                JsonArray array = root.getJsonArray("streams");
                for (int i = 0; i < array.size(); i++) {
                    JsonObject json = array.getJsonObject(i);
                    StreamEntry e = json.containsKey("version") ? StreamEntry.fromJson(json)
                            : singleNodeEntry(StreamJson.parseConfig(json), nodeId);
                    entries.put(e.name(), e);
                }
            } catch (IOException | RuntimeException e) {
                throw new LogException("cannot read the stream catalog " + file + ": " + e.getMessage(), e);
            }
        }
        return new StreamCatalog(file, entries);
    }

    private static StreamEntry singleNodeEntry(StreamConfig config, String nodeId) {
        List<PartitionState> partitions = new ArrayList<>();
        for (int p = 0; p < config.partitions(); p++) {
            partitions.add(new PartitionState(List.of(nodeId), null, 0, List.of(nodeId)));
        }
        return new StreamEntry(config.name(), 1, 1, config, partitions);
    }

    public Optional<StreamConfig> get(String name) {
        StreamEntry e = entries.get(name);
        return e == null || e.deleted() ? Optional.empty() : Optional.of(e.config());
    }

    public StreamConfig require(String name) {
        return get(name).orElseThrow(() -> new HawserException(ErrorCode.STREAM_NOT_FOUND,
                "stream '" + name + "' does not exist"));
    }

    /** Live streams. */
    public List<StreamConfig> list() {
        List<StreamConfig> result = new ArrayList<>();
        for (StreamEntry e : entries.values()) {
            if (!e.deleted()) {
                result.add(e.config());
            }
        }
        return result;
    }

    /** Every entry, tombstones included. */
    public Collection<StreamEntry> entries() {
        return entries.values();
    }

    public Optional<StreamEntry> entry(String name) {
        return Optional.ofNullable(entries.get(name));
    }

    /** The placement of a live stream's partition. */
    public Optional<PartitionState> partition(String stream, int partition) {
        StreamEntry e = entries.get(stream);
        if (e == null || e.deleted() || partition < 0 || partition >= e.partitions().size()) {
            return Optional.empty();
        }
        return Optional.of(e.partitions().get(partition));
    }

    /**
     * Takes {@code entry}, the cluster's current metadata of a stream (the cluster is the authority while this node
     * is a member); returns whether it changed anything. Blocking.
     */
    public synchronized boolean apply(StreamEntry entry) {
        StreamEntry current = entries.get(entry.name());
        if (entry.equals(current)) {
            return false;
        }
        Map<String, StreamEntry> next = new TreeMap<>(entries);
        next.put(entry.name(), entry);
        persist(next);
        return true;
    }

    /**
     * Takes this node's own write: only when the catalog does not already hold a later version (another node's
     * change may have arrived through the map's events first).
     */
    public synchronized boolean applyOwnWrite(StreamEntry entry) {
        StreamEntry current = entries.get(entry.name());
        return (current == null || current.version() < entry.version()) && apply(entry);
    }

    private void persist(Map<String, StreamEntry> next) {
        JsonArray array = new JsonArray();
        next.values().forEach(e -> array.add(e.toJson()));
        byte[] bytes = new JsonObject().put("version", 2).put("streams", array).encodePrettily()
                .getBytes(StandardCharsets.UTF_8);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.wrap(bytes));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory(file.getParent());
        } catch (IOException e) {
            // The cluster's map stays the authority while this node runs: go on with it in memory (a full disk must
            // not stop elections) and write the whole catalog again with the next change.
            LOG.log(System.Logger.Level.WARNING, "cannot write the stream catalog " + file + " (" + e.getMessage()
                    + "); the cluster's copy stays current and this one is written again with the next change");
        }
        entries = Collections.unmodifiableMap(next);
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // Some file systems cannot open directories; the rename itself is still atomic there.
        }
    }
}
