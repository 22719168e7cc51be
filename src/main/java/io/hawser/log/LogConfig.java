package io.hawser.log;

import java.time.Clock;
import java.util.Objects;

/**
 * Tuning of one partition log.
 *
 * @param segmentBytes      an append that would take the active segment past this many encoded record bytes seals
 *                          it and starts a new one (a batch is never split, so one bigger batch makes one bigger
 *                          segment)
 * @param segmentMs         ... or once its first record is this old (0 = only by size); the age counts from the
 *                          later of the first record's timestamp and the moment the segment was opened, so a
 *                          mirror copying old records does not roll on every batch; retention by age also seals an
 *                          active segment whose records are all older than the limit
 * @param indexIntervalBytes a timestamp-index entry is written every this many bytes
 * @param clock             wall clock for retention by age and segment rolling; injected so tests need no sleep
 */
public record LogConfig(long segmentBytes, long segmentMs, int indexIntervalBytes, Clock clock) {

    public static final long DEFAULT_SEGMENT_BYTES = 64L * 1024 * 1024;

    public LogConfig {
        if (segmentBytes < 1024) {
            throw new IllegalArgumentException("segmentBytes must be >= 1024");
        }
        if (segmentMs < 0 || indexIntervalBytes <= 0) {
            throw new IllegalArgumentException("segmentMs must be >= 0 and indexIntervalBytes > 0");
        }
        Objects.requireNonNull(clock, "clock");
    }

    public static LogConfig defaults() {
        return new LogConfig(DEFAULT_SEGMENT_BYTES, 0, 4096, Clock.systemUTC());
    }

    public LogConfig withSegmentBytes(long bytes) {
        return new LogConfig(bytes, segmentMs, indexIntervalBytes, clock);
    }

    public LogConfig withSegmentMs(long ms) {
        return new LogConfig(segmentBytes, ms, indexIntervalBytes, clock);
    }

    public LogConfig withIndexIntervalBytes(int bytes) {
        return new LogConfig(segmentBytes, segmentMs, bytes, clock);
    }

    public LogConfig withClock(Clock newClock) {
        return new LogConfig(segmentBytes, segmentMs, indexIntervalBytes, newClock);
    }
}
