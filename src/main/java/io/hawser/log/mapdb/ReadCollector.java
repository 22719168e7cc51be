package io.hawser.log.mapdb;

import io.hawser.log.Record;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the records of one read and applies its limits: at most {@code maxRecords}, and records are added
 * while the total {@link Record#sizeInBytes()} stays within {@code maxBytes} (the first one always).
 *
 * <p>Threading: confined to the reading thread.
 */
final class ReadCollector {
    private final int maxRecords;
    private final int maxBytes;
    private final List<Record> records;
    private long bytes;
    private boolean full;

    ReadCollector(int maxRecords, int maxBytes) {
        this.maxRecords = maxRecords;
        this.maxBytes = maxBytes;
        this.records = new ArrayList<>(Math.min(maxRecords, 1024));
    }

    /** Adds the record if the limits allow; returns whether more are wanted. */
    boolean offer(Record record) {
        if (full) {
            return false;
        }
        int size = record.sizeInBytes();
        if (!records.isEmpty() && bytes + size > maxBytes) {
            full = true;
            return false;
        }
        records.add(record);
        bytes += size;
        full = records.size() >= maxRecords || bytes >= maxBytes;
        return !full;
    }

    boolean full() {
        return full;
    }

    boolean isEmpty() {
        return records.isEmpty();
    }

    int remainingRecords() {
        return maxRecords - records.size();
    }

    long remainingBytes() {
        return Math.max(1, maxBytes - bytes);
    }

    List<Record> records() {
        return records;
    }
}
