package io.hawser.storage;

import io.hawser.log.PartitionLog;
import io.hawser.log.Record;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Consumer positions of one stream, stored durably as records of a compacted log keyed by (cursor, partition):
 * the same storage, durability and (later) replication as messages.
 *
 * <p>Threading: {@link #put} is blocking (fsync) and serialised; {@link #get} reads a concurrent map.
 */
final class CursorStore implements AutoCloseable {
    private final PartitionLog log;
    private final Clock clock;
    private final Map<String, Map<Integer, Long>> positions = new ConcurrentHashMap<>();
    private final Map<String, Long> updated = new ConcurrentHashMap<>();

    /** One stored position and when it was set. */
    record Position(String cursor, int partition, long offset, long updatedMs) {
    }

    CursorStore(PartitionLog log, Clock clock) {
        this.log = log;
        this.clock = clock;
        long from = log.startOffset();
        while (from < log.endOffset()) {
            List<Record> chunk = log.read(from, Long.MAX_VALUE, 10_000, 8 * 1024 * 1024);
            if (chunk.isEmpty()) {
                break;
            }
            chunk.forEach(this::apply);
            from = chunk.get(chunk.size() - 1).offset() + 1;
        }
    }

    private void apply(Record r) {
        String key = new String(r.key(), StandardCharsets.UTF_8);
        int sep = key.lastIndexOf('\n');
        String cursor = key.substring(0, sep);
        int partition = Integer.parseInt(key.substring(sep + 1));
        positions.computeIfAbsent(cursor, c -> new ConcurrentHashMap<>())
                .put(partition, ByteBuffer.wrap(r.value()).getLong());
        updated.put(cursor + "\n" + partition, r.timestamp());
    }

    synchronized void put(String cursor, int partition, long offset) {
        put(cursor, partition, offset, clock.millis());
    }

    /** Stores a position set at {@code updatedMs} (a copy of the cluster's); an older one than stored is ignored. */
    synchronized void put(String cursor, int partition, long offset, long updatedMs) {
        Long known = updated.get(cursor + "\n" + partition);
        Map<Integer, Long> current = positions.get(cursor);
        if (known != null && (known > updatedMs || (known == updatedMs && current != null
                && Long.valueOf(offset).equals(current.get(partition))))) {
            return;
        }
        byte[] key = (cursor + "\n" + partition).getBytes(StandardCharsets.UTF_8);
        byte[] value = ByteBuffer.allocate(Long.BYTES).putLong(offset).array();
        Record r = new Record(log.endOffset(), 0, updatedMs, key, Map.of(), value);
        log.append(List.of(r));
        log.sync();
        apply(r);
    }

    /** The positions of {@code cursor} by partition, or null when it was never stored. */
    Map<Integer, Long> get(String cursor) {
        Map<Integer, Long> p = positions.get(cursor);
        return p == null ? null : new TreeMap<>(new HashMap<>(p));
    }

    /** Every stored position, for offering them to the cluster at start. */
    java.util.List<Position> positions() {
        java.util.List<Position> all = new java.util.ArrayList<>();
        positions.forEach((cursor, byPartition) -> byPartition.forEach((p, offset) ->
                all.add(new Position(cursor, p, offset, updated.getOrDefault(cursor + "\n" + p, 0L)))));
        return all;
    }

    void compact() {
        log.compact();
    }

    @Override
    public void close() {
        log.close();
    }

    void delete() {
        log.delete();
    }
}
