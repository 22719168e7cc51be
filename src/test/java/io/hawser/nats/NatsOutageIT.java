package io.hawser.nats;

import io.hawser.nats.Nats.Ack;
import io.hawser.nats.Nats.Outcome;
import io.hawser.testkit.Await;
import io.hawser.testkit.ChildNode;
import io.hawser.testkit.HttpApi;
import io.hawser.testkit.NatsServer;
import io.hawser.testkit.Soak;
import io.hawser.testkit.TestNode;
import io.nats.client.Connection;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static io.hawser.nats.Nats.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Crashes around the bridge, with real processes: the nats-server is killed with SIGKILL while publishers send
 * requests, stays down longer than a default jnats client would keep reconnecting, and comes back on the same port;
 * then the Hawser node (a child JVM) is killed with SIGKILL and restarted on its data dir. Throughout, a success
 * reply means the message is stored at the replied offset, and nothing answers success while no node is alive.
 */
class NatsOutageIT {
    private static final String STREAM = "outage";
    private static final int PUBLISHERS = 2;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    /** Longer than jnats' default reconnect budget at 250 ms (60 attempts): the bridge must retry forever. */
    private static final Duration NATS_OUTAGE = Duration.ofSeconds(18);

    private Path root;
    private Path dataDir;
    private NatsServer nats;
    private ChildNode hawser;
    /**
     * The publishers' connection. Replaced by a new one once nats-server is back: jnats 2.24.1 can leave a
     * reconnected connection unable to send (nats-io/nats.java#1522: the writer stays in reconnect mode), and this
     * test is about the bridge's connection, not the test's own.
     */
    private volatile Connection client;

