package io.hawser.partition;

import io.hawser.log.Record;

import java.util.List;

/**
 * The leader's answer to a follower's fetch: records to append, or where the follower's log diverged from the
 * leader's (it truncates and fetches again), or that the follower is below the leader's start offset.
 *
 * @param divergingEpoch     -1 unless diverged: the largest leader epoch not above the follower's last epoch
 * @param divergingEndOffset the leader's end offset of {@code divergingEpoch} (the follower keeps what is below it)
 */
public record FetchAnswer(int leaderEpoch, long highWatermark, long leaderStartOffset, List<Record> records,
                          int divergingEpoch, long divergingEndOffset) {
    public static final int NOT_DIVERGED = Integer.MIN_VALUE;

    public boolean diverged() {
        return divergingEpoch != NOT_DIVERGED;
    }
}
