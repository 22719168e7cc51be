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
    }

    synchronized void put(String cursor, int partition, long offset) {
        byte[] key = (cursor + "\n" + partition).getBytes(StandardCharsets.UTF_8);
        byte[] value = ByteBuffer.allocate(Long.BYTES).putLong(offset).array();
        Record r = new Record(log.endOffset(), 0, clock.millis(), key, Map.of(), value);
        log.append(List.of(r));
        log.sync();
        apply(r);
    }

    /** The positions of {@code cursor} by partition, or null when it was never stored. */
    Map<Integer, Long> get(String cursor) {
        Map<Integer, Long> p = positions.get(cursor);
        return p == null ? null : new TreeMap<>(new HashMap<>(p));
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
