package io.hawser.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Hawser's own meters. Thread-safe; meters are created once per stream and cached. */
public final class HawserMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counter> messagesIn = new ConcurrentHashMap<>();
    private final Map<String, Counter> bytesIn = new ConcurrentHashMap<>();
    private final Map<String, Counter> messagesOut = new ConcurrentHashMap<>();
    private final Map<String, Timer> appendLatency = new ConcurrentHashMap<>();

    public HawserMetrics(MeterRegistry registry) {
        this.registry = registry;
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
    public void delivered(String stream, long messages) {
        messagesOut.computeIfAbsent(stream, s -> Counter.builder("hawser.messages.out")
                .description("Messages delivered to readers and subscribers").tag("stream", s).register(registry))
                .increment(messages);
    }

    /** Time from a partition leader receiving an append to its acknowledgement, by ack policy. */
    public void appendAcked(String ack, long nanos) {
        appendLatency.computeIfAbsent(ack, a -> Timer.builder("hawser.append.ack")
                .description("Partition leader append-to-ack latency").tag("ack", a)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(50_000))
                .maximumExpectedValue(Duration.ofSeconds(10)).register(registry)).record(Duration.ofNanos(nanos));
    }
}
