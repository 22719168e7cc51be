package io.hawser.bus;

import io.hawser.model.AckPolicy;
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

    public record CursorPut(String stream, String cursor, int partition, long offset) {
    }

    public record CursorGet(String stream, String cursor) {
    }

    public record CursorPositions(Map<Integer, Long> partitions) {
    }

    public record Done() {
    }

    /** Registers the codec of every message type on a node's event bus. Call once per Vert.x instance. */
    public static void registerCodecs(EventBus bus) {
        LocalCodec.register(bus, Publish.class);
        LocalCodec.register(bus, PublishResult.class);
        LocalCodec.register(bus, Append.class);
        LocalCodec.register(bus, Read.class);
        LocalCodec.register(bus, ReadResult.class);
        LocalCodec.register(bus, StreamName.class);
        LocalCodec.register(bus, StreamConfigMessage.class);
        LocalCodec.register(bus, StreamCreated.class);
        LocalCodec.register(bus, StreamPatch.class);
        LocalCodec.register(bus, PartitionStatuses.class);
        LocalCodec.register(bus, CursorPut.class);
        LocalCodec.register(bus, CursorGet.class);
        LocalCodec.register(bus, CursorPositions.class);
        LocalCodec.register(bus, Done.class);
    }
}
