package io.hawser.storage;

import io.hawser.log.PartitionLog;
import io.hawser.model.MirrorProgress;
import io.hawser.partition.PartitionFollower;
import io.hawser.partition.PartitionLeader;

/**
 * This node's copy of one partition: its log, and the role it plays now (leader or follower). Role changes and
 * follower appends synchronise on the replica, so a log never has two writers.
 */
final class Replica {
    final String stream;
    final int partition;
    final PartitionLog log;
    private volatile PartitionLeader leader;
    private volatile PartitionFollower follower;
    private volatile boolean closed;
    /**
     * False for a copy that started empty although the partition already had data (a wiped or replaced disk):
     * such a replica may still be listed in the ISR, so it must not lead before it has caught up with a leader.
     */
    private volatile boolean caughtUp = true;
    /** What this node's mirror puller last reported while leading; null otherwise. */
    private volatile MirrorProgress mirrorProgress;

    Replica(String stream, int partition, PartitionLog log) {
        this.stream = stream;
        this.partition = partition;
        this.log = log;
        this.follower = new PartitionFollower(stream, partition, log, -1);
    }

    void startedEmpty() {
        caughtUp = false;
    }

    boolean caughtUp() {
        return caughtUp;
    }

    /** The follower reached the leader's high watermark: it holds everything committed so far. */
    void reachedHighWatermark(long leaderHighWatermark) {
        if (!caughtUp && log.endOffset() - 1 >= leaderHighWatermark) {
            caughtUp = true;
        }
    }

    PartitionLeader leader() {
        return leader;
    }

    PartitionFollower follower() {
        return follower;
    }

    boolean closed() {
        return closed;
    }

    /** The last committed offset this replica knows of. */
    long highWatermark() {
        PartitionLeader l = leader;
        if (l != null) {
            return l.highWatermark();
        }
        PartitionFollower f = follower;
        return f == null ? -1 : f.highWatermark();
    }

    MirrorProgress mirrorProgress() {
        return leader == null ? null : mirrorProgress;
    }

    void reportMirrorProgress(MirrorProgress progress) {
        mirrorProgress = progress;
    }

    synchronized void lead(PartitionLeader next) {
        mirrorProgress = null;
        follower = null;
        leader = next;
    }

    /** Ends leadership (if any) and follows. Blocking. */
    synchronized void follow() {
        PartitionLeader l = leader;
        if (l == null) {
            return;
        }
        long hw = l.highWatermark();
        leader = null;
        l.close();
        follower = new PartitionFollower(stream, partition, log, hw);
    }

    /** Stops every role; the log stays open for the caller to close or delete. Blocking. */
    synchronized void close() {
        closed = true;
        PartitionLeader l = leader;
        leader = null;
        follower = null;
        if (l != null) {
            l.close();
        }
    }
}
