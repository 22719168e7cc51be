package io.hawser.model;

import java.util.List;

/** What describe reports for one partition. {@code highWatermark} is the last committed offset, -1 when empty. */
public record PartitionStatus(int id, String leader, long epoch, List<String> replicas, List<String> isr,
                              long startOffset, long endOffset, long highWatermark, long messages, long bytes) {
}
