package io.hawser.log.mapdb;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Leader epochs and the first offset written in each, in offset order, for one segment or the whole log
 * (Kafka's leader-epoch cache). Only an epoch greater than the latest one starts an entry.
 *
 * <p>Immutable; any thread.
 */
final class EpochStarts {
    static final EpochStarts EMPTY = new EpochStarts(new int[0], new long[0]);

    private final int[] epochs;
    private final long[] starts;

    private EpochStarts(int[] epochs, long[] starts) {
        this.epochs = epochs;
        this.starts = starts;
    }

    int size() {
        return epochs.length;
    }

    /** This list, plus an entry for {@code epoch} at {@code offset} if the epoch is newer than the latest. */
    EpochStarts with(int epoch, long offset) {
        int n = epochs.length;
        if (n > 0 && epoch <= epochs[n - 1]) {
            return this;
        }
        int[] e = Arrays.copyOf(epochs, n + 1);
        long[] s = Arrays.copyOf(starts, n + 1);
        e[n] = epoch;
        s[n] = offset;
        return new EpochStarts(e, s);
    }

    /** Entries starting at or before {@code lastKept}. */
    EpochStarts upTo(long lastKept) {
        int n = 0;
        while (n < starts.length && starts[n] <= lastKept) {
            n++;
        }
        return n == starts.length ? this : new EpochStarts(Arrays.copyOf(epochs, n), Arrays.copyOf(starts, n));
    }

    /** The log-wide list from segment lists in offset order (the first start of each newer epoch wins). */
    static EpochStarts merge(List<EpochStarts> inOffsetOrder) {
        EpochStarts merged = EMPTY;
        for (EpochStarts part : inOffsetOrder) {
            for (int i = 0; i < part.epochs.length; i++) {
                merged = merged.with(part.epochs[i], part.starts[i]);
            }
        }
        return merged;
    }

    NavigableMap<Integer, Long> toMap() {
        TreeMap<Integer, Long> map = new TreeMap<>();
        for (int i = 0; i < epochs.length; i++) {
            map.put(epochs[i], starts[i]);
        }
        return Collections.unmodifiableNavigableMap(map);
    }

    int encodedSize() {
        return 4 + epochs.length * 12;
    }

    void writeTo(ByteBuffer out) {
        out.putInt(epochs.length);
        for (int i = 0; i < epochs.length; i++) {
            out.putInt(epochs[i]);
            out.putLong(starts[i]);
        }
    }

    /** Reads what {@link #writeTo} wrote; the caller has checked the bytes' checksum. */
    static EpochStarts readFrom(ByteBuffer in) {
        int n = in.getInt();
        if (n < 0 || n > in.remaining() / 12) {
            throw new IllegalArgumentException("epoch count " + n + " does not fit in " + in.remaining() + " bytes");
        }
        EpochStarts result = EMPTY;
        for (int i = 0; i < n; i++) {
            result = result.with(in.getInt(), in.getLong());
        }
        return result;
    }

    @Override
    public String toString() {
        return toMap().toString();
    }
}
