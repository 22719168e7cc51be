package io.hawser.partition;

import io.hawser.log.PartitionLog;
import io.hawser.log.Record;

import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * Follows a partition's leader on this node: appends what the leader sends at the offsets it carries, fsyncs each
 * fetched batch before fetching again (so a fetch offset is always a durable end), and truncates by leader-epoch
 * history when the leader says the logs diverged. Knows the high watermark only as the leader reported it.
 *
 * <p>Threading: one fetch loop drives it; every method blocks (file I/O) and must not run concurrently with another.
 */
public final class PartitionFollower {
    private final String stream;
    private final int partition;
    private final PartitionLog log;
    private volatile long highWatermark;
    private volatile int leaderEpoch = -1;

    public PartitionFollower(String stream, int partition, PartitionLog log, long knownHighWatermark) {
        this.stream = stream;
        this.partition = partition;
        this.log = log;
        this.highWatermark = Math.max(-1, Math.min(knownHighWatermark, log.endOffset() - 1));
        cutAtCorruption();
    }

    /** A replica must never serve or keep damaged records: drop everything from the first corrupt one and refetch. */
    private void cutAtCorruption() {
        if (!log.knownCorruptOffsets().isEmpty()) {
            long first = log.knownCorruptOffsets().first();
            System.getLogger(PartitionFollower.class.getName()).log(System.Logger.Level.WARNING,
                    "partition " + stream + "/" + partition + " has a corrupt record at offset " + first
                            + "; truncating from there to refetch it from the leader");
            log.truncateAfter(first - 1);
            highWatermark = Math.min(highWatermark, first - 1);
        }
    }

    /** The next offset to fetch: the durable end of this replica's log. */
    public long fetchOffset() {
        return log.endOffset();
    }

    /** The epoch of this replica's last record, -1 when its log holds none. */
    public int lastEpoch() {
        NavigableMap<Integer, Long> epochs = log.epochStartOffsets();
        return epochs.isEmpty() || log.endOffset() <= log.startOffset() ? -1 : epochs.lastKey();
    }

    /**
     * Applies the leader's answer: truncates on divergence, jumps forward past the leader's retention, appends and
     * syncs records. Returns whether the follower should fetch again at once (it changed its log without data).
     *
     * @throws StaleLeaderException when the answer comes from an older epoch than one already followed
     */
    public boolean apply(FetchAnswer answer) {
        if (answer.leaderEpoch() < leaderEpoch) {
            throw new StaleLeaderException("fetch answer of epoch " + answer.leaderEpoch() + " after epoch "
                    + leaderEpoch + " for " + stream + "/" + partition);
        }
        leaderEpoch = answer.leaderEpoch();
        if (answer.diverged()) {
            truncate(answer.divergingEpoch(), answer.divergingEndOffset());
            return true;
        }
        if (log.endOffset() < answer.leaderStartOffset()) {
            // The leader's retention removed what this replica lacks: start where the leader starts.
            log.truncateAfter(answer.leaderStartOffset() - 1);
            return true;
        }
        List<Record> records = answer.records();
        if (!records.isEmpty()) {
            log.append(records);
            log.sync();
        }
        highWatermark = Math.max(highWatermark, Math.min(answer.highWatermark(), log.endOffset() - 1));
        return false;
    }

    /** Keeps what this replica shares with the leader: up to where the leader's epoch {@code epoch} ended. */
    private void truncate(int epoch, long leaderEndOffset) {
        NavigableMap<Integer, Long> epochs = log.epochStartOffsets();
        long ownEnd;
        if (epoch < 0) {
            ownEnd = log.startOffset();
        } else {
            Map.Entry<Integer, Long> after = epochs.higherEntry(epoch);
            ownEnd = after == null ? log.endOffset() : after.getValue();
        }
        long keepBelow = Math.min(leaderEndOffset, ownEnd);
        System.getLogger(PartitionFollower.class.getName()).log(System.Logger.Level.INFO,
                "partition " + stream + "/" + partition + " diverged from the leader after epoch " + epoch
                        + ": truncating from offset " + keepBelow);
        log.truncateAfter(keepBelow - 1);
        highWatermark = Math.min(highWatermark, keepBelow - 1);
    }

    public long highWatermark() {
        return highWatermark;
    }

    public PartitionLog log() {
        return log;
    }

    /** A replica with known-corrupt records is never eligible for leadership. */
    public boolean verified() {
        return log.knownCorruptOffsets().isEmpty();
    }

    /** A fetch answer from a leader older than one this follower already followed. */
    public static final class StaleLeaderException extends RuntimeException {
        public StaleLeaderException(String message) {
            super(message);
        }
    }
}
