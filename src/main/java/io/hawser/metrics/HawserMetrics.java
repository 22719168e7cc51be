package io.hawser.metrics;

import io.hawser.model.MirrorProgress;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Hawser's own meters. Thread-safe; meters are created once per stream and cached. */
public final class HawserMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counter> messagesIn = new ConcurrentHashMap<>();
    private final Map<String, Counter> bytesIn = new ConcurrentHashMap<>();
    private final Map<String, Counter> messagesOut = new ConcurrentHashMap<>();
    private final Map<String, Counter> bytesOut = new ConcurrentHashMap<>();
    private final Map<String, Timer> appendLatency = new ConcurrentHashMap<>();

    private final MultiGauge endOffsets;
    private final MultiGauge highWatermarks;
    private final MultiGauge isrSizes;
    private final AtomicLong underReplicated = new AtomicLong();
    private final AtomicLong offline = new AtomicLong();
    private final Counter elections;
    private final MultiGauge mirrorLags;
    private final MultiGauge mirrorContactAges;
    private final MultiGauge mirrorStates;
    private final Map<String, Counter> mirrorProblems = new ConcurrentHashMap<>();
    private final Map<String, Counter> storageFailures = new ConcurrentHashMap<>();
    private final MultiGauge subscriberCounts;
    private final MultiGauge subscriberLags;
    private final MultiGauge replicaLags;
    private final MultiGauge partitionBytes;
    private final Timer groupCommitSync;
    private final AtomicLong diskFree = new AtomicLong();
    private final AtomicLong diskTotal = new AtomicLong();
    private final io.micrometer.core.instrument.DistributionSummary groupCommitMessages;

    /** What a partition leader on this node reports, refreshed periodically. */
    public record LedPartition(String stream, int partition, long endOffset, long highWatermark, int isr,
                               int replicas, MirrorProgress mirror) {
    }

    public HawserMetrics(MeterRegistry registry) {
        this.registry = registry;
        endOffsets = MultiGauge.builder("hawser.partition.end.offset")
                .description("Next offset to be written, per partition led by this node").register(registry);
        highWatermarks = MultiGauge.builder("hawser.partition.high.watermark")
                .description("Last committed offset, per partition led by this node").register(registry);
        isrSizes = MultiGauge.builder("hawser.partition.isr")
                .description("In-sync replicas, per partition led by this node").register(registry);
        io.micrometer.core.instrument.Gauge.builder("hawser.partitions.under.replicated", underReplicated,
                AtomicLong::get).description("Partitions led by this node with fewer in-sync replicas than replicas")
                .register(registry);
        io.micrometer.core.instrument.Gauge.builder("hawser.partitions.offline", offline, AtomicLong::get)
                .description("Partitions without a live leader, as this node sees the cluster").register(registry);
        mirrorLags = MultiGauge.builder("hawser.mirror.lag")
                .description("Source offsets a mirror partition led by this node has not copied yet")
                .register(registry);
        mirrorContactAges = MultiGauge.builder("hawser.mirror.contact.age").baseUnit("seconds")
                .description("Time since a mirror partition's source last answered").register(registry);
        mirrorStates = MultiGauge.builder("hawser.mirror.state")
                .description("1 for the current state of a mirror partition led by this node").register(registry);
        subscriberCounts = MultiGauge.builder("hawser.subscribers")
                .description("Open WebSocket subscriptions on this node, per stream").register(registry);
        subscriberLags = MultiGauge.builder("hawser.subscriber.lag")
                .description("Largest number of committed messages a WebSocket subscriber of the stream has not "
                        + "received yet").register(registry);
        replicaLags = MultiGauge.builder("hawser.replica.lag")
                .description("Messages a follower lacks of its leader's log, per partition led by this node")
                .register(registry);
        partitionBytes = MultiGauge.builder("hawser.partition.size").baseUnit("bytes")
                .description("Bytes stored by this node's replica of a partition").register(registry);
        groupCommitSync = Timer.builder("hawser.group.commit.sync")
                .description("fsync of one group commit on a partition leader").publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(20_000)).maximumExpectedValue(Duration.ofSeconds(5))
                .register(registry);
        groupCommitMessages = io.micrometer.core.instrument.DistributionSummary.builder("hawser.group.commit.messages")
                .description("Messages stored by one group commit (one fsync)").publishPercentileHistogram()
                .maximumExpectedValue(100_000.0).register(registry);
        io.micrometer.core.instrument.Gauge.builder("hawser.disk.free", diskFree, AtomicLong::get).baseUnit("bytes")
                .description("Usable space on the data directory's file system").register(registry);
        io.micrometer.core.instrument.Gauge.builder("hawser.disk.total", diskTotal, AtomicLong::get).baseUnit("bytes")
                .description("Size of the data directory's file system").register(registry);
        elections = Counter.builder("hawser.leader.elections").description("Times this node became a partition leader")
                .register(registry);
    }

    /** Replaces the per-partition replication gauges with the current state. */
    public void replication(List<LedPartition> led, long offlinePartitions) {
        List<MultiGauge.Row<?>> ends = new ArrayList<>();
        List<MultiGauge.Row<?>> hws = new ArrayList<>();
        List<MultiGauge.Row<?>> isrs = new ArrayList<>();
        List<MultiGauge.Row<?>> lags = new ArrayList<>();
        List<MultiGauge.Row<?>> ages = new ArrayList<>();
        List<MultiGauge.Row<?>> states = new ArrayList<>();
        long now = System.currentTimeMillis();
        long under = 0;
        for (LedPartition p : led) {
            Tags tags = Tags.of("stream", p.stream(), "partition", Integer.toString(p.partition()));
            MirrorProgress m = p.mirror();
            if (m != null) {
                lags.add(MultiGauge.Row.of(tags, m.lag()));
                if (m.lastContactMs() > 0) {
                    ages.add(MultiGauge.Row.of(tags, Math.max(0, now - m.lastContactMs()) / 1000.0));
                }
                for (MirrorProgress.State state : MirrorProgress.State.values()) {
                    states.add(MultiGauge.Row.of(tags.and("state", state.wireName()), state == m.state() ? 1 : 0));
                }
            }
            ends.add(MultiGauge.Row.of(tags, p.endOffset()));
            hws.add(MultiGauge.Row.of(tags, p.highWatermark()));
            isrs.add(MultiGauge.Row.of(tags, p.isr()));
            if (p.isr() < p.replicas()) {
                under++;
            }
        }
        endOffsets.register(ends, true);
        highWatermarks.register(hws, true);
        isrSizes.register(isrs, true);
        mirrorLags.register(lags, true);
        mirrorContactAges.register(ages, true);
        mirrorStates.register(states, true);
        underReplicated.set(under);
        offline.set(offlinePartitions);
    }

    /** A follower of a partition this node leads, and how many messages it lacks. */
    public record ReplicaLag(String stream, int partition, String replica, long lag) {
    }

    /** This node's replica of a partition and its size on disk. */
    public record ReplicaSize(String stream, int partition, long bytes) {
    }

    /** Replaces the follower-lag and partition-size gauges. */
    public void replicas(List<ReplicaLag> lags, List<ReplicaSize> sizes) {
        List<MultiGauge.Row<?>> lagRows = new ArrayList<>();
        for (ReplicaLag l : lags) {
            lagRows.add(MultiGauge.Row.of(Tags.of("stream", l.stream(), "partition", Integer.toString(l.partition()),
                    "replica", l.replica()), l.lag()));
        }
        List<MultiGauge.Row<?>> sizeRows = new ArrayList<>();
        for (ReplicaSize r : sizes) {
            sizeRows.add(MultiGauge.Row.of(Tags.of("stream", r.stream(), "partition", Integer.toString(r.partition())),
                    r.bytes()));
        }
        replicaLags.register(lagRows, true);
        partitionBytes.register(sizeRows, true);
    }

    /** A partition leader's disk write failed (disk full, I/O error); it gave up its leadership. */
    public void storageFailed(String stream) {
        storageFailures.computeIfAbsent(stream, k -> Counter.builder("hawser.storage.failures")
                .description("Partition leaders that stopped after a failed disk write").tag("stream", stream)
                .register(registry)).increment();
    }

    public void disk(long freeBytes, long totalBytes) {
        diskFree.set(freeBytes);
        diskTotal.set(totalBytes);
    }

    /** One group commit on a partition leader: its messages and its fsync time. */
    public void groupCommitted(int messages, long syncNanos) {
        groupCommitMessages.record(messages);
        groupCommitSync.record(syncNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** Replaces the subscriber gauges: per stream, open subscriptions and the largest lag among them. */
    public void subscribers(Map<String, io.hawser.delivery.SubscriberRegistry.StreamSubscribers> byStream) {
        List<MultiGauge.Row<?>> counts = new ArrayList<>();
        List<MultiGauge.Row<?>> lags = new ArrayList<>();
        byStream.forEach((stream, s) -> {
            counts.add(MultiGauge.Row.of(Tags.of("stream", stream), s.count()));
            lags.add(MultiGauge.Row.of(Tags.of("stream", stream), s.maxLag()));
        });
        subscriberCounts.register(counts, true);
        subscriberLags.register(lags, true);
    }

    /** A mirror puller met a problem: {@code continuity} (a batch rejected), {@code skipped} (retention gap). */
    public void mirrorProblem(String stream, String kind) {
        mirrorProblems.computeIfAbsent(stream + "/" + kind, k -> Counter.builder("hawser.mirror.problems")
                .description("Mirror batches rejected for a continuity violation, and source retention gaps skipped")
                .tag("stream", stream).tag("kind", kind).register(registry)).increment();
    }

    public void electedLeader() {
        elections.increment();
    }

    /** Messages newly stored (duplicates and errors excluded). */
    public void stored(String stream, long messages, long bytes) {
        messagesIn.computeIfAbsent(stream, s -> Counter.builder("hawser.messages.in")
                .description("Messages stored").tag("stream", s).register(registry)).increment(messages);
        bytesIn.computeIfAbsent(stream, s -> Counter.builder("hawser.bytes.in")
                .description("Value bytes stored").baseUnit("bytes").tag("stream", s).register(registry))
                .increment(bytes);
    }

    /** Messages returned to readers and subscribers. */
    public void delivered(String stream, long messages, long bytes) {
        messagesOut.computeIfAbsent(stream, s -> Counter.builder("hawser.messages.out")
                .description("Messages delivered to readers and subscribers").tag("stream", s).register(registry))
                .increment(messages);
        bytesOut.computeIfAbsent(stream, s -> Counter.builder("hawser.bytes.out")
                .description("Value bytes delivered to readers and subscribers").baseUnit("bytes").tag("stream", s)
                .register(registry)).increment(bytes);
    }

    /** Time from a partition leader receiving an append to its acknowledgement, by ack policy. */
    public void appendAcked(String ack, long nanos) {
        appendLatency.computeIfAbsent(ack, a -> Timer.builder("hawser.append.ack")
                .description("Partition leader append-to-ack latency").tag("ack", a)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(50_000))
                .maximumExpectedValue(Duration.ofSeconds(10)).register(registry)).record(Duration.ofNanos(nanos));
    }
}