    /** offset -> value of every success reply (NATS) and every 201 (HTTP); partition 0 only. */
    private final ConcurrentMap<Long, String> acked = new ConcurrentHashMap<>();
    private final AtomicReference<String> violation = new AtomicReference<>();
    private final ConcurrentMap<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createTempDirectory("hawser-nats-outage-");
        dataDir = root.resolve("data");
        Files.createDirectories(dataDir);
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            try {
                if (hawser != null) {
                    hawser.close();
                }
            } finally {
                try {
                    if (nats != null) {
                        nats.close();
                    }
                } finally {
                    TestNode.deleteRecursively(root);
                }
            }
        }
    }

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void successRepliesAreStoredThroughNatsAndNodeCrashes() throws Exception {
        nats = NatsServer.start();
        hawser = ChildNode.start(dataDir, "outage-node", "--nats-url", nats.url());
        HttpApi api = hawser.api();
        api.createStream(new JsonObject().put("name", STREAM).put("subject", "outage.>").put("ackPolicy", "leader"));
        client = Nats.connect(nats.url());
        recordAck(Nats.awaitCapture(client, "outage.probe", STREAM), "probe");
        assertEquals(Boolean.TRUE, Nats.healthNatsConnected(api), () -> api.get("/health/ready").describe());

        Publishers publishers = new Publishers();
        try {
            publishers.awaitSuccesses(200, Duration.ofSeconds(30), "before the NATS outage");

            // ---------------------------------------------------------- nats-server: kill -9, down for a while
            // The first outage outlasts jnats' default reconnect budget; shorter ones follow back to back (more with
            // the soak switch): reconnects in quick succession are where a stuck jnats writer (#1522) shows.
            int outages = Soak.rounds(3, 10);
            long reconnectMs = 0;
            long resumedMs = 0;
            for (int round = 0; round < outages; round++) {
                Duration outage = round == 0 ? NATS_OUTAGE : Duration.ofMillis(300L + 400L * round);
                String which = "NATS outage " + (round + 1) + " of " + outages;
                nats.kill();
                long natsDown = System.nanoTime();
                Await.until(Duration.ofSeconds(5), "/health/ready reports nats connected false (" + which + ")",
                        () -> Boolean.FALSE.equals(Nats.healthNatsConnected(api)));
                Await.until(Duration.ofSeconds(5), "hawser_nats_connected is 0 (" + which + ")",
                        () -> Double.valueOf(0).equals(Nats.metric(api, "hawser_nats_connected")));
                // HTTP publishes go on while NATS is down
                for (int i = 0; i < 20; i++) {
                    String value = "http-during-outage-" + round + "-" + i;
                    JsonObject ack = api.publish(STREAM, "ack=leader", value, Map.of()).expect(201).json();
                    recordAck(ack.put("value", value), "HTTP publish during " + which);
                }
                long remaining = outage.toNanos() - (System.nanoTime() - natsDown);
                if (remaining > 0) {
                    Thread.sleep(TimeUnit.NANOSECONDS.toMillis(remaining)); // the outage itself: nothing to poll for
                }
                int successesBeforeRestart = publishers.successes.get();

                nats.restart(); // same port
                long natsUp = System.nanoTime();
                Connection old = client;
                client = Nats.connect(nats.url());
                old.close();
                Await.until(Duration.ofSeconds(5), "the bridge reconnects within 5 s after nats-server is back ("
                        + which + ")", () -> Boolean.TRUE.equals(Nats.healthNatsConnected(api)));
                reconnectMs = Math.max(reconnectMs, (System.nanoTime() - natsUp) / 1_000_000);
                publishers.awaitSuccesses(successesBeforeRestart + 1, Duration.ofSeconds(10),
                        "within 10 s after nats-server is back (" + which + ")");
                resumedMs = Math.max(resumedMs, (System.nanoTime() - natsUp) / 1_000_000);
                assertEquals(Double.valueOf(1.0), Nats.metric(api, "hawser_nats_connected"),
                        "hawser_nats_connected after reconnecting (" + which + ")");
                publishers.awaitSuccesses(publishers.successes.get() + 200, Duration.ofSeconds(30),
                        "after " + which);
                verifyStored(api, "after " + which);
            }

            // ---------------------------------------------------------- Hawser node: kill -9
            hawser.kill();
            long nodeDead = System.nanoTime();
            publishers.nodeDeadSince.set(nodeDead);
            int attemptsAtKill = publishers.attempts.get();
            Await.until(Duration.ofSeconds(20), "publishers keep trying while the node is dead",
                    () -> publishers.attempts.get() >= attemptsAtKill + 10);
            Thread.sleep(1000);
            publishers.nodeDeadSince.set(Long.MAX_VALUE); // the next node is about to start
            if (violation.get() != null) {
                fail(violation.get());
            }
            int successesWhileDead = publishers.successes.get();

            hawser = ChildNode.start(dataDir, "outage-node", "--nats-url", nats.url());
            HttpApi api2 = hawser.api();
            publishers.awaitSuccesses(successesWhileDead + 1, Duration.ofSeconds(15),
                    "after the node restarted");
            publishers.awaitSuccesses(publishers.successes.get() + 100, Duration.ofSeconds(30),
                    "after the node restart");
            publishers.stop();
            verifyStored(api2, "after kill -9 of the node and a restart");
            System.out.println("[NatsOutageIT] " + outages + " NATS outage(s): the bridge reconnected within "
                    + reconnectMs + " ms and requests succeeded within " + resumedMs + " ms after nats-server came"
                    + " back; outcomes " + outcomes + "; " + acked.size()
                    + " acknowledged");
        } finally {
            publishers.stop();
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void nodeStartedWhileNatsIsDownCapturesOnceNatsComesUp() throws Exception {
        nats = NatsServer.start();
        nats.stop(); // the port is known, nothing listens on it
        hawser = ChildNode.start(dataDir, "late-nats-node", "--nats-url", nats.url());
        HttpApi api = hawser.api();
        assertEquals(Boolean.FALSE, Nats.healthNatsConnected(api), () -> api.get("/health/ready").describe());
        api.createStream(new JsonObject().put("name", STREAM).put("subject", "late.>"));
        api.publish(STREAM, "ack=all", "over HTTP while NATS is down", Map.of()).expect(201);
        Thread.sleep(3000); // well past jnats' first attempts
        nats.restart();
        Await.until(Duration.ofSeconds(5), "the bridge connects within 5 s once nats-server is up",
                () -> Boolean.TRUE.equals(Nats.healthNatsConnected(api)));
        client = Nats.connect(nats.url());
        JsonObject probe;
        try {
            probe = Nats.awaitCapture(client, "late.x", STREAM);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; /health/ready: " + api.get("/health/ready").describe()
                    + "\nhawser node output:\n" + String.join("\n", hawser.output()), e);
        }
        assertEquals(1L, probe.getLong("offset"), probe::encode);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void republishResumesWithoutAGapAfterKillMinus9() throws Exception {
        nats = NatsServer.start();
        client = Nats.connect(nats.url());
        RepublishTest.Received received = new RepublishTest.Received(client, "out.rpk");
        hawser = ChildNode.start(dataDir, "republish-node", "--nats-url", nats.url());
        hawser.api().createStream(new JsonObject().put("name", "rpk").put("republish", "out.rpk")
                .put("ackPolicy", "leader"));

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger sent = new AtomicInteger();
        HttpApi before = hawser.api();
        Thread publisher = new Thread(() -> {
            while (!stop.get()) {
                try {
                    // batches of 100, so that republishing has some catching up to do at the crash
                    List<JsonObject> lines = new ArrayList<>();
                    for (int i = 0; i < 100; i++) {
                        lines.add(new JsonObject().put("text", "k-" + sent.get() + "-" + i));
                    }
                    if (before.batch("rpk", lines).status() / 100 == 2) {
                        sent.incrementAndGet();
                    }
                } catch (AssertionError e) {
                    return; // the node is gone
                }
            }
        }, "http-publisher");
        publisher.setDaemon(true);
        publisher.start();
        Await.until(Duration.ofSeconds(30), "3,000 messages republished before the crash",
                () -> received.size() >= 3000);
        hawser.kill();
        stop.set(true);
        publisher.join(30_000);
        int beforeCrash = received.size();

        hawser = ChildNode.start(dataDir, "republish-node", "--nats-url", nats.url());
        HttpApi api = hawser.api();
        for (int i = 0; i < 100; i++) {
            api.publish("rpk", "ack=leader", "after-" + i, Map.of()).expect(201);
        }
        long end = api.partition("rpk", 0).getLong("endOffset");
        Await.until(Duration.ofSeconds(10), "committed", () -> api.partition("rpk", 0).getLong("highWatermark")
                >= end - 1);
        received.awaitCovered(new long[] {end}, "after kill -9 and a restart");
        Nats.sleep(1000);

        List<RepublishTest.Msg> all = received.byPartition().get(0);
        List<JsonObject> stored = api.readAll("rpk", 0, 0, 1000);
        assertEquals(end, stored.size());
        int backJumps = 0;
        long repeats = 0;
        for (int i = 0; i < all.size(); i++) {
            RepublishTest.Msg m = all.get(i);
            assertTrue(m.offset() < end, "republished offset " + m.offset() + " beyond endOffset " + end);
            assertEquals(HttpApi.text(stored.get((int) m.offset())),
                    new String(m.data(), java.nio.charset.StandardCharsets.UTF_8),
                    "republished data at offset " + m.offset() + " differs from what is stored there (a message "
                            + "republished before the crash but not durably committed?)");
            if (i > 0) {
                long previous = all.get(i - 1).offset();
                if (m.offset() <= previous) {
                    backJumps++;
                    repeats += previous - m.offset() + 1;
                } else {
                    assertEquals(previous + 1, m.offset(), "republished offsets skip from " + previous + " to "
                            + m.offset() + " (received #" + i + ")");
                }
            }
        }
        assertTrue(backJumps <= 1, "republish went back " + backJumps + " times; only the restart may repeat");
        System.out.println("[NatsOutageIT] republish: " + beforeCrash + " before kill -9, " + all.size()
                + " in all for " + end + " messages, " + repeats + " repeated after the restart");
    }

    // ------------------------------------------------------------------ bookkeeping

    private void recordAck(JsonObject ack, String what) {
        Long offset = ack.getLong("offset");
        Integer partition = ack.getInteger("partition");
        String value = ack.getString("value");
        if (offset == null || partition == null || partition != 0) {
            violation.compareAndSet(null, what + ": malformed ack " + ack.encode());
            return;
        }
        if (value == null) {
            return; // the probe: its value is checked by the capture helpers
        }
        String before = acked.putIfAbsent(offset, value);
        if (before != null && !before.equals(value)) {
            violation.compareAndSet(null, what + ": offset " + offset + " acknowledged for '" + before + "' and for '"
                    + value + "'");
        }
    }

    private void verifyStored(HttpApi api, String when) {
        if (violation.get() != null) {
            fail(when + ": " + violation.get());
        }
        Map<Long, String> ackedSoFar = new TreeMap<>(acked); // before reading: all of these are below endOffset
        long end = api.partition(STREAM, 0).getLong("endOffset");
        Await.until(Duration.ofSeconds(10), when + ": committed up to endOffset", () -> api.partition(STREAM, 0)
                .getLong("highWatermark") >= end - 1);
        List<JsonObject> messages = api.readAll(STREAM, 0, 0, 1000);
        Map<Long, String> stored = new HashMap<>();
        Map<String, Integer> copies = new HashMap<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonObject m = messages.get(i);
            assertEquals((long) i, m.getLong("offset"), when + ": offsets are not contiguous");
            String text = HttpApi.text(m);
            stored.put(m.getLong("offset"), text);
            copies.merge(text, 1, Integer::sum);
        }
        List<String> lost = new ArrayList<>();
        for (Map.Entry<Long, String> e : ackedSoFar.entrySet()) {
            String value = stored.get(e.getKey());
            if (!e.getValue().equals(value)) {
                lost.add(e.getKey() + ": acknowledged '" + e.getValue() + "', stored " + (value == null ? "nothing"
                        : "'" + value + "'"));
            }
        }
        assertTrue(lost.isEmpty(), () -> when + ": " + lost.size() + " success replies not stored as acknowledged, "
                + "e.g. " + lost.subList(0, Math.min(10, lost.size())) + "; endOffset " + end);
        List<String> twice = copies.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
                .limit(10).toList();
        assertTrue(twice.isEmpty(), () -> when + ": messages published once on NATS but stored more than once: "
                + twice);
    }

    /** Request loops, one message at a time each, every payload unique. */
    private final class Publishers {
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicInteger successes = new AtomicInteger();
        final AtomicInteger attempts = new AtomicInteger();
        /** System.nanoTime() since which no node is alive (MAX_VALUE: one is, or is starting). */
        final AtomicLong nodeDeadSince = new AtomicLong(Long.MAX_VALUE);
        final List<Thread> threads = new ArrayList<>();

        Publishers() {
            for (int t = 0; t < PUBLISHERS; t++) {
                int thread = t;
                Thread w = new Thread(() -> run(thread), "nats-publisher-" + t);
                w.setDaemon(true);
                w.start();
                threads.add(w);
            }
        }

        private void run(int thread) {
            long seq = 0;
            while (!stop.get()) {
                String value = "t" + thread + "-" + seq++;
                long sentAt = System.nanoTime();
                long deadSince = nodeDeadSince.get();
                attempts.incrementAndGet();
                Outcome o = Nats.request(client, message("outage.in", null, value), REQUEST_TIMEOUT);
                outcomes.computeIfAbsent(o.getClass().getSimpleName(), k -> new AtomicInteger()).incrementAndGet();
                if (o instanceof Ack a) {
                    if (sentAt > deadSince) {
                        violation.compareAndSet(null, "success reply " + a.body().encode() + " for '" + value
                                + "', sent while no Hawser node was alive");
                    }
                    if (a.body().getBoolean("duplicate", false)) {
                        violation.compareAndSet(null, "'" + value + "' (no msg id) answered as a duplicate: "
                                + a.body().encode());
                    }
                    recordAck(a.body().copy().put("value", value), "request '" + value + "'");
                    successes.incrementAndGet();
                } else {
                    Nats.sleep(50);
                }
            }
        }

        void awaitSuccesses(int count, Duration timeout, String when) {
            try {
                Await.until(timeout, count + " success replies " + when, () -> {
                    if (violation.get() != null) {
                        fail(violation.get());
                    }
                    return successes.get() >= count;
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + " (have " + successes.get() + ", outcomes " + outcomes
                        + ")\n" + diagnostics(), e);
            }
        }

        String diagnostics() {
            StringBuilder b = new StringBuilder();
            for (Thread t : threads) {
                b.append("publisher thread ").append(t.getName()).append(' ').append(t.getState()).append('\n');
                for (StackTraceElement e : t.getStackTrace()) {
                    b.append("    at ").append(e).append('\n');
                }
            }
            b.append("test client status: ").append(client.getStatus()).append(", stats: ")
                    .append(client.getStatistics()).append('\n');
            try (Connection fresh = Nats.connect(nats.url())) {
                b.append("a request from a fresh client: ").append(Nats.request(fresh,
                        message("outage.in", null, "diagnostic request"), REQUEST_TIMEOUT)).append('\n');
            } catch (Exception | AssertionError e) {
                b.append("(fresh client failed: ").append(e).append(")\n");
            }
            Thread.getAllStackTraces().forEach((t, stack) -> {
                if (stack.length > 0 && java.util.Arrays.stream(stack)
                        .anyMatch(e -> e.getClassName().startsWith("io.nats."))) {
                    b.append("test JVM thread ").append(t.getName()).append(' ').append(t.getState()).append('\n');
                    for (int i = 0; i < Math.min(12, stack.length); i++) {
                        b.append("    at ").append(stack[i]).append('\n');
                    }
                }
            });
            try {
                HttpApi api = hawser.api();
                b.append("stream: ").append(api.partition(STREAM, 0).encode()).append('\n');
                for (String m : List.of("hawser_nats_connected", "hawser_nats_captured_total",
                        "hawser_nats_replies_total", "hawser_nats_dropped_total")) {
                    b.append(m).append(' ').append(Nats.metric(api, m)).append('\n');
                }
                b.append(api.get("/health/ready").describe()).append('\n');
                String diagValue = "diagnostic HTTP publish";
                HttpApi.Response http = api.publish(STREAM, "ack=leader&timeoutMs=3000", diagValue, Map.of());
                if (http.status() == 201) {
                    recordAck(http.json().put("value", diagValue), "diagnostic HTTP publish");
                }
                b.append("an HTTP publish now: ").append(http.describe()).append('\n');
                api.createStreamRaw(new JsonObject().put("name", "diag").put("subject", "diag.>"));
                Outcome diag = null;
                for (int i = 0; i < 20 && !(diag instanceof Ack); i++) {
                    diag = Nats.request(client, message("diag.x", null, "diag"), REQUEST_TIMEOUT);
                    Nats.sleep(200);
                }
                b.append("a request to a stream created now: ").append(diag).append('\n');
                Path dump = Files.createTempFile("hawser-node-threads-", ".txt");
                new ProcessBuilder("jcmd", Long.toString(hawser.pid()), "Thread.print").redirectErrorStream(true)
                        .redirectOutput(dump.toFile()).start().waitFor(30, TimeUnit.SECONDS);
                b.append("thread dump of the node: ").append(dump).append('\n');
                if (Files.readString(dump).contains("NatsConnectionWriter.java:213")) {
                    b.append("NOTE: the node's jnats writer thread waits on its reconnect queue "
                            + "(NatsConnectionWriter.java:213 in jnats 2.24.1) although the connection is "
                            + "CONNECTED: it never sends replies or republished messages again "
                            + "(nats-io/nats.java#1522)\n");
                }
            } catch (Exception | AssertionError e) {
                b.append("(node diagnostics failed: ").append(e).append(")\n");
            }
            List<String> out = hawser.output();
            b.append("hawser node output (last 40 lines):\n")
                    .append(String.join("\n", out.subList(Math.max(0, out.size() - 40), out.size()))).append('\n');
            b.append("nats-server connz: ").append(nats.monitor("connz?subs=detail")).append('\n');
            List<String> natsOut = nats.output();
            b.append("nats-server output (last 20 lines):\n")
                    .append(String.join("\n", natsOut.subList(Math.max(0, natsOut.size() - 20), natsOut.size())));
            return b.toString();
        }

        void stop() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(REQUEST_TIMEOUT.toMillis() * 3);
            }
        }
    }
}
