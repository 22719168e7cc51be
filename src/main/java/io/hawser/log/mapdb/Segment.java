package io.hawser.log.mapdb;

import java.nio.file.Path;

/**
 * One segment of a partition log: a journal (active, or rolled and waiting to be sealed) or a sealed MapDB file.
 * Covers offsets from {@link #baseOffset()} up to the next segment's base.
 *
 * <p>Threading: reads ({@link #scan} and the getters) run on any thread, concurrently; {@link #close()} is only
 * called while no reader can reach the segment (the log holds its structure write lock).
 */
interface Segment {

    /** Receives stored records as raw encoded bytes; returns false to stop the scan. */
    @FunctionalInterface
    interface RawRecordVisitor {
        boolean visit(long offset, byte[] bytes, int from, int length);
    }

    long baseOffset();

    /** The offset after this segment's contents (at least the base). */
    long endOffset();

    long recordCount();

    /** Sum of the stored records' encoded sizes. */
    long recordBytes();

    /** The largest stored offset, -1 when empty. */
    long lastOffset();

    /** The largest record timestamp, {@link Long#MIN_VALUE} when empty. */
    long maxTimestamp();

    long diskBytes();

    EpochStarts epochs();

    /** Where to start scanning for the first record with a timestamp {@code >= timestamp} (sparse index). */
    long timestampScanStart(long timestamp);

    /**
     * Visits stored records with {@code from <= offset <= to} in offset order until the visitor returns false.
     * The record bytes are not verified here; callers decode them (which checks the CRC).
     *
     * @param countHint how many records the visitor probably wants (sizes read-ahead; not a limit)
     * @param bytesHint how many encoded bytes the visitor probably wants (ditto)
     */
    void scan(long from, long to, int countHint, long bytesHint, RawRecordVisitor visitor);

    Path path();

    /** "journal /data/p0/00000000000000000000.journal" and the like, for messages. */
    String describe();

    void close();
}
