package io.hawser.log.mapdb;

import java.util.Arrays;

/**
 * In-memory offset index of one journal: for each stored record its offset, file position and length (20 bytes a
 * record, about 1.4 MB for a 64 MB segment of 256-byte records). Rebuilt by scanning the journal at recovery, so it
 * never has to be made durable or recovered itself.
 *
 * <p>Threading: one writer stages entries and then publishes them all at once through a volatile size, so a
 * batch becomes visible as a unit; readers on any thread take {@link #view()} and use only its first
 * {@link View#size} entries, which never change afterwards (the arrays are copied, never shrunk, when they grow).
 */
final class JournalIndex {

    /** A consistent prefix of the index. */
    static final class View {
        final int size;
        final long[] offsets;
        final long[] positions;
        final int[] lengths;

        View(int size, long[] offsets, long[] positions, int[] lengths) {
            this.size = size;
            this.offsets = offsets;
            this.positions = positions;
            this.lengths = lengths;
        }

        /** Index of the first entry with offset {@code >= offset} (== size when none). */
        int ceiling(long offset) {
            int lo = 0;
            int hi = size;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (offsets[mid] < offset) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }
    }

    private static final class Arrays3 {
        final long[] offsets;
        final long[] positions;
        final int[] lengths;

        Arrays3(int capacity) {
            this(new long[capacity], new long[capacity], new int[capacity]);
        }

        Arrays3(long[] offsets, long[] positions, int[] lengths) {
            this.offsets = offsets;
            this.positions = positions;
            this.lengths = lengths;
        }
    }

    private volatile Arrays3 arrays = new Arrays3(1024);
    private volatile int size;
    private int staged; // writer only: entries written but not yet published

    /** Writer only: adds an entry that readers see after the next {@link #publish()}. */
    void stage(long offset, long position, int length) {
        Arrays3 a = arrays;
        int n = staged;
        if (n == a.offsets.length) {
            int capacity = n * 2;
            a = new Arrays3(Arrays.copyOf(a.offsets, capacity), Arrays.copyOf(a.positions, capacity),
                    Arrays.copyOf(a.lengths, capacity));
            arrays = a; // readers holding the old arrays still see their (unchanged) prefix
        }
        a.offsets[n] = offset;
        a.positions[n] = position;
        a.lengths[n] = length;
        staged = n + 1;
    }

    /** Writer only. */
    void publish() {
        size = staged;
    }

    View view() {
        int n = size; // read size first: the arrays read after it hold at least n published entries
        Arrays3 a = arrays;
        return new View(n, a.offsets, a.positions, a.lengths);
    }

    int size() {
        return size;
    }

    long lastOffset() {
        View v = view();
        return v.size == 0 ? -1 : v.offsets[v.size - 1];
    }
}
