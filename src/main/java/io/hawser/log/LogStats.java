package io.hawser.log;

/**
 * A consistent snapshot of a log's extent.
 *
 * @param startOffset first offset still stored (== endOffset when empty)
 * @param endOffset   the next offset to be written
 * @param messages    records stored (less than endOffset - startOffset after compaction)
 * @param bytes       bytes used on disk (or in memory) by all segments
 */
public record LogStats(long startOffset, long endOffset, long messages, long bytes, int segments) {
}
