package io.hawser.bench;

import java.util.Arrays;
import java.util.BitSet;

/**
 * Checks that the offsets acked during one run on a fresh stream are distinct and contiguous:
 * a duplicate or a gap means two acks claim one slot or an acked message went missing, which
 * would make any throughput number meaningless. Not thread-safe: one per event loop, merged after.
 */
final class OffsetCheck {
  private long[] offsets = new long[1024];
  private int count;

  void add(long offset) {
    if (count == offsets.length) {
      offsets = Arrays.copyOf(offsets, count * 2);
    }
    offsets[count++] = offset;
  }

  void addAll(OffsetCheck other) {
    for (int i = 0; i < other.count; i++) {
      add(other.offsets[i]);
    }
  }

  /** The lowest acked offset (the fresh stream's first), or -1 if none. */
  long base() {
    long min = Long.MAX_VALUE;
    for (int i = 0; i < count; i++) {
      min = Math.min(min, offsets[i]);
    }
    return count == 0 ? -1 : min;
  }

  /** Counts acks that are duplicates or lie past a gap; contiguous base..base+count-1 gives 0. */
  Result check() {
    long base = base();
    BitSet seen = new BitSet(count);
    long duplicates = 0;
    long pastGap = 0;
    for (int i = 0; i < count; i++) {
      long rel = offsets[i] - base;
      if (rel >= count) {
        pastGap++; // count distinct values cannot reach past base+count-1 unless one is missing
      } else if (seen.get((int) rel)) {
        duplicates++;
      } else {
        seen.set((int) rel);
      }
    }
    if (duplicates == 0 && pastGap == 0) {
      return new Result(0, null);
    }
    return new Result(duplicates + pastGap, duplicates + " duplicate offsets and " + pastGap
        + " offsets past a gap among " + count + " acks starting at offset " + base);
  }

  record Result(long anomalies, String problem) {}
}
