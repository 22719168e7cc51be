package io.hawser.partition;

import java.util.List;

/**
 * Who holds a partition as its leader starts: every replica, the in-sync ones, and the rules for acks.
 *
 * @param localReplica      this node's id (the leader)
 * @param replicas          every replica, the leader included
 * @param isr               the in-sync replicas, the leader included
 * @param minInsyncReplicas below this many in-sync replicas an {@code ack=all} publish is refused
 * @param maxLagMs          a follower not caught up for this long leaves the ISR
 * @param highWatermark     the highest committed offset this node knew of before leading (-1 if none)
 */
public record ReplicaSet(String localReplica, List<String> replicas, List<String> isr, int minInsyncReplicas,
                         long maxLagMs, long highWatermark) {
    public ReplicaSet {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        if (!replicas.contains(localReplica) || !isr.contains(localReplica)) {
            throw new IllegalArgumentException("the leader " + localReplica + " must be a replica and in the ISR");
        }
    }

    /** A partition with one replica, as on a single node. */
    public static ReplicaSet solo(String node) {
        return new ReplicaSet(node, List.of(node), List.of(node), 1, 5_000, Long.MIN_VALUE);
    }
}
