package io.hawser.model;

import java.util.List;

/**
 * A partition's placement in the cluster, as the metadata records it.
 *
 * @param replicas the nodes holding a copy; the first is the preferred leader
 * @param leader   the node leading it now, null while it has none
 * @param epoch    the current leader epoch (0 before the first leader)
 * @param isr      the in-sync replicas: only these may become leader
 */
public record PartitionState(List<String> replicas, String leader, long epoch, List<String> isr) {
    public PartitionState {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }

    public PartitionState withLeader(String leader, long epoch) {
        return new PartitionState(replicas, leader, epoch, isr);
    }

    public PartitionState withIsr(List<String> isr) {
        return new PartitionState(replicas, leader, epoch, isr);
    }

    public PartitionState withReplicas(List<String> replicas, List<String> isr) {
        return new PartitionState(replicas, leader, epoch, isr);
    }
}
