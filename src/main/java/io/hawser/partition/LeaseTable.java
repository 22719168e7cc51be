package io.hawser.partition;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The leases this node holds, by partition: the elector puts and renews them, storage hands them to the
 * {@link PartitionLeader} it opens. Thread-safe.
 */
public final class LeaseTable {
    private final ConcurrentMap<String, LeaderLease> leases = new ConcurrentHashMap<>();

    private static String key(String stream, int partition) {
        return stream + "/" + partition;
    }

    public void put(String stream, int partition, LeaderLease lease) {
        leases.put(key(stream, partition), lease);
    }

    /** The lease of a partition this node holds the lock of; an expired one when it holds none. */
    public LeaderLease get(String stream, int partition) {
        LeaderLease lease = leases.get(key(stream, partition));
        if (lease == null) {
            LeaderLease none = new LeaderLease(0, System.nanoTime(), System::nanoTime);
            none.revoke();
            return none;
        }
        return lease;
    }

    public void remove(String stream, int partition, LeaderLease lease) {
        leases.remove(key(stream, partition), lease);
    }
}
