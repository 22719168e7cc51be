package io.hawser.partition;

import io.hawser.log.LogException;
import io.hawser.log.LogStats;
import io.hawser.log.PartitionLog;
import io.hawser.log.Record;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.PublishAck;
import io.hawser.model.PublishMessage;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Leads one partition on this node: assigns offsets, de-duplicates message ids, checks expected offsets and
 * acknowledges publishes only after the durable sync that covers them (group commit).
 *
 * <p>Threading: {@link #append} may be called from any thread; it queues the request. Queued requests are
 * committed by one drain task at a time on the injected executor: every request queued while a sync is in progress
 * shares the next one. Reads run on the caller's thread and only return records up to the high watermark.
 */
public final class PartitionLeader implements AutoCloseable {
    /** Upper bound of one group commit, so one huge burst cannot delay every ack behind it. */
    private static final int MAX_GROUP_BYTES = 16 * 1024 * 1024;

    private final String stream;
    private final int partition;
    private final PartitionLog log;
    private final int epoch;
    private final Clock clock;
    private final Executor appendExecutor;
    private final ConcurrentLinkedQueue<PendingAppend> pending = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicReference<CompletableFuture<Void>> nextCommit = new AtomicReference<>(new CompletableFuture<>());
    /** Touched only by the drain task. */
    private final DedupWindow dedup;
    private long lastTimestamp;

    private volatile long highWatermark;
    private volatile HawserException unavailable;

    private record PendingAppend(List<PublishMessage> messages, long expectedOffset, boolean acked,
                                 CompletableFuture<List<PublishAck>> result) {
    }

    /**
     * Opens leadership over {@code log}: makes its contents durable, sets the high watermark to its end and rebuilds
     * the de-duplication window from the stored message ids. Blocking; call on a worker thread.
     */
    public PartitionLeader(String stream, int partition, PartitionLog log, int epoch, long dedupWindowMs, Clock clock,
                           Executor appendExecutor) {
        this.stream = stream;
        this.partition = partition;
        this.log = log;
        this.epoch = epoch;
        this.clock = clock;
        this.appendExecutor = appendExecutor;
        this.dedup = new DedupWindow(dedupWindowMs);
        log.sync();
        this.highWatermark = log.endOffset() - 1;
        rebuildDedup(dedupWindowMs);
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

    public void setDedupWindowMs(long windowMs) {
        appendExecutor.execute(() -> dedup.setWindowMs(windowMs));
    }

    /**
     * Queues messages for this partition. With {@code acked} the future completes after the durable sync that
     * covers them, with one ack (or error) per message in order; without, it completes at once with offset-less
     * acks and the messages are stored with the next group commit.
     *
     * @param expectedOffset -1, or the offset the first message must get (else every message fails with
     *                       {@code offset_mismatch})
     */
    public CompletableFuture<List<PublishAck>> append(List<PublishMessage> messages, long expectedOffset,
                                                      boolean acked) {
        HawserException down = unavailable;
        if (down != null) {
            return CompletableFuture.failedFuture(down);
        }
        CompletableFuture<List<PublishAck>> result = new CompletableFuture<>();
        pending.add(new PendingAppend(messages, expectedOffset, acked, result));
        if (drainScheduled.compareAndSet(false, true)) {
            appendExecutor.execute(this::drain);
        }
        if (!acked) {
            List<PublishAck> accepted = new ArrayList<>(messages.size());
            for (int i = 0; i < messages.size(); i++) {
                accepted.add(PublishAck.accepted(stream, partition));
            }
            return CompletableFuture.completedFuture(accepted);
        }
        return result;
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
        if (down != null) {
            group.forEach(p -> p.result().completeExceptionally(down));
            return;
        }
        long firstOffset = log.endOffset();
        long nextOffset = firstOffset;
        long now = Math.max(clock.millis(), lastTimestamp);
        List<Record> records = new ArrayList<>();
        List<List<PublishAck>> acks = new ArrayList<>(group.size());
        for (PendingAppend p : group) {
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
            try {
                log.append(records);
                log.sync();
            } catch (LogException | IllegalArgumentException e) {
                // The log's state after a failed write is unknown: stop acknowledging until it is reopened.
                dedup.forgetAfter(firstOffset - 1);
                HawserException failure = new HawserException(ErrorCode.STORAGE_UNAVAILABLE,
                        "partition " + stream + "/" + partition + " cannot store messages: " + e.getMessage());
                unavailable = failure;
                group.forEach(p -> p.result().completeExceptionally(failure));
                return;
            }
            lastTimestamp = now;
            highWatermark = nextOffset - 1;
        }
        for (int i = 0; i < group.size(); i++) {
            group.get(i).result().complete(acks.get(i));
        }
        if (!records.isEmpty()) {
            nextCommit.getAndSet(new CompletableFuture<>()).complete(null);
        }
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
        HawserException closed = new HawserException(ErrorCode.NO_LEADER,
                "partition " + stream + "/" + partition + " is closing on this node");
        unavailable = closed;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (drainScheduled.get() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            Thread.yield();
        }
        PendingAppend p;
        while ((p = pending.poll()) != null) {
            p.result().completeExceptionally(closed);
        }
        // Wake waiting readers so they find out now rather than at their timeout.
        nextCommit.get().complete(null);
    }
}
