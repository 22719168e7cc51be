package io.hawser.partition;

import io.hawser.log.LogException;
import io.hawser.log.LogStats;
import io.hawser.log.PartitionLog;
import io.hawser.log.Record;
import io.hawser.model.AckPolicy;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.PublishAck;
import io.hawser.model.PublishMessage;
import io.hawser.model.StoredMessage;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Leads one partition on this node: assigns offsets, de-duplicates message ids, checks expected offsets, serves
 * followers' fetches, keeps the in-sync replica set (ISR) and the high watermark (HW), and acknowledges publishes
 * only when their ack policy is met: {@code leader} after the durable sync that covers them (group commit),
 * {@code all} once the HW passed them. Nothing is acknowledged while the {@link LeaderLease} is not valid.
 *
 * <p>Threading: {@link #append} may be called from any thread; it queues the request. Queued requests are
 * committed by one drain task at a time on the injected executor: every request queued while a sync is in progress
 * shares the next one. Reads and fetches run on the caller's thread; reads only return records up to the HW.
 */
public final class PartitionLeader implements AutoCloseable {
    /** Upper bound of one group commit, so one huge burst cannot delay every ack behind it. */
    private static final int MAX_GROUP_BYTES = 16 * 1024 * 1024;
    private static final int MAX_FETCH_RECORDS = 50_000;

    private final String stream;
    private final int partition;
    private final PartitionLog log;
    private final int epoch;
    private final Clock clock;
    private final Executor appendExecutor;
    private final LeaderLease lease;
    private final IsrStore isrStore;
    private final String localReplica;
    private final long maxLagNanos;
    /** The first offset this leader writes: a follower must have reached it (truncated) before it may rejoin. */
    private final long epochStartOffset;
    private final ConcurrentLinkedQueue<PendingAppend> pending = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicReference<CompletableFuture<Void>> nextCommit = new AtomicReference<>(new CompletableFuture<>());
    private final AtomicReference<CompletableFuture<Void>> nextAppend = new AtomicReference<>(new CompletableFuture<>());
    /** Touched only by the drain task. */
    private final DedupWindow dedup;
    private long lastTimestamp;

    /** Guards the replication progress below; never held while calling out. */
    private final Object progress = new Object();
    /** Serialises ISR changes (each one is written to the metadata store before or after it applies). */
    private final Object isrChange = new Object();
    private final Map<String, FollowerProgress> followers = new HashMap<>();
    private final NavigableMap<Long, List<CompletableFuture<Void>>> hwWaiters = new TreeMap<>();
    private long durableEnd;
    private volatile List<String> isr;
    private volatile int minInsyncReplicas;

    private volatile long highWatermark;
    private volatile HawserException unavailable;
    private volatile CommitObserver commitObserver = CommitObserver.NONE;
    private volatile boolean storageFailed;

    /** Told about every group commit (for metrics); called on the append pool, must not block. */
    @FunctionalInterface
    public interface CommitObserver {
        CommitObserver NONE = (messages, syncNanos) -> { };

        void committed(int messages, long syncNanos);
    }

    /** A publish ({@code copies} null) or a mirror's copy of source records ({@code messages} empty). */
    private record PendingAppend(List<PublishMessage> messages, List<StoredMessage> copies, long expectedOffset,
                                 AckPolicy ack, CompletableFuture<List<PublishAck>> result) {
    }

    private static final class FollowerProgress {
        /** The follower's durable log end as its last fetch reported; -1 until it fetched from this leader. */
        long fetchOffset = -1;
        long lastCaughtUpNanos;
        long endAtLastFetch = Long.MAX_VALUE;
        long lastFetchNanos;

        FollowerProgress(long now) {
            lastCaughtUpNanos = now; // a grace period of maxLag to reach the new leader
        }
    }

    /**
     * Opens leadership over {@code log} at {@code epoch}: makes its contents durable and rebuilds the de-duplication
     * window from the stored message ids. Blocking; call on a worker thread.
     */
    public PartitionLeader(String stream, int partition, PartitionLog log, int epoch, long dedupWindowMs, Clock clock,
                           Executor appendExecutor, ReplicaSet replicas, LeaderLease lease, IsrStore isrStore) {
        this.stream = stream;
        this.partition = partition;
        this.log = log;
        this.epoch = epoch;
        this.clock = clock;
        this.appendExecutor = appendExecutor;
        this.lease = lease;
        this.isrStore = isrStore;
        this.localReplica = replicas.localReplica();
        this.maxLagNanos = replicas.maxLagMs() * 1_000_000L;
        this.minInsyncReplicas = replicas.minInsyncReplicas();
        this.dedup = new DedupWindow(dedupWindowMs);
        log.sync();
        this.epochStartOffset = log.endOffset();
        this.durableEnd = log.endOffset();
        this.highWatermark = Math.max(-1, Math.min(replicas.highWatermark(), durableEnd - 1));
        long now = lease.nanoTime();
        for (String r : replicas.replicas()) {
            if (!r.equals(localReplica)) {
                followers.put(r, new FollowerProgress(now));
            }
        }
        this.isr = List.copyOf(replicas.isr());
        rebuildDedup(dedupWindowMs);
        synchronized (progress) {
            advanceHighWatermark();
        }
    }

    /** A leader that is the partition's only replica, for ever (a single node). */
    public PartitionLeader(String stream, int partition, PartitionLog log, int epoch, long dedupWindowMs, Clock clock,
                           Executor appendExecutor) {
        this(stream, partition, log, epoch, dedupWindowMs, clock, appendExecutor, ReplicaSet.solo("local"),
                LeaderLease.permanent(), IsrStore.NONE);
    }

    private void rebuildDedup(long windowMs) {
        if (windowMs <= 0) {
            return;
        }
        long from = Math.max(log.startOffset(), log.offsetForTimestamp(clock.millis() - windowMs));
        long end = log.endOffset();
        while (from < end) {
            List<Record> chunk = log.read(from, end - 1, 10_000, 16 * 1024 * 1024);
            if (chunk.isEmpty()) {
                break;
            }
            for (Record r : chunk) {
                String id = r.headers().get(PublishMessage.MSG_ID_HEADER);
                if (id != null) {
                    dedup.remember(id, r.offset(), r.timestamp());
                }
                lastTimestamp = Math.max(lastTimestamp, r.timestamp());
            }
            from = chunk.get(chunk.size() - 1).offset() + 1;
        }
    }

    public String stream() {
        return stream;
    }

    public int partition() {
        return partition;
    }

    public int epoch() {
        return epoch;
    }

    /** Last committed offset, -1 when nothing is committed. */
    public long highWatermark() {
        return highWatermark;
    }

    public List<String> isr() {
        return isr;
    }

    public LeaderLease lease() {
        return lease;
    }

    public void setDedupWindowMs(long windowMs) {
        appendExecutor.execute(() -> dedup.setWindowMs(windowMs));
    }

    /** A write or fsync failed (disk full, I/O error): this leader takes no more writes and must step down. */
    public boolean storageFailed() {
        return storageFailed;
    }

    public void observeCommits(CommitObserver observer) {
        this.commitObserver = observer;
    }

    /** Per follower: how many messages of this leader's durable log it lacks (all of them before its first fetch). */
    public Map<String, Long> followerLags() {
        Map<String, Long> lags = new TreeMap<>();
        synchronized (progress) {
            followers.forEach((replica, f) -> lags.put(replica, Math.max(0,
                    durableEnd - Math.max(f.fetchOffset, log.startOffset()))));
        }
        return lags;
    }

    public void setMinInsyncReplicas(int minInsyncReplicas) {
        this.minInsyncReplicas = minInsyncReplicas;
    }

    /**
     * Queues messages for this partition. The future completes when {@code ack} is met, with one ack (or error) per
     * message in order; with {@code NONE} it completes at once with offset-less acks and the messages are stored
     * with the next group commit.
     *
     * @param expectedOffset -1, or the offset the first message must get (else every message fails with
     *                       {@code offset_mismatch})
     */
    public CompletableFuture<List<PublishAck>> append(List<PublishMessage> messages, long expectedOffset,
                                                      AckPolicy ack) {
        HawserException down = unavailable;
        if (down != null) {
            return CompletableFuture.failedFuture(down);
        }
        if (!lease.isValid()) {
            return CompletableFuture.failedFuture(notLeading());
        }
        if (ack == AckPolicy.ALL && isr.size() < minInsyncReplicas) {
            return CompletableFuture.failedFuture(new HawserException(ErrorCode.NOT_ENOUGH_REPLICAS,
                    "partition " + stream + "/" + partition + " has " + isr.size() + " in-sync replicas " + isr
                            + "; ack=all needs minInsyncReplicas " + minInsyncReplicas));
        }
        CompletableFuture<List<PublishAck>> result = new CompletableFuture<>();
        enqueue(new PendingAppend(messages, null, expectedOffset, ack, result));
        if (ack == AckPolicy.NONE) {
            List<PublishAck> accepted = new ArrayList<>(messages.size());
            for (int i = 0; i < messages.size(); i++) {
                accepted.add(PublishAck.accepted(stream, partition));
            }
            return CompletableFuture.completedFuture(accepted);
        }
        return result;
    }

    /**
     * Appends a mirror's copies of source records at the offsets and timestamps they carry (stamped with this
     * leader's epoch), in the same group commits as publishes. Completes once they are durable here, with the log's
     * end offset; an empty list just reports the end. Fails with {@code offset_mismatch}, storing nothing, unless
     * the offsets increase strictly from at least the log's end: a second puller cannot write over the first.
     */
    public CompletableFuture<Long> copy(List<StoredMessage> records) {
        HawserException down = unavailable;
        if (down != null) {
            return CompletableFuture.failedFuture(down);
        }
        if (!lease.isValid()) {
            return CompletableFuture.failedFuture(notLeading());
        }
        CompletableFuture<List<PublishAck>> result = new CompletableFuture<>();
        enqueue(new PendingAppend(List.of(), records, -1, AckPolicy.LEADER, result));
        return result.thenCompose(acks -> {
            for (PublishAck a : acks) {
                if (a.isError()) {
                    return CompletableFuture.failedFuture(new HawserException(a.error(), a.errorMessage()));
                }
            }
            return CompletableFuture.completedFuture(acks.isEmpty() ? log.endOffset()
                    : acks.get(acks.size() - 1).offset() + 1);
        });
    }

    private void enqueue(PendingAppend append) {
        pending.add(append);
        if (drainScheduled.compareAndSet(false, true)) {
            appendExecutor.execute(this::drain);
        }
    }

    private HawserException notLeading() {
        return new HawserException(ErrorCode.NO_LEADER, "this node's leadership of " + stream + "/" + partition
                + " (epoch " + epoch + ") is not confirmed; retry");
    }

    /** For a message that may be stored but whose ack policy can no longer be confirmed. */
    private HawserException notAcknowledged(String why) {
        return new HawserException(ErrorCode.ACK_TIMEOUT, "not acknowledged: " + why + " (" + stream + "/"
                + partition + ", epoch " + epoch + "); the message may or may not be stored, retry with the same "
                + "message id");
    }

    private void drain() {
        try {
            List<PendingAppend> group = new ArrayList<>();
            long bytes = 0;
            PendingAppend next;
            while (bytes < MAX_GROUP_BYTES && (next = pending.poll()) != null) {
                group.add(next);
                for (PublishMessage m : next.messages()) {
                    bytes += m.sizeInBytes();
                }
                if (next.copies() != null) {
                    for (StoredMessage m : next.copies()) {
                        bytes += m.value().length;
                    }
                }
            }
            if (!group.isEmpty()) {
                commit(group);
            }
        } finally {
            drainScheduled.set(false);
            if (!pending.isEmpty() && drainScheduled.compareAndSet(false, true)) {
                appendExecutor.execute(this::drain);
            }
        }
    }

    private void commit(List<PendingAppend> group) {
        HawserException down = unavailable;
        if (down == null && !lease.isValid()) {
            down = notLeading();
        }
        if (down != null) {
            for (PendingAppend p : group) {
                p.result().completeExceptionally(down);
            }
            return;
        }
        long firstOffset = log.endOffset();
        long nextOffset = firstOffset;
        long now = Math.max(clock.millis(), lastTimestamp);
        List<Record> records = new ArrayList<>();
        List<List<PublishAck>> acks = new ArrayList<>(group.size());
        for (PendingAppend p : group) {
            if (p.copies() != null) {
                acks.add(copyInto(records, p.copies(), nextOffset));
                if (!acks.get(acks.size() - 1).isEmpty() && !acks.get(acks.size() - 1).get(0).isError()) {
                    nextOffset = p.copies().get(p.copies().size() - 1).offset() + 1;
                }
                continue;
            }
            List<PublishAck> requestAcks = new ArrayList<>(p.messages().size());
            if (p.expectedOffset() >= 0 && p.expectedOffset() != nextOffset) {
                HawserException mismatch = new HawserException(ErrorCode.OFFSET_MISMATCH,
                        "expected offset " + p.expectedOffset() + " but the next offset of " + stream + "/"
                                + partition + " is " + nextOffset);
                p.messages().forEach(m -> requestAcks.add(PublishAck.failed(stream, partition, mismatch)));
                acks.add(requestAcks);
                continue;
            }
            for (PublishMessage m : p.messages()) {
                if (m.msgId() != null) {
                    DedupWindow.FirstCopy first = dedup.find(m.msgId(), now);
                    if (first != null) {
                        requestAcks.add(PublishAck.stored(stream, partition, first.offset(), first.timestamp(), true));
                        continue;
                    }
                    dedup.remember(m.msgId(), nextOffset, now);
                }
                records.add(new Record(nextOffset, epoch, now, m.key(), storedHeaders(m), m.value()));
                requestAcks.add(PublishAck.stored(stream, partition, nextOffset, now, false));
                nextOffset++;
            }
            acks.add(requestAcks);
        }
        if (!records.isEmpty()) {
            boolean appended = false;
            try {
                log.append(records);
                appended = true;
                // Followers may fetch while the leader syncs: their fsync overlaps ours.
                nextAppend.getAndSet(new CompletableFuture<>()).complete(null);
                long syncStart = System.nanoTime();
                log.sync();
                commitObserver.committed(records.size(), System.nanoTime() - syncStart);
            } catch (LogException | IllegalArgumentException e) {
                // The log's state after a failed write is unknown: stop acknowledging; the partition must be reopened
                // (under a new leader epoch) before it takes writes again.
                dedup.forgetAfter(firstOffset - 1);
                HawserException failure = new HawserException(ErrorCode.STORAGE_UNAVAILABLE,
                        "partition " + stream + "/" + partition + " cannot store messages: " + e.getMessage());
                unavailable = failure;
                storageFailed = true;
                // Appended but not synced: readable, so a follower may have fetched it; its fate is unknown (504).
                HawserException answer = appended ? notAcknowledged("the disk write failed: " + e.getMessage())
                        : failure;
                group.forEach(p -> p.result().completeExceptionally(answer));
                return;
            }
            lastTimestamp = now;
            List<CompletableFuture<Void>> released;
            synchronized (progress) {
                durableEnd = nextOffset;
                released = advanceHighWatermark();
            }
            released.forEach(w -> w.complete(null));
        }
        for (int i = 0; i < group.size(); i++) {
            PendingAppend p = group.get(i);
            List<PublishAck> requestAcks = acks.get(i);
            if (p.ack() == AckPolicy.ALL) {
                awaitCommitted(requestAcks).whenComplete((v, e) -> completeIfLeading(p, requestAcks, e, true));
            } else {
                completeIfLeading(p, requestAcks, null, false);
            }
        }
    }

    /** Adds a mirror's copies to {@code records} when their offsets fit after {@code nextOffset}; one ack each. */
    private List<PublishAck> copyInto(List<Record> records, List<StoredMessage> copies, long nextOffset) {
        List<PublishAck> acks = new ArrayList<>(copies.size());
        long previous = nextOffset - 1;
        for (StoredMessage m : copies) {
            if (m.offset() <= previous) {
                HawserException mismatch = new HawserException(ErrorCode.OFFSET_MISMATCH, "a copy of offset "
                        + m.offset() + " does not fit after offset " + previous + " of " + stream + "/" + partition
                        + " (next offset " + nextOffset + ")");
                acks.clear();
                copies.forEach(c -> acks.add(PublishAck.failed(stream, partition, mismatch)));
                return acks;
            }
            previous = m.offset();
        }
        for (StoredMessage m : copies) {
            records.add(new Record(m.offset(), epoch, m.timestamp(), m.key(), m.headers(), m.value()));
            acks.add(PublishAck.stored(stream, partition, m.offset(), m.timestamp(), false));
        }
        return acks;
    }

    private void completeIfLeading(PendingAppend p, List<PublishAck> requestAcks, Throwable failure,
                                   boolean replicated) {
        if (failure != null) {
            p.result().completeExceptionally(failure);
        } else if (!lease.isValid()) {
            p.result().completeExceptionally(notAcknowledged("the leader's lease ran out before the ack"));
        } else if (replicated && isr.size() < minInsyncReplicas) {
            // 503 promises nothing was stored; this message was, so it gets the "unknown outcome" answer.
            p.result().completeExceptionally(notAcknowledged("only " + isr.size() + " replicas " + isr
                    + " are in sync, below minInsyncReplicas " + minInsyncReplicas));
        } else {
            p.result().complete(requestAcks);
        }
    }

    /** Completes once the HW reaches the highest offset among {@code acks}. */
    private CompletableFuture<Void> awaitCommitted(List<PublishAck> acks) {
        long last = -1;
        for (PublishAck a : acks) {
            if (!a.isError()) {
                last = Math.max(last, a.offset());
            }
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (progress) {
            if (last <= highWatermark) {
                return CompletableFuture.completedFuture(null);
            }
            HawserException down = unavailable;
            if (down != null) {
                return CompletableFuture.failedFuture(notAcknowledged("leadership ended before the replicas had it"));
            }
            hwWaiters.computeIfAbsent(last, k -> new ArrayList<>()).add(done);
        }
        return done;
    }

    /** Moves the HW to the lowest durable end over the ISR; returns the waiters it released. Holds progress. */
    private List<CompletableFuture<Void>> advanceHighWatermark() {
        long end = durableEnd;
        for (String r : isr) {
            FollowerProgress f = followers.get(r);
            if (f != null) {
                end = Math.min(end, f.fetchOffset);
            }
        }
        if (end - 1 <= highWatermark) {
            return List.of();
        }
        highWatermark = end - 1;
        List<CompletableFuture<Void>> released = new ArrayList<>();
        NavigableMap<Long, List<CompletableFuture<Void>>> done = hwWaiters.headMap(highWatermark, true);
        done.values().forEach(released::addAll);
        done.clear();
        CompletableFuture<Void> commit = nextCommit.getAndSet(new CompletableFuture<>());
        released.add(commit);
        return released;
    }

    private static Map<String, String> storedHeaders(PublishMessage m) {
        if (m.msgId() == null) {
            return m.headers();
        }
        Map<String, String> headers = new LinkedHashMap<>(m.headers());
        headers.put(PublishMessage.MSG_ID_HEADER, m.msgId());
        return headers;
    }

    /**
     * Serves a follower's fetch: checks its log against this leader's epoch history, records its durable end
     * ({@code fetchOffset}) for the ISR and HW, and returns the records from there. Blocking (reads the log).
     *
     * @param lastFetchedEpoch the epoch of the follower's last record, -1 when its log is empty
     */
    public FetchAnswer fetch(String replica, long fetchOffset, int lastFetchedEpoch, int maxBytes) {
        HawserException down = unavailable;
        if (down != null) {
            throw down;
        }
        FollowerProgress known;
        synchronized (progress) {
            known = followers.get(replica);
        }
        if (known == null) {
            throw new HawserException(ErrorCode.BAD_REQUEST, replica + " is not a replica of " + stream + "/"
                    + partition);
        }
        if (lastFetchedEpoch >= 0) {
            NavigableMap<Integer, Long> epochs = log.epochStartOffsets();
            Map.Entry<Integer, Long> floor = epochs.floorEntry(lastFetchedEpoch);
            int sameEpoch = floor == null ? -1 : floor.getKey();
            long end;
            if (floor == null) {
                end = log.startOffset();
            } else {
                Integer higher = epochs.higherKey(sameEpoch);
                end = higher == null ? log.endOffset() : epochs.get(higher);
            }
            if (sameEpoch != lastFetchedEpoch || fetchOffset > end) {
                return new FetchAnswer(epoch, highWatermark, log.startOffset(), List.of(), sameEpoch, end);
            }
        }
        long start = log.startOffset();
        if (fetchOffset < start) {
            return new FetchAnswer(epoch, highWatermark, start, List.of(), FetchAnswer.NOT_DIVERGED, -1);
        }
        recordProgress(replica, fetchOffset);
        List<Record> records = fetchOffset < log.endOffset()
                ? log.read(fetchOffset, Long.MAX_VALUE, MAX_FETCH_RECORDS, Math.max(1, maxBytes))
                : List.of();
        return new FetchAnswer(epoch, highWatermark, start, records, FetchAnswer.NOT_DIVERGED, -1);
    }

    private void recordProgress(String replica, long fetchOffset) {
        long now = lease.nanoTime();
        boolean rejoin;
        List<CompletableFuture<Void>> released;
        synchronized (progress) {
            FollowerProgress f = followers.get(replica);
            if (f == null) {
                return;
            }
            if (fetchOffset < f.fetchOffset && isr.contains(replica)) {
                // Its durable end went backwards: it lost data (wiped or restored disk). It must leave the ISR.
                f.lastCaughtUpNanos = Long.MIN_VALUE / 2;
            } else {
                long end = log.endOffset();
                if (fetchOffset >= end) {
                    f.lastCaughtUpNanos = now;
                } else if (fetchOffset >= f.endAtLastFetch) {
                    f.lastCaughtUpNanos = Math.max(f.lastCaughtUpNanos, f.lastFetchNanos);
                }
                f.endAtLastFetch = end;
            }
            f.fetchOffset = fetchOffset;
            f.lastFetchNanos = now;
            rejoin = !isr.contains(replica) && fetchOffset > highWatermark && fetchOffset >= epochStartOffset
                    && now - f.lastCaughtUpNanos < maxLagNanos;
            released = advanceHighWatermark();
        }
        released.forEach(w -> w.complete(null));
        if (rejoin) {
            changeIsr(replica, true);
        }
    }

    /**
     * Removes followers that have not caught up within {@code maxLagMs} from the ISR (writing the smaller ISR to
     * the metadata first, so no ack ever relies on an ISR the cluster does not know). Blocking; call periodically.
     */
    public void checkIsr() {
        long now = lease.nanoTime();
        List<String> lagging = new ArrayList<>();
        synchronized (progress) {
            for (String r : isr) {
                FollowerProgress f = followers.get(r);
                if (f != null && now - f.lastCaughtUpNanos > maxLagNanos) {
                    lagging.add(r);
                }
            }
        }
        for (String r : lagging) {
            changeIsr(r, false);
        }
    }

    private void changeIsr(String replica, boolean join) {
        synchronized (isrChange) {
            List<String> current = isr;
            if (current.contains(replica) == join || unavailable != null) {
                return;
            }
            List<String> next = new ArrayList<>(current);
            if (join) {
                next.add(replica);
                // Grow in memory first: from now on the HW waits for it, before the cluster may elect it.
                synchronized (progress) {
                    isr = List.copyOf(next);
                }
                IsrStore.Outcome outcome = isrStore.write(next);
                if (outcome == IsrStore.Outcome.DEPOSED) {
                    depose();
                } else if (outcome == IsrStore.Outcome.NOT_YET) {
                    synchronized (progress) {
                        isr = current; // it rejoins at its next fetch
                    }
                }
                return;
            }
            next.remove(replica);
            IsrStore.Outcome outcome = isrStore.write(next);
            if (outcome == IsrStore.Outcome.DEPOSED) {
                depose();
                return;
            }
            if (outcome == IsrStore.Outcome.NOT_YET) {
                return; // the next check shrinks it
            }
            List<CompletableFuture<Void>> released;
            synchronized (progress) {
                isr = List.copyOf(next);
                released = advanceHighWatermark();
            }
            released.forEach(w -> w.complete(null));
        }
    }

    /**
     * The partition's replicas changed (replication factor patched): new followers start outside the ISR and
     * join it once caught up; removed ones stop counting for the HW at once.
     */
    public void setReplicas(List<String> replicas) {
        List<CompletableFuture<Void>> released;
        synchronized (isrChange) {
            synchronized (progress) {
                long now = lease.nanoTime();
                followers.keySet().removeIf(r -> !replicas.contains(r));
                for (String r : replicas) {
                    if (!r.equals(localReplica)) {
                        followers.computeIfAbsent(r, k -> new FollowerProgress(now));
                    }
                }
                isr = isr.stream().filter(r -> r.equals(localReplica) || replicas.contains(r)).toList();
                released = advanceHighWatermark();
            }
        }
        released.forEach(w -> w.complete(null));
    }

    /** A replica's node left the cluster: it cannot be in sync, so it leaves the ISR now rather than at maxLag. */
    public void replicaGone(String replica) {
        if (replica.equals(localReplica)) {
            return;
        }
        synchronized (progress) {
            FollowerProgress f = followers.get(replica);
            if (f != null) {
                f.lastCaughtUpNanos = Long.MIN_VALUE / 2; // checkIsr retries the shrink if this one cannot be written
            }
        }
        changeIsr(replica, false);
    }

    /** Another leader epoch exists: acknowledge nothing more. */
    private void depose() {
        lease.revoke();
        unavailable = new HawserException(ErrorCode.NO_LEADER, "this node no longer leads " + stream + "/"
                + partition + " (epoch " + epoch + " is over); retry");
    }

    /** True once this leader found it was deposed (its epoch is over); the owner should close it. */
    public boolean deposed() {
        return unavailable != null && unavailable.code() == ErrorCode.NO_LEADER;
    }

    /** Completes when a new record is appended (followers' long-poll). */
    public CompletableFuture<Void> nextAppend() {
        return nextAppend.get();
    }

    /** For a graceful hand-over: the in-sync followers whose durable end equals this leader's. */
    public List<String> caughtUpFollowers() {
        List<String> result = new ArrayList<>();
        synchronized (progress) {
            for (String r : isr) {
                FollowerProgress f = followers.get(r);
                if (f != null && f.fetchOffset >= durableEnd) {
                    result.add(r);
                }
            }
        }
        return result;
    }

    /**
     * Stops taking appends (hand-over): new and still-queued appends fail with {@code no_leader}; a group commit
     * already under way finishes and is acknowledged while the lease still holds. Blocking (bounded, 5 s).
     */
    public void stopAppends() {
        unavailable = new HawserException(ErrorCode.NO_LEADER, "leadership of " + stream + "/" + partition
                + " is being handed over; retry");
        awaitNoGroupCommit(5_000_000_000L);
    }

    /** Waits (at most {@code maxNanos}) until no group commit is in progress. */
    private void awaitNoGroupCommit(long maxNanos) {
        long deadline = System.nanoTime() + maxNanos;
        while (drainScheduled.get() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /**
     * Committed records from {@code fromOffset}, at most {@code limit} and about {@code maxBytes}. Blocking.
     *
     * @throws io.hawser.log.OffsetOutOfRangeException when {@code fromOffset} was removed by retention
     */
    public List<Record> readCommitted(long fromOffset, int limit, int maxBytes) {
        long hw = highWatermark;
        if (fromOffset > hw) {
            if (fromOffset < log.startOffset()) {
                log.read(fromOffset, hw, 1, 1); // throws offset out of range
            }
            return List.of();
        }
        return log.read(fromOffset, hw, limit, maxBytes);
    }

    /** Completes at the next commit that advances the high watermark. */
    public CompletableFuture<Void> nextCommit() {
        return nextCommit.get();
    }

    /** First offset at or after {@code timestamp}; the high watermark + 1 when none is committed yet. */
    public long offsetForTimestamp(long timestamp) {
        return Math.min(log.offsetForTimestamp(timestamp), highWatermark + 1);
    }

    public LogStats stats() {
        return log.stats();
    }

    public PartitionLog log() {
        return log;
    }

    /**
     * Fails queued and future appends and waits (bounded) for an in-progress group commit to finish, so the owner
     * can close the log afterwards. Blocking.
     */
    @Override
    public void close() {
        if (!deposed()) {
            unavailable = new HawserException(ErrorCode.NO_LEADER,
                    "partition " + stream + "/" + partition + " is closing on this node");
        }
        awaitNoGroupCommit(30_000_000_000L);
        PendingAppend p;
        while ((p = pending.poll()) != null) {
            p.result().completeExceptionally(unavailable);
        }
        List<CompletableFuture<Void>> waiting = new ArrayList<>();
        synchronized (progress) {
            hwWaiters.values().forEach(waiting::addAll);
            hwWaiters.clear();
        }
        HawserException ended = notAcknowledged("leadership ended before the replicas had it");
        waiting.forEach(w -> w.completeExceptionally(ended));
        // Wake waiting readers and fetchers so they find out now rather than at their timeout.
        nextCommit.get().complete(null);
        nextAppend.get().complete(null);
    }
}
