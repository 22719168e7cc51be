package io.hawser.http;

import io.hawser.testkit.Await;
import io.hawser.testkit.ChildNode;
import io.hawser.testkit.HttpApi;
import io.hawser.testkit.Soak;
import io.hawser.testkit.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A node in a child JVM is killed with SIGKILL while publishing with {@code ack=leader}, and restarted on the same
 * data dir: every acknowledged message is still at its offset with identical bytes, and offsets stay contiguous.
 * SIGTERM exits 0 and loses nothing either.
 */
class NodeCrashIT {
    private static final String STREAM = "crash";
    private static final int PARTITIONS = 2;
    /** Publisher 0 sends NDJSON batches of 50, the others single messages. */
    private static final int PUBLISHERS = 4;

    private Path root;
    private Path dataDir;
    private ChildNode child;
    /** partition -> offset -> base64 value of every acknowledged publish. */
    private final Map<Integer, ConcurrentMap<Long, String>> acked = new ConcurrentHashMap<>();
    private final AtomicReference<String> violation = new AtomicReference<>();

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createTempDirectory("hawser-crash-");
        dataDir = root.resolve("data");
        Files.createDirectories(dataDir);
        for (int p = 0; p < PARTITIONS; p++) {
            acked.put(p, new ConcurrentHashMap<>());
        }
    }

    @AfterEach
    void tearDown() {
        if (child != null) {
            child.close(); // SIGKILL by this process's own handle if still alive
        }
        TestNode.deleteRecursively(root);
    }

    @Test
    @Timeout(value = 3600, unit = TimeUnit.SECONDS)
    void killMinus9LosesNoAcknowledgedMessage() throws Exception {
        int rounds = Soak.rounds(3, 30);
        long started = System.nanoTime();
        child = ChildNode.start(dataDir, "crash-node");
        child.api().createStream(new JsonObject().put("name", STREAM).put("partitions", PARTITIONS)
                .put("ackPolicy", "leader"));
        Random random = new Random();
        for (int round = 1; round <= rounds; round++) {
            Publishers publishers = new Publishers(child.api(), round);
            int before = ackedCount();
            // at least some acks in this round, then a random moment
            Await.until(Duration.ofSeconds(20), "round " + round + " gets acks",
                    () -> ackedCount() >= before + 50 || publishers.failed());
            Await.until(Duration.ofSeconds(5), "a random moment", new RandomMoment(random.nextInt(1500)));
            child.kill();
            publishers.stopAndJoin();
            assertTrue(ackedCount() > before, "no publish was acknowledged in round " + round);

            child = ChildNode.start(dataDir, "crash-node");
            verifyEverythingAcknowledgedIsThere(child.api(), "after kill -9 round " + round);
        }
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        System.out.println("NodeCrashIT: " + ackedCount() + " acknowledged messages over " + rounds + " kill -9 rounds in "
                + seconds + " s");
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void sigtermExitsZeroAndLosesNothing() throws Exception {
        child = ChildNode.start(dataDir, "term-node");
        child.api().createStream(new JsonObject().put("name", STREAM).put("partitions", PARTITIONS)
                .put("ackPolicy", "leader"));
        Publishers publishers = new Publishers(child.api(), 1);
        Await.until(Duration.ofSeconds(20), "acks before SIGTERM", () -> ackedCount() >= 100 || publishers.failed());
        int exit = child.terminate(Duration.ofSeconds(45));
        publishers.stopAndJoin();
        assertEquals(0, exit, () -> "SIGTERM must exit 0; output:\n" + String.join("\n", child.output()));
        child = ChildNode.start(dataDir, "term-node");
        verifyEverythingAcknowledgedIsThere(child.api(), "after SIGTERM");
        // and it takes writes again
        JsonObject ack = child.api().publishOk(STREAM, "partition=0&ack=all", "after restart");
        assertEquals(child.api().partition(STREAM, 0).getLong("endOffset") - 1, ack.getLong("offset"));
    }

    private int ackedCount() {
        return acked.values().stream().mapToInt(Map::size).sum();
    }

    private void verifyEverythingAcknowledgedIsThere(HttpApi api, String when) {
        if (violation.get() != null) {
            fail(violation.get());
        }
        for (int p = 0; p < PARTITIONS; p++) {
            int partition = p;
            JsonObject desc = api.partition(STREAM, p);
            long end = desc.getLong("endOffset");
            assertEquals(0L, desc.getLong("startOffset"), desc::encode);
            Await.until(Duration.ofSeconds(10), when + ": partition " + p + " high watermark reaches endOffset-1",
                    () -> api.partition(STREAM, partition).getLong("highWatermark") >= end - 1);
            List<JsonObject> messages = api.readAll(STREAM, p, 0, 1000);
            Map<Long, String> stored = new java.util.HashMap<>();
            for (int i = 0; i < messages.size(); i++) {
                long offset = messages.get(i).getLong("offset");
                assertEquals((long) i, offset, when + ": offsets are not contiguous in partition " + p);
                stored.put(offset, messages.get(i).getString("value"));
            }
            assertEquals(end, messages.size(), when + ": endOffset vs readable messages in partition " + p);
            List<String> lost = new ArrayList<>();
            for (Map.Entry<Long, String> ack : acked.get(p).entrySet()) {
                String value = stored.get(ack.getKey());
                if (!ack.getValue().equals(value)) {
                    lost.add(ack.getKey() + (value == null ? " (missing)" : " (different bytes)"));
                }
            }
            assertTrue(lost.isEmpty(), () -> when + ": acknowledged messages lost in partition " + partition
                    + " at offsets " + lost.subList(0, Math.min(20, lost.size())) + " of " + lost.size()
                    + "; endOffset " + end + ", acknowledged " + acked.get(partition).size());
        }
    }

    /** Publisher threads that record each acknowledged (partition, offset, value). */
    private final class Publishers {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicInteger stopped = new AtomicInteger();
        private final List<Thread> threads = new ArrayList<>();

        Publishers(HttpApi api, int round) {
            for (int t = 0; t < PUBLISHERS; t++) {
                int id = t;
                Thread thread = new Thread(() -> run(api, round, id), "publisher-" + round + "-" + t);
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            }
        }

        private void run(HttpApi api, int round, int id) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            long seq = 0;
            try {
                while (!stop.get()) {
                    if (id == 0) {
                        publishBatch(api, round, seq, random);
                        seq += 50;
                        continue;
                    }
                    byte[] value = new byte[16 + random.nextInt(300)];
                    random.nextBytes(value);
                    String tag = "r" + round + "t" + id + "s" + seq++;
                    System.arraycopy(tag.getBytes(), 0, value, 0, Math.min(tag.length(), value.length));
                    int partition = random.nextInt(PARTITIONS);
                    HttpApi.Response r = api.publish(STREAM, "ack=leader&partition=" + partition, value, Map.of());
                    if (r.status() == 201) {
                        JsonObject ack = r.json();
                        long offset = ack.getLong("offset");
                        int p = ack.getInteger("partition");
                        String previous = acked.get(p).putIfAbsent(offset, HttpApi.b64(value));
                        if (previous != null) {
                            violation.compareAndSet(null, "offset " + offset + " of partition " + p
                                    + " was acknowledged twice (offset reuse)");
                        }
                    } else if (r.status() != 503) {
                        violation.compareAndSet(null, "unexpected answer while publishing: " + r.describe());
                        return;
                    }
                }
            } catch (AssertionError | RuntimeException e) {
                // the node went away (kill -9 / SIGTERM): this publisher is done
            } finally {
                stopped.incrementAndGet();
            }
        }

        /** 50 messages in one NDJSON batch (acknowledged with the stream's ackPolicy, leader). */
        private void publishBatch(HttpApi api, int round, long seq, ThreadLocalRandom random) {
            List<JsonObject> lines = new ArrayList<>();
            List<String> values = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                byte[] value = new byte[16 + random.nextInt(300)];
                random.nextBytes(value);
                String b64 = HttpApi.b64(value);
                values.add(b64);
                lines.add(new JsonObject().put("value", b64).put("partition", random.nextInt(PARTITIONS)));
            }
            HttpApi.Response r = api.batch(STREAM, lines);
            if (r.status() == 503) {
                return;
            }
            if (r.status() / 100 != 2) {
                violation.compareAndSet(null, "unexpected answer to a batch: " + r.describe());
                throw new IllegalStateException("stop");
            }
            io.vertx.core.json.JsonArray acks = r.json().getJsonArray("acks");
            for (int i = 0; i < acks.size(); i++) {
                JsonObject ack = acks.getJsonObject(i);
                if (ack.containsKey("error")) {
                    continue;
                }
                int p = ack.getInteger("partition");
                long offset = ack.getLong("offset");
                if (acked.get(p).putIfAbsent(offset, values.get(i)) != null) {
                    violation.compareAndSet(null, "offset " + offset + " of partition " + p
                            + " was acknowledged twice (offset reuse)");
                }
            }
        }

        boolean failed() {
            return stopped.get() == threads.size();
        }

        void stopAndJoin() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(35_000);
                if (t.isAlive()) {
                    fail("publisher " + t.getName() + " did not stop");
                }
            }
        }
    }

    /** True once a given number of ms have passed since creation (a deadline-based wait for a random moment). */
    private static final class RandomMoment implements java.util.function.BooleanSupplier {
        private final long until;

        RandomMoment(int ms) {
            until = System.nanoTime() + ms * 1_000_000L;
        }

        @Override
        public boolean getAsBoolean() {
            return System.nanoTime() >= until;
        }
    }
}
