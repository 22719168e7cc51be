package io.hawser.partition;

import java.util.List;

/** Where a leader records its in-sync replica set (the cluster metadata), guarded by its epoch. */
@FunctionalInterface
public interface IsrStore {
    /**
     * Records {@code isr} as the partition's in-sync replicas. Blocking.
     *
     * @return false when the partition has another leader epoch now: this leader is deposed and must stop
     */
    boolean write(List<String> isr);

    /** For a partition with no other replica to record anything for. */
    IsrStore NONE = isr -> true;
}
