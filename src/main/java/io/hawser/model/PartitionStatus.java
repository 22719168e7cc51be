package io.hawser.model;

import java.util.List;

/**
 * What describe reports for one partition. {@code highWatermark} is the last committed offset, -1 when empty.
 *
 * @param mirror the copying progress of a mirror partition as its leader last reported it; null for an ordinary
 *               stream, or before the leader's puller first reported
 */
public record PartitionStatus(int id, String leader, long epoch, List<String> replicas, List<String> isr,
                              long startOffset, long endOffset, long highWatermark, long messages, long bytes,
                              MirrorProgress mirror) {
}
