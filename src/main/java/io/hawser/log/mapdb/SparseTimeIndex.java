package io.hawser.log.mapdb;

import java.util.Arrays;

/**
 * Sparse timestamp index of one segment: every {@code indexIntervalBytes} of records, the offset just written and
 * the largest timestamp seen in the segment up to it. Because the stored timestamp is a running maximum it never
 * decreases, so a binary search finds the last entry whose running maximum is below a target: every record up to
 * that entry is older than the target, and the scan for the first record at or after the target starts just after
 * it. That stays correct when record timestamps are not monotonic.
 *
 * <p>Threading: one writer (the journal's appender, or nobody for a sealed segment); readers on any thread see a
 * prefix of the entries (entries are published by a volatile size after the arrays are written).
 */
final class SparseTimeIndex {
    private static final class Entries {
        final long[] offsets;
        final long[] maxTimestamps;

        Entries(long[] offsets, long[] maxTimestamps) {
            this.offsets = offsets;
            this.maxTimestamps = maxTimestamps;
        }
    }

    private volatile Entries entries;
    private volatile int size;

    SparseTimeIndex() {
        entries = new Entries(new long[16], new long[16]);
    }

    SparseTimeIndex(long[] offsets, long[] maxTimestamps) {
        entries = new Entries(offsets.clone(), maxTimestamps.clone());
        size = offsets.length;
    }

    /** Writer only. */
    void add(long offset, long runningMaxTimestamp) {
        Entries e = entries;
        int n = size;
        if (n == e.offsets.length) {
            e = new Entries(Arrays.copyOf(e.offsets, n * 2), Arrays.copyOf(e.maxTimestamps, n * 2));
            entries = e;
        }
        e.offsets[n] = offset;
        e.maxTimestamps[n] = runningMaxTimestamp;
        size = n + 1;
    }

    /** Offset from which to scan for the first record with a timestamp {@code >= timestamp}. */
    long scanStart(long timestamp, long segmentBase) {
        int n = size;
        Entries e = entries;
        int lo = 0;
        int hi = n - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (e.maxTimestamps[mid] < timestamp) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found < 0 ? segmentBase : e.offsets[found] + 1;
    }

    long[] offsets() {
        return Arrays.copyOf(entries.offsets, size);
    }

    long[] maxTimestamps() {
        int n = size;
        return Arrays.copyOf(entries.maxTimestamps, n);
    }
}
