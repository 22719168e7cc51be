package io.hawser.bus;

import io.hawser.model.AckPolicy;
import io.hawser.model.MirrorConfig;
import io.hawser.model.MirrorProgress;
import io.hawser.partition.FetchAnswer;
import io.hawser.model.PartitionStatus;
import io.hawser.model.PublishAck;
import io.hawser.model.PublishMessage;
import io.hawser.model.StoredMessage;
import io.hawser.model.StreamConfig;
import io.vertx.core.eventbus.EventBus;

import java.util.List;
import java.util.Map;

/** The typed messages carried on {@link Addresses}. */
public final class Messages {

    private Messages() {
    }

    /**
     * Messages to publish on one stream.
     *
     * @param ack            null = the stream's ack policy
     * @param expectedOffset -1 = no expectation; otherwise the partition's next offset must equal it
     */
    public record Publish(String stream, List<PublishMessage> messages, AckPolicy ack, long timeoutMs,
                          long expectedOffset) {
    }

    /** Acks in the order of the published messages. */
    public record PublishResult(List<PublishAck> acks) {
    }

    /** Messages already routed to one partition. {@code indexes} are their positions in the original publish. */
    public record Append(String stream, int partition, List<PublishMessage> messages, AckPolicy ack, long timeoutMs,
                         long expectedOffset) {
    }

    /**
     * Read committed messages.
     *
     * @param fromOffset an offset, or one of {@link #AT_TIME}, {@link #EARLIEST}, {@link #LATEST}, {@link #NEW},
     *                   resolved by the partition leader when the read arrives
     * @param waitMs     long-poll: wait up to this long for a message at {@code fromOffset} when none is there yet
     */
    public record Read(String stream, int partition, long fromOffset, long time, int limit, int maxBytes,
                       long waitMs) {
        /** The first message at or after {@code time}. */
        public static final long AT_TIME = -1;
        /** The first message still stored. */
        public static final long EARLIEST = -2;
        /** The last committed message (or the first one to come when there is none). */
        public static final long LATEST = -3;
        /** The first message committed after this read arrives. */
        public static final long NEW = -4;
    }

    /** @param highWatermark last committed offset, -1 when none */
    public record ReadResult(List<StoredMessage> messages, long nextOffset, long highWatermark, long startOffset) {
    }

    public record StreamName(String stream) {
    }

    public record StreamConfigMessage(StreamConfig config) {
    }

    /** @param created false when an identical stream already existed */
    public record StreamCreated(StreamConfig config, boolean created) {
    }

    /** Changes to a stream's config; null fields stay as they are. */
    public record StreamPatch(String stream, io.hawser.log.RetentionPolicy retention, Integer replicationFactor,
                              Integer minInsyncReplicas, AckPolicy ackPolicy, Boolean paused, Boolean readOnly) {
    }

    public record PartitionStatuses(List<PartitionStatus> partitions) {
    }

    /**
     * Sets a cursor. A client's put may move it back (a consumer rewinds); a {@code forwardOnly} put (the
     * republisher's) changes nothing when the cursor is already at or past {@code offset}, so a late write from a
     * deposed leader cannot move it back under the new one.
     */
    public record CursorPut(String stream, String cursor, int partition, long offset, boolean forwardOnly) {
        public CursorPut(String stream, String cursor, int partition, long offset) {
            this(stream, cursor, partition, offset, false);
        }
    }

    public record CursorGet(String stream, String cursor) {
    }

    public record CursorPositions(Map<Integer, Long> partitions) {
    }

    /** One consumer position of one incarnation of a stream, set at {@code updatedMs}. */
    public record CursorSaved(String stream, long incarnation, String cursor, int partition, long offset,
                              long updatedMs) {
    }

    public record Done() {
    }

