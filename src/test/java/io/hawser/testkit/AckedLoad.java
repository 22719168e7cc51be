package io.hawser.testkit;

import io.vertx.core.json.JsonObject;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Publisher threads for cluster tests: each sends single messages to one stream over HTTP with {@code ack=all} (or
 * another policy), a unique text value and a unique {@code Hawser-Msg-Id}, to an explicit partition (round robin
 * over the stream's partitions), rotating over the nodes its target supplier returns (any node forwards to the
 * leader). A failed attempt (error status, I/O error, client timeout) is retried with the same id, so the
 * de-duplication makes it exactly-once; a message still unacknowledged when the load stops is abandoned (it may or
 * may not be stored, at most once).
 *
 * <p>Every 201/200 is recorded as an {@link Ack} (value, partition, offset, the node that answered, when). Errors
 * are counted by {@code "<status>:<code>"} ({@code "io"} for a transport failure); statuses other than 503/504 are
 * also kept as {@link #unexpectedErrors()}, and two acks naming one offset for different values as
 * {@link #violations()}.
 */
public final class AckedLoad implements AutoCloseable {
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /**
     * One acknowledged message.
     *
     * @param status      201, or 200 for a duplicate (the first copy's offset)
     * @param nodeId      the node whose HTTP API answered
     * @param sentNanos   {@link System#nanoTime()} when the successful attempt was sent
     * @param ackedNanos  ... and when its answer arrived
     * @param attempts    attempts it took, this one included
     */
    public record Ack(String msgId, String value, int partition, long offset, int status, String nodeId,
            long sentNanos, long ackedNanos, int attempts) {
        @Override
        public String toString() {
            return "Ack[" + msgId + " p" + partition + "@" + offset + " " + status + " via " + nodeId
                    + (attempts > 1 ? ", attempt " + attempts : "") + "]";
        }
    }

    /** Settings; {@link #defaults()} then {@code with...}. */
    public record Options(int threads, String ack, long timeoutMs, Duration httpTimeout, int valueBytes,
            long retryPauseMs) {
        /** 4 threads, ack=all, timeoutMs=5000, HTTP timeout 20 s (longer than a 14 s SIGSTOP), ~100-byte values. */
        public static Options defaults() {
            return new Options(4, "all", 5000, Duration.ofSeconds(20), 100, 50);
        }

        public Options withThreads(int n) {
            return new Options(n, ack, timeoutMs, httpTimeout, valueBytes, retryPauseMs);
        }

        public Options withAck(String policy) {
            return new Options(threads, policy, timeoutMs, httpTimeout, valueBytes, retryPauseMs);
        }

        public Options withTimeoutMs(long ms) {
            return new Options(threads, ack, ms, httpTimeout, valueBytes, retryPauseMs);
        }

        public Options withHttpTimeout(Duration timeout) {
            return new Options(threads, ack, timeoutMs, timeout, valueBytes, retryPauseMs);
        }
    }

    private final String label;
    private final String stream;
    private final int partitions;
    private final Options options;
    private final Supplier<List<ChildCluster.Target>> targets;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicInteger running = new AtomicInteger();
    private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
    private final ConcurrentMap<String, Ack> byPosition = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, AtomicLong> errors = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    private final AtomicLong abandoned = new AtomicLong();
    private final AtomicInteger acked = new AtomicInteger();
    private volatile Supplier<String> diagnostics = () -> "";
    /** Per publisher thread, the attempt waiting for an answer (null between attempts). */
    private final java.util.concurrent.atomic.AtomicReferenceArray<InFlight> inFlight;

    private record InFlight(String msgId, int partition, String nodeId, long sentNanos, int attempt) {
        @Override
        public String toString() {
            return msgId + " p" + partition + " to " + nodeId + " for " + (System.nanoTime() - sentNanos) / 1_000_000
                    + " ms (attempt " + attempt + ")";
        }
    }

    private AckedLoad(String label, String stream, int partitions, Options options,
            Supplier<List<ChildCluster.Target>> targets) {
        this.label = label + INSTANCES.incrementAndGet();
        this.stream = stream;
        this.partitions = partitions;
        this.options = options;
        this.targets = targets;
        this.inFlight = new java.util.concurrent.atomic.AtomicReferenceArray<>(options.threads());
    }

    /** Starts {@link Options#defaults()} publishers. */
    public static AckedLoad start(String label, String stream, int partitions,
            Supplier<List<ChildCluster.Target>> targets) {
        return start(label, stream, partitions, Options.defaults(), targets);
    }

    /**
     * Starts the publisher threads. {@code label} prefixes values and ids (an instance number is added, so two loads
     * never share one); {@code targets} is asked before every attempt (e.g. {@code cluster::liveTargets}).
     */
    public static AckedLoad start(String label, String stream, int partitions, Options options,
            Supplier<List<ChildCluster.Target>> targets) {
        AckedLoad load = new AckedLoad(label, stream, partitions, options, targets);
        for (int t = 0; t < options.threads(); t++) {
            int id = t;
            Thread thread = new Thread(() -> load.run(id), "acked-load-" + load.label + "-" + t);
            thread.setDaemon(true);
            load.threads.add(thread);
        }
        load.running.set(load.threads.size());
        load.threads.forEach(Thread::start);
        return load;
    }

    private void run(int thread) {
        int rotation = thread;
        try {
            for (long seq = 0; !stop.get(); seq++) {
                String msgId = label + "-t" + thread + "-s" + seq;
                String value = value(msgId);
                int partition = (int) ((thread + seq) % partitions);
                rotation = publish(thread, msgId, value, partition, rotation);
            }
        } catch (RuntimeException | Error e) {
            if (!stop.get()) {
                violations.add("publisher " + thread + " died: " + e);
            }
        } finally {
            running.decrementAndGet();
        }
    }

    /** Publishes until acknowledged or stopped; returns the rotation counter. */
    private int publish(int thread, String msgId, String value, int partition, int rotation) {
        byte[] body = value.getBytes(StandardCharsets.UTF_8);
        String path = "/v1/streams/" + stream + "/messages?ack=" + options.ack() + "&partition=" + partition
                + "&timeoutMs=" + options.timeoutMs();
        Map<String, String> headers = Map.of("Content-Type", HttpApi.OCTETS, "Hawser-Msg-Id", msgId);
        for (int attempt = 1; ; attempt++) {
            if (stop.get()) {
                abandoned.incrementAndGet();
                return rotation;
            }
            List<ChildCluster.Target> now = targets.get();
            if (now.isEmpty()) {
                pause(options.retryPauseMs());
                continue;
            }
            ChildCluster.Target target = now.get(Math.floorMod(rotation++, now.size()));
            long sent = System.nanoTime();
            inFlight.set(thread, new InFlight(msgId, partition, target.nodeId(), sent, attempt));
            HttpApi.Response r;
            try {
                r = target.api().request("POST", path, HttpRequest.BodyPublishers.ofByteArray(body), headers,
                        options.httpTimeout());
            } catch (AssertionError | RuntimeException e) {
                count("io");
                pause(options.retryPauseMs() * 2);
                continue;
            } finally {
                inFlight.set(thread, null);
            }
            long answered = System.nanoTime();
            if (r.status() == 201 || r.status() == 200) {
                JsonObject json;
                try {
                    json = r.json();
                } catch (AssertionError e) {
                    violations.add("ack is not JSON: " + r.describe());
                    return rotation;
                }
                Ack ack = new Ack(msgId, value, json.getInteger("partition", -1), json.getLong("offset", -1L),
                        r.status(), target.nodeId(), sent, answered, attempt);
                if (ack.partition() != partition) {
                    violations.add("acknowledged on partition " + ack.partition() + " though sent to " + partition
                            + ": " + ack);
                }
                record(ack);
                return rotation;
            }
            count(r.status() + ":" + r.errorCode());
            if (r.status() != 503 && r.status() != 504) {
                if (unexpected.size() < 50) {
                    unexpected.add(target.nodeId() + ": " + r.describe());
                }
                if (r.status() < 500) {
                    abandoned.incrementAndGet(); // not retriable: the next message
                    return rotation;
                }
            }
            pause(options.retryPauseMs());
        }
    }

    private void record(Ack ack) {
        if (ack.partition() < 0 || ack.offset() < 0) {
            violations.add("ack without partition/offset: " + ack);
            return;
        }
        Ack previous = byPosition.putIfAbsent(ack.partition() + "@" + ack.offset(), ack);
        if (previous != null && !previous.value().equals(ack.value())) {
            violations.add("offset " + ack.offset() + " of partition " + ack.partition() + " acknowledged for two"
                    + " values: " + previous + " and " + ack);
        }
        acks.add(ack);
        acked.incrementAndGet();
    }

    private String value(String msgId) {
        StringBuilder s = new StringBuilder(msgId).append('-');
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (s.length() < options.valueBytes()) {
            s.append((char) ('a' + random.nextInt(26)));
        }
        return s.toString();
    }

    private void count(String key) {
        errors.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    // ---------------------------------------------------------------- results

    public String label() {
        return label;
    }

    /** Every ack so far. */
    public List<Ack> acks() {
        return List.copyOf(acks);
    }

    public int ackCount() {
        return acked.get();
    }

    public long ackCount(int partition) {
        return acks.stream().filter(a -> a.partition() == partition).count();
    }

    /** Waits until {@code more} further acks than now arrive (fails early when every publisher thread died). */
    public void awaitMoreAcks(int more, Duration timeout) {
        int target = ackCount() + more;
        awaitAcks(target, timeout);
    }

    /** Waits until at least {@code total} acks arrived. */
    public void awaitAcks(int total, Duration timeout) {
        try {
            Await.until(timeout, label + ": " + total + " acks", () -> {
                if (running.get() == 0) {
                    throw new AssertionError(label + ": every publisher stopped; violations " + violations());
                }
                return ackCount() >= total;
            });
        } catch (AssertionError e) {
            throw withState(e);
        }
    }

    /**
     * Adds text to the failure messages of the waits, evaluated when they fail (e.g. the cluster's partition
     * views: {@code load.diagnostics(() -> cluster.diagnose(STREAM))}). Returns this.
     */
    public AckedLoad diagnostics(Supplier<String> more) {
        this.diagnostics = more;
        return this;
    }

    private AssertionError withState(AssertionError e) {
        String more;
        try {
            more = diagnostics.get();
        } catch (RuntimeException | AssertionError again) {
            more = "(diagnostics failed: " + again + ")";
        }
        return new AssertionError(e.getMessage() + "; now " + summary() + "; in flight " + inFlight()
                + "; unexpected " + unexpectedErrors()
                + (more == null || more.isEmpty() ? "" : "; " + more), e);
    }

    /**
     * The earliest-answered ack of {@code partition} whose successful attempt was sent at or after
     * {@code sinceNanos} (e.g. the first ack after a kill).
     */
    public Optional<Ack> firstAckSentAfter(int partition, long sinceNanos) {
        return acks.stream().filter(a -> a.partition() == partition && a.sentNanos() - sinceNanos >= 0)
                .min((a, b) -> Long.compare(a.ackedNanos(), b.ackedNanos()));
    }

    /** Waits for {@link #firstAckSentAfter}; returns it. */
    public Ack awaitFirstAckSentAfter(int partition, long sinceNanos, Duration timeout) {
        try {
            return Await.value(timeout, label + ": an ack of partition " + partition + " sent after the fault",
                    () -> firstAckSentAfter(partition, sinceNanos).orElse(null), a -> a != null);
        } catch (AssertionError e) {
            throw withState(e);
        }
    }

    /** The attempts waiting for an answer now, e.g. {@code [x1-t0-s5 p0 to node-2 for 3000 ms (attempt 1)]}. */
    public List<String> inFlight() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < inFlight.length(); i++) {
            InFlight f = inFlight.get(i);
            if (f != null) {
                out.add(f.toString());
            }
        }
        return out;
    }

    /** Errors by {@code "<status>:<code>"} or {@code "io"}, sorted. */
    public Map<String, Long> errorCounts() {
        Map<String, Long> out = new TreeMap<>();
        errors.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Answers with a status other than 2xx/503/504 (at most 50). */
    public List<String> unexpectedErrors() {
        return List.copyOf(unexpected);
    }

    /** Offsets acknowledged for two values, acks without an offset, dead publishers. */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    /** Messages given up unacknowledged (stopped while retrying, or a 4xx). */
    public long abandoned() {
        return abandoned.get();
    }

    /** Acks per answering node id. */
    public Map<String, Long> acksByNode() {
        Map<String, Long> out = new TreeMap<>();
        for (Ack a : acks) {
            out.merge(a.nodeId(), 1L, Long::sum);
        }
        return out;
    }

    /** A one-line summary for the test output. */
    public String summary() {
        return label + ": " + ackCount() + " acks " + acksByNode() + ", errors " + errorCounts() + ", abandoned "
                + abandoned() + (violations.isEmpty() ? "" : ", VIOLATIONS " + violations.size());
    }

    /** Stops the publishers and waits for them (an attempt in flight finishes or times out first). */
    public void stop() {
        stop.set(true);
        long waitMs = options.httpTimeout().toMillis() + 15_000;
        for (Thread t : threads) {
            try {
                t.join(waitMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            if (t.isAlive()) {
                throw new AssertionError("publisher " + t.getName() + " did not stop within " + waitMs + " ms");
            }
        }
    }

    @Override
    public void close() {
        stop.set(true);
        threads.forEach(Thread::interrupt);
    }

    /** The acks of several loads together. */
    public static List<Ack> union(AckedLoad... loads) {
        List<Ack> all = new ArrayList<>();
        for (AckedLoad load : loads) {
            all.addAll(load.acks());
        }
        return Collections.unmodifiableList(all);
    }
}
