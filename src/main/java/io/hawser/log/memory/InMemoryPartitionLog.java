package io.hawser.log.memory;

import io.hawser.log.LogConfig;
import io.hawser.log.LogException;
import io.hawser.log.LogStats;
import io.hawser.log.OffsetOutOfRangeException;
import io.hawser.log.PartitionLog;
import io.hawser.log.Record;
import io.hawser.log.RecordCodec;
import io.hawser.log.RetentionPolicy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A partition log held in memory, with the same observable behaviour as the MapDB log: records are stored in their
 * encoded form and split into segments by {@code segmentBytes}/{@code segmentMs} exactly as the MapDB log rolls
 * its journals, so retention and compaction remove the same records. Nothing is durable; {@link #sync()} does
 * nothing. Meant for tests and for components that need a log without a disk.
 *
 * <p>Threading: every method is thread-safe; reads share a read lock, mutations take the write lock (none of them
 * waits for I/O).
 */
public final class InMemoryPartitionLog implements PartitionLog {

    private final LogConfig config;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final List<Segment> segments = new ArrayList<>(); // oldest first; the last one is active
    private long startOffset;
    private long endOffset;
    private boolean closed;

    public InMemoryPartitionLog(LogConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        segments.add(new Segment(0, config.clock().millis()));
    }

    /** One simulated segment; guarded by the log's lock. */
    private static final class Segment {
        final long baseOffset;
        long openedAtMs;
        final TreeMap<Long, byte[]> records = new TreeMap<>();
        long recordBytes;
        long maxTimestamp = Long.MIN_VALUE;
        long firstTimestamp = Long.MIN_VALUE;
        long endOffset;
        /** Epoch to first offset in this segment; only a greater epoch starts an entry. Kept by compaction. */
        final TreeMap<Integer, Long> epochs = new TreeMap<>();

        Segment(long baseOffset, long openedAtMs) {
            this.baseOffset = baseOffset;
            this.openedAtMs = openedAtMs;
            this.endOffset = baseOffset;
        }

        long lastOffset() {
            return records.isEmpty() ? -1 : records.lastKey();
        }

        void add(Record record, byte[] encoded) {
            records.put(record.offset(), encoded);
            recordBytes += encoded.length;
            if (firstTimestamp == Long.MIN_VALUE) {
                firstTimestamp = record.timestamp();
            }
            maxTimestamp = Math.max(maxTimestamp, record.timestamp());
            if (epochs.isEmpty() || record.epoch() > epochs.lastKey()) {
                epochs.put(record.epoch(), record.offset());
            }
            endOffset = record.offset() + 1;
        }

        /** Recomputes the running facts after records were removed. */
        void recount() {
            recordBytes = 0;
            maxTimestamp = Long.MIN_VALUE;
            firstTimestamp = Long.MIN_VALUE;
            for (byte[] encoded : records.values()) {
                long timestamp = RecordCodec.decode(encoded).timestamp();
                recordBytes += encoded.length;
                if (firstTimestamp == Long.MIN_VALUE) {
                    firstTimestamp = timestamp;
                }
                maxTimestamp = Math.max(maxTimestamp, timestamp);
            }
        }
    }

    @Override
    public void append(List<Record> records) {
        Objects.requireNonNull(records, "records");
        if (records.isEmpty()) {
            return;
        }
        lock.writeLock().lock();
        try {
            ensureOpen();
            List<byte[]> encoded = new ArrayList<>(records.size());
            long total = 0;
            long previous = endOffset - 1;
            for (int i = 0; i < records.size(); i++) {
                Record record = records.get(i);
                if (record == null) {
                    throw new IllegalArgumentException("null record at index " + i);
                }
                if (record.offset() <= previous) {
                    throw new IllegalArgumentException(i == 0
                            ? "first offset " + record.offset() + " is below the log end offset " + endOffset
                            : "offset " + record.offset() + " at index " + i + " does not follow " + previous);
                }
                byte[] bytes = RecordCodec.encode(record);
                encoded.add(bytes);
                total += bytes.length;
                previous = record.offset();
            }
            long first = records.get(0).offset();
            Segment active = active();
            long now = config.clock().millis();
            if (segments.size() == 1 && active.records.isEmpty() && first > active.baseOffset) {
                segments.clear();
                active = new Segment(first, now);
                segments.add(active);
                startOffset = first;
            } else if (!active.records.isEmpty()
                    && (active.recordBytes + total > config.segmentBytes() || tooOld(active, now))) {
                active = roll(now);
            }
            for (int i = 0; i < records.size(); i++) {
                active.add(records.get(i), encoded.get(i));
            }
            endOffset = previous + 1;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private boolean tooOld(Segment segment, long now) {
        return config.segmentMs() > 0
                && now - Math.max(segment.firstTimestamp, segment.openedAtMs) >= config.segmentMs();
    }

    private Segment roll(long now) {
        Segment fresh = new Segment(endOffset, now);
        segments.add(fresh);
        return fresh;
    }

    private Segment active() {
        return segments.get(segments.size() - 1);
    }

    /** Nothing to make durable. */
    @Override
    public void sync() {
        lock.readLock().lock();
        try {
            ensureOpen();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public List<Record> read(long fromOffset, long maxOffset, int maxRecords, int maxBytes) {
        if (maxRecords <= 0 || maxBytes <= 0) {
            throw new IllegalArgumentException("maxRecords and maxBytes must be positive, were " + maxRecords
                    + " and " + maxBytes);
        }
        lock.readLock().lock();
        try {
            ensureOpen();
            if (fromOffset < startOffset) {
                throw new OffsetOutOfRangeException(fromOffset, startOffset);
            }
            List<Record> out = new ArrayList<>();
            if (fromOffset >= endOffset || maxOffset < fromOffset) {
                return out;
            }
            long bytes = 0;
            for (Segment segment : segments) {
                if (segment.baseOffset > maxOffset) {
                    break;
                }
                if (segment.records.isEmpty() || segment.lastOffset() < fromOffset) {
                    continue;
                }
                for (Map.Entry<Long, byte[]> entry : segment.records.subMap(fromOffset, true, maxOffset, true)
                        .entrySet()) {
                    Record record = RecordCodec.decode(entry.getValue(), 0, entry.getValue().length, entry.getKey());
                    int size = record.sizeInBytes();
                    if (!out.isEmpty() && bytes + size > maxBytes) {
                        return out;
                    }
                    out.add(record);
                    bytes += size;
                    if (out.size() >= maxRecords || bytes >= maxBytes) {
                        return out;
                    }
                }
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public long offsetForTimestamp(long timestamp) {
        lock.readLock().lock();
        try {
            ensureOpen();
            for (Segment segment : segments) {
                if (segment.records.isEmpty() || segment.maxTimestamp < timestamp) {
                    continue;
                }
                for (Map.Entry<Long, byte[]> entry : segment.records.entrySet()) {
                    if (RecordCodec.decode(entry.getValue()).timestamp() >= timestamp) {
                        return entry.getKey();
                    }
                }
            }
            return endOffset;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public long startOffset() {
        lock.readLock().lock();
        try {
            return startOffset;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public long endOffset() {
        lock.readLock().lock();
        try {
            return endOffset;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public LogStats stats() {
        lock.readLock().lock();
        try {
            ensureOpen();
            long messages = 0;
            long bytes = 0;
            for (Segment segment : segments) {
                messages += segment.records.size();
                bytes += segment.recordBytes;
            }
            return new LogStats(startOffset, endOffset, messages, bytes, segments.size());
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void truncateAfter(long lastKept) {
        if (lastKept < -1) {
            throw new IllegalArgumentException("lastKept must be >= -1, was " + lastKept);
        }
        lock.writeLock().lock();
        try {
            ensureOpen();
            if (lastKept >= endOffset - 1) {
                return;
            }
            long now = config.clock().millis();
            int containing = -1;
            for (int i = 0; i < segments.size(); i++) {
                if (segments.get(i).baseOffset <= lastKept) {
                    containing = i;
                }
            }
            if (containing < 0) {
                segments.clear();
                segments.add(new Segment(lastKept + 1, now));
            } else {
                Segment kept = segments.get(containing);
                boolean isActive = containing == segments.size() - 1;
                segments.subList(containing + 1, segments.size()).clear();
                if (!isActive && kept.lastOffset() <= lastKept) {
                    segments.add(new Segment(lastKept + 1, now)); // nothing to cut: the new end starts a segment
                } else {
                    // Like the MapDB log, the cut segment is rewritten as a fresh active segment.
                    kept.records.tailMap(lastKept, false).clear();
                    kept.recount();
                    kept.epochs.values().removeIf(start -> start > lastKept);
                    kept.endOffset = lastKept + 1;
                    kept.openedAtMs = now;
                }
            }
            endOffset = lastKept + 1;
            startOffset = segments.get(0).baseOffset;
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public NavigableMap<Integer, Long> epochStartOffsets() {
        lock.readLock().lock();
        try {
            ensureOpen();
            TreeMap<Integer, Long> merged = new TreeMap<>();
            for (Segment segment : segments) {
                for (Map.Entry<Integer, Long> entry : segment.epochs.entrySet()) {
                    if (merged.isEmpty() || entry.getKey() > merged.lastKey()) {
                        merged.put(entry.getKey(), entry.getValue());
                    }
                }
            }
            return Collections.unmodifiableNavigableMap(merged);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public long enforceRetention(RetentionPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        lock.writeLock().lock();
        try {
            ensureOpen();
            if (policy.isUnlimited()) {
                return 0;
            }
            long now = config.clock().millis();
            long oldestKept = now - policy.maxAgeMs();
            Segment active = active();
            if (policy.maxAgeMs() > 0 && !active.records.isEmpty() && active.maxTimestamp < oldestKept) {
                roll(now);
            }
            long totalBytes = 0;
            long totalCount = 0;
            for (Segment segment : segments) {
                totalBytes += segment.recordBytes;
                totalCount += segment.records.size();
            }
            long removed = 0;
            int doomed = 0;
            for (; doomed < segments.size() - 1; doomed++) { // never the active segment
                Segment segment = segments.get(doomed);
                boolean expired = policy.maxAgeMs() > 0 && segment.maxTimestamp < oldestKept;
                boolean tooBig = policy.maxBytes() > 0 && totalBytes - segment.recordBytes >= policy.maxBytes();
                boolean tooMany = policy.maxMessages() > 0
                        && totalCount - segment.records.size() >= policy.maxMessages();
                if (!expired && !tooBig && !tooMany) {
                    break;
                }
                totalBytes -= segment.recordBytes;
                totalCount -= segment.records.size();
                removed += segment.records.size();
            }
            segments.subList(0, doomed).clear();
            startOffset = segments.get(0).baseOffset;
            return removed;
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public long compact() {
        lock.writeLock().lock();
        try {
            ensureOpen();
            Map<ByteBuffer, Long> newest = new HashMap<>();
            for (Segment segment : segments) {
                for (byte[] encoded : segment.records.values()) {
                    Record record = RecordCodec.decode(encoded);
                    if (record.key() != null) {
                        newest.put(ByteBuffer.wrap(record.key()), record.offset());
                    }
                }
            }
            long removed = 0;
            for (Segment segment : segments.subList(0, segments.size() - 1)) {
                int before = segment.records.size();
                segment.records.entrySet().removeIf(entry -> {
                    Record record = RecordCodec.decode(entry.getValue());
                    return record.key() != null && newest.get(ByteBuffer.wrap(record.key())) > record.offset();
                });
                if (segment.records.size() != before) {
                    removed += before - segment.records.size();
                    segment.recount();
                }
            }
            return removed;
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            closed = true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void delete() {
        lock.writeLock().lock();
        try {
            closed = true;
            segments.clear();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new LogException("in-memory log is closed");
        }
    }
}