    /**
     * A follower's fetch from its partition leader (replication). {@code fetchOffset} is the follower's durable log
     * end; {@code lastFetchedEpoch} the epoch of its last record (-1 when empty), for the divergence check.
     */
    public record Fetch(String stream, int partition, String replica, long leaderEpoch, long fetchOffset,
                        int lastFetchedEpoch, int maxBytes, long waitMs) {
    }

    public record FetchResult(FetchAnswer answer) {
    }

    /** Elector to storage: this node holds the partition's lock; lead it at an epoch of at least {@code minEpoch}. */
    public record Lead(String stream, int partition, long minEpoch) {
    }

    /** Storage to elector: the epoch this node now leads the partition at. */
    public record Leading(long epoch) {
    }

    /** Published (elector to storage) when a member left the cluster: its replicas cannot be in sync. */
    public record NodeGone(String nodeId) {
    }

    /** Elector to storage: leadership of the partition is lost or given up; follow the current leader. */
    public record Follow(String stream, int partition) {
    }

    /** Elector to storage: stop taking appends and wait (bounded) until an in-sync follower has everything. */
    public record HandOver(String stream, int partition, long waitMs) {
    }

    /** Storage to elector: the in-sync followers that have every record (best candidates), possibly none. */
    public record HandOverReady(List<String> caughtUp) {
    }

    /** Storage to elector: this node's leadership of the partition must end, its disk write failed. */
    public record StorageFailed(String stream, int partition, String reason) {
    }

    /** Elector to storage: may this node's replica lead (loaded, verified log)? */
    public record ReplicaCheck(String stream, int partition) {
    }

    public record ReplicaEligibility(boolean eligible, String reason) {
    }

    /**
     * A mirror puller's copies of source records, at the source's offsets, and its progress for describe. An empty
     * list only reports progress and asks for the log's end.
     */
    public record Copy(String stream, int partition, List<StoredMessage> records, MirrorProgress progress) {
    }

    /** The mirror partition's log end after the copies are durable on its leader: the next offset to copy. */
    public record Copied(long endOffset) {
    }

    /** Is this mirror's source reachable and allowed, and how many partitions does it have? */
    public record MirrorSource(MirrorConfig mirror) {
    }

    public record MirrorSourceInfo(int partitions, boolean compact) {
    }

    /** Registers the codec of every message type on a node's event bus. Call once per Vert.x instance. */
    public static void registerCodecs(EventBus bus) {
        WireCodec.register(bus, Publish.class);
        WireCodec.register(bus, PublishResult.class);
        WireCodec.register(bus, Append.class);
        WireCodec.register(bus, Read.class);
        WireCodec.register(bus, ReadResult.class);
        WireCodec.register(bus, StreamName.class);
        WireCodec.register(bus, StreamConfigMessage.class);
        WireCodec.register(bus, StreamCreated.class);
        WireCodec.register(bus, StreamPatch.class);
        WireCodec.register(bus, PartitionStatuses.class);
        WireCodec.register(bus, CursorPut.class);
        WireCodec.register(bus, CursorGet.class);
        WireCodec.register(bus, CursorPositions.class);
        WireCodec.register(bus, CursorSaved.class);
        WireCodec.register(bus, Done.class);
        WireCodec.register(bus, Fetch.class);
        WireCodec.register(bus, FetchResult.class);
        WireCodec.register(bus, Lead.class);
        WireCodec.register(bus, Leading.class);
        WireCodec.register(bus, Follow.class);
        WireCodec.register(bus, NodeGone.class);
        WireCodec.register(bus, HandOver.class);
        WireCodec.register(bus, HandOverReady.class);
        WireCodec.register(bus, ReplicaCheck.class);
        WireCodec.register(bus, ReplicaEligibility.class);
        WireCodec.register(bus, StorageFailed.class);
        WireCodec.register(bus, Copy.class);
        WireCodec.register(bus, Copied.class);
        WireCodec.register(bus, MirrorSource.class);
        WireCodec.register(bus, MirrorSourceInfo.class);
    }
}
