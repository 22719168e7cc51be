package io.hawser.partition;

import java.util.List;

/** Where a leader records its in-sync replica set (the cluster metadata), guarded by its epoch. */
@FunctionalInterface
public interface IsrStore {
    /** What became of a write. */
    enum Outcome {
        WRITTEN,
        /** The metadata does not show this leader's epoch yet (it is being recorded): try again later. */
        NOT_YET,
        /** The partition has a newer leader epoch: this leader is deposed and must stop. */
        DEPOSED
    }

    /** Records {@code isr} as the partition's in-sync replicas. Blocking. */
    Outcome write(List<String> isr);

    /** For a partition with no other replica to record anything for. */
    IsrStore NONE = isr -> Outcome.WRITTEN;
}
