package io.hawser.cluster;

import io.hawser.json.StreamJson;
import io.hawser.log.LogException;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.StreamConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The streams that exist and their configs, persisted in one JSON file replaced atomically on every change.
 *
 * <p>Threading: mutations are synchronized and blocking (fsync); call them on a worker thread. {@link #get} and
 * {@link #list} read an immutable snapshot and are safe on any thread, including event loops.
 */
public final class StreamCatalog {
    private final Path file;
    private volatile Map<String, StreamConfig> streams;

    private StreamCatalog(Path file, Map<String, StreamConfig> streams) {
        this.file = file;
        this.streams = Collections.unmodifiableMap(streams);
    }

    /** Loads the catalog from {@code file}, or starts an empty one when the file does not exist yet. */
    public static StreamCatalog open(Path file) {
        Map<String, StreamConfig> streams = new TreeMap<>();
        if (Files.exists(file)) {
            try {
                JsonArray array = new JsonObject(Files.readString(file)).getJsonArray("streams");
                for (int i = 0; i < array.size(); i++) {
                    StreamConfig c = StreamJson.parseConfig(array.getJsonObject(i));
                    streams.put(c.name(), c);
                }
            } catch (IOException | RuntimeException e) {
                throw new LogException("cannot read the stream catalog " + file + ": " + e.getMessage(), e);
            }
        }
        return new StreamCatalog(file, streams);
    }

    public Optional<StreamConfig> get(String name) {
        return Optional.ofNullable(streams.get(name));
    }

    public StreamConfig require(String name) {
        StreamConfig c = streams.get(name);
        if (c == null) {
            throw new HawserException(ErrorCode.STREAM_NOT_FOUND, "stream '" + name + "' does not exist");
        }
        return c;
    }

    public List<StreamConfig> list() {
        return new ArrayList<>(streams.values());
    }

    /**
     * Adds a stream. Returns false when an identical stream exists (idempotent create).
     *
     * @throws HawserException stream_exists when the name is taken by another config
     */
    public synchronized boolean create(StreamConfig config) {
        StreamConfig existing = streams.get(config.name());
        if (existing != null) {
            if (existing.equals(config)) {
                return false;
            }
            throw new HawserException(ErrorCode.STREAM_EXISTS,
                    "stream '" + config.name() + "' already exists with another config");
        }
        Map<String, StreamConfig> next = new TreeMap<>(streams);
        next.put(config.name(), config);
        persist(next);
        return true;
    }

    public synchronized void update(StreamConfig config) {
        require(config.name());
        Map<String, StreamConfig> next = new TreeMap<>(streams);
        next.put(config.name(), config);
        persist(next);
    }

    public synchronized boolean delete(String name) {
        if (!streams.containsKey(name)) {
            return false;
        }
        Map<String, StreamConfig> next = new TreeMap<>(streams);
        next.remove(name);
        persist(next);
        return true;
    }

    private void persist(Map<String, StreamConfig> next) {
        JsonArray array = new JsonArray();
        next.values().forEach(c -> array.add(StreamJson.toJson(c)));
        byte[] bytes = new JsonObject().put("version", 1).put("streams", array).encodePrettily()
                .getBytes(StandardCharsets.UTF_8);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(bytes));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory(file.getParent());
        } catch (IOException e) {
            throw new HawserException(ErrorCode.STORAGE_UNAVAILABLE,
                    "cannot write the stream catalog " + file + ": " + e.getMessage());
        }
        streams = Collections.unmodifiableMap(next);
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // Some file systems cannot open directories; the rename itself is still atomic there.
        }
    }
}
