package io.hawser.nats;

import io.hawser.bus.Addresses;
import io.hawser.bus.Failures;
import io.hawser.bus.Messages;
import io.hawser.cluster.StreamCatalog;
import io.hawser.config.NodeConfig;
import io.hawser.ingest.PublishRouter;
import io.hawser.metrics.HealthChecks;
import io.hawser.model.AckPolicy;
import io.hawser.model.HawserException;
import io.hawser.model.PublishAck;
import io.hawser.model.PublishMessage;
import io.hawser.model.StreamConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Dispatcher;
import io.nats.client.ErrorListener;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Connects to NATS (reconnecting forever, every 250 ms), keeps one queue-group subscription per stream that has a
 * {@code subject} and one {@link Republisher} per stream that has {@code republish}, in step with the catalog.
 *
 * <p>Captured messages are routed to their partition leaders by a {@link PublishRouter} on this verticle's event
 * loop, as the ingest verticle routes HTTP publishes; a reply subject, if any, is answered
 * only with the outcome: the ack once the ack policy is met, or the error. At most {@value #MAX_IN_FLIGHT}
 * captured messages wait for storage at once: past that, requests are answered {@code too_many_requests} and plain
 * publishes are dropped and counted ({@code hawser_nats_dropped_total}), as NATS itself drops for a slow consumer.
 *
 * <p>Threading: subscriptions are managed on this verticle's event loop; jnats delivers captured messages on its
 * dispatcher thread, which only queues them for the event loop.
 */
public final class NatsBridgeVerticle extends AbstractVerticle {
    static final int MAX_IN_FLIGHT = 10_000;
    /** Most captured messages handed to ingest in one publish. */
    private static final int MAX_BATCH = 1000;
    private static final long CAPTURE_TIMEOUT_MS = 5000;
    private static final System.Logger LOG = System.getLogger(NatsBridgeVerticle.class.getName());

    private final NodeConfig config;
    private final StreamCatalog catalog;
    private final MeterRegistry registry;
    private final HealthChecks health;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<String, Capture> captures = new HashMap<>();
    private final Map<String, CaptureQueue> queues = new ConcurrentHashMap<>();
    private final Map<String, Republisher> republishers = new HashMap<>();
    private volatile Connection connection;
    private volatile boolean connected;
    private static final long PROBE_TIMEOUT_NANOS = 5_000_000_000L;
    private final String probeSubject = "_hawser.probe." + java.util.UUID.randomUUID();
    private volatile long probeReceived;
    private volatile long probeSentAt;
    private Dispatcher dispatcher;
    private PublishRouter router;
    private Counter captured;
    private Counter replies;
    private Counter dropped;
    private Counter republished;
    private Counter republishSkipped;

    private record Capture(String subject, Subscription subscription) {
    }

    public NatsBridgeVerticle(NodeConfig config, StreamCatalog catalog, MeterRegistry registry, HealthChecks health) {
        this.config = config;
        this.catalog = catalog;
        this.registry = registry;
        this.health = health;
    }

    @Override
    public void start(Promise<Void> started) {
        router = new PublishRouter(vertx, catalog);
        captured = Counter.builder("hawser.nats.captured").description("NATS messages handed to storage")
                .register(registry);
        replies = Counter.builder("hawser.nats.replies").description("Replies sent to NATS request publishers")
                .register(registry);
        dropped = Counter.builder("hawser.nats.dropped")
                .description("Plain NATS publishes dropped because too many were waiting for storage")
                .register(registry);
        republished = Counter.builder("hawser.nats.republished").description("Committed messages republished")
                .register(registry);
        republishSkipped = Counter.builder("hawser.nats.republish.skipped")
                .description("Committed messages retention removed before they could be republished")
                .register(registry);
        Gauge.builder("hawser.nats.connected", () -> healthy() ? 1 : 0)
                .description("1 while the NATS bridge is connected").register(registry);
        health.register("nats", false, this::healthy);

        Options options = new Options.Builder()
                .server(config.natsUrl())
                .connectionName("hawser-" + config.nodeId())
                .maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(250))
                .connectionTimeout(Duration.ofSeconds(2))
                .maxMessagesInOutgoingQueue(1_000_000)
                .connectionListener(this::onConnectionEvent)
                .errorListener(new QuietErrors())
                .build();
        vertx.eventBus().<Messages.StreamName>localConsumer(Addresses.STREAMS_CHANGED, m -> reconcile());
        vertx.setPeriodic(2000, id -> {
            reconcile();
            watchdog();
        });
        vertx.executeBlocking(() -> {
            Nats.connectAsynchronously(options, true);
            return null;
        }).<Void>mapEmpty().onComplete(started);
    }

    private void onConnectionEvent(Connection conn, ConnectionListener.Events event) {
        connected = conn.getStatus() == Connection.Status.CONNECTED;
        LOG.log(System.Logger.Level.INFO, "NATS bridge " + event.getEvent() + " (" + config.natsUrl() + ")");
        // When NATS was down at start, jnats reports the first successful connect as RECONNECTED.
        if (event == ConnectionListener.Events.CONNECTED || event == ConnectionListener.Events.RECONNECTED) {
            context.runOnContext(v -> {
                if (connection == null) {
                    connection = conn;
                    dispatcher = conn.createDispatcher();
                    dispatcher.subscribe(probeSubject, m -> probeReceived = System.nanoTime());
                    reconcile();
                }
            });
        }
    }

    /** Brings subscriptions and republishers in line with the catalog. Runs on the event loop. */
    private void reconcile() {
        if (dispatcher == null) {
            return;
        }
        Map<String, StreamConfig> capturing = new HashMap<>();
        Map<String, StreamConfig> republishing = new HashMap<>();
        for (StreamConfig c : catalog.list()) {
            if (c.subject() != null && !c.isMirror()) {
                capturing.put(c.name(), c);
            }
            if (c.republish() != null) {
                republishing.put(c.name(), c);
            }
        }
        captures.entrySet().removeIf(e -> {
            StreamConfig c = capturing.get(e.getKey());
            if (c != null && c.subject().equals(e.getValue().subject())) {
                return false;
            }
            dispatcher.unsubscribe(e.getValue().subscription());
            queues.remove(e.getKey());
            return true;
        });
        capturing.forEach((name, c) -> captures.computeIfAbsent(name, n -> new Capture(c.subject(),
                dispatcher.subscribe(c.subject(), "hawser-capture." + n, msg -> capture(n, msg)))));

        republishers.entrySet().removeIf(e -> {
            StreamConfig c = republishing.get(e.getKey());
            if (c != null && c.republish().equals(e.getValue().subject())) {
                return false;
            }
            e.getValue().stop();
            return true;
        });
        republishing.forEach((name, c) -> republishers.computeIfAbsent(name, n -> {
            Republisher r = new Republisher(vertx, n, c.partitions(), c.republish(), () -> connection,
                    republished::increment, republishSkipped::increment, p -> catalog.partition(n, p)
                            .map(state -> config.nodeId().equals(state.leader())).orElse(false));
            r.start();
            return r;
        }));
    }

    /**
     * After a reconnect, jnats 2.24.1 can leave its writer stuck (nats-io/nats.java#1522): pings are answered so the
     * connection looks healthy, but nothing else is sent, replies included. The bridge publishes a probe to itself
     * every 2 s; when one has not come back within {@value #PROBE_TIMEOUT_NANOS} ns it forces a reconnect.
     */
    private void watchdog() {
        Connection nc = connection;
        if (nc == null || nc.getStatus() != Connection.Status.CONNECTED) {
            probeSentAt = 0;
            return;
        }
        long now = System.nanoTime();
        boolean answered = probeReceived >= probeSentAt;
        if (probeSentAt != 0 && !answered && now - probeSentAt > PROBE_TIMEOUT_NANOS) {
            LOG.log(System.Logger.Level.WARNING, "NATS bridge: own probe not delivered for 5 s; forcing a reconnect");
            probeSentAt = 0;
            vertx.executeBlocking(() -> {
                nc.forceReconnect();
                return null;
            }, false);
            return;
        }
        if (probeSentAt == 0 || answered) {
            probeSentAt = now;
            try {
                nc.publish(probeSubject, new byte[0]);
            } catch (IllegalStateException e) {
                probeSentAt = 0;
            }
        }
    }

    private boolean healthy() {
        return connected && (probeSentAt == 0 || probeReceived >= probeSentAt
                || System.nanoTime() - probeSentAt <= PROBE_TIMEOUT_NANOS);
    }

    /** Runs on the jnats dispatcher thread: translate and queue, never block. */
    private void capture(String stream, Message msg) {
        String replyTo = msg.getReplyTo();
        if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
            inFlight.decrementAndGet();
            if (replyTo != null) {
                reply(replyTo, NatsTranslation.error(NatsTranslation.overloaded(MAX_IN_FLIGHT)));
            } else {
                dropped.increment();
            }
            return;
        }
        CapturedMessage captured;
        try {
            captured = new CapturedMessage(NatsTranslation.toPublish(msg), NatsTranslation.ackOverride(msg),
                    replyTo);
        } catch (HawserException e) {
            inFlight.decrementAndGet();
            if (replyTo != null) {
                reply(replyTo, NatsTranslation.error(e));
            }
            return;
        }
        queues.computeIfAbsent(stream, s -> new CaptureQueue()).offer(stream, captured);
    }

    private record CapturedMessage(PublishMessage message, AckPolicy ack, String replyTo) {
    }

    /**
     * Captured messages of one stream waiting to be handed to ingest. Whatever arrives while the event loop is busy
     * goes out as one publish: one event-bus round trip for many NATS messages (micro-batching), in arrival order.
     */
    private final class CaptureQueue {
        private final ConcurrentLinkedQueue<CapturedMessage> waiting = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean scheduled = new AtomicBoolean();

        void offer(String stream, CapturedMessage m) {
            waiting.add(m);
            if (scheduled.compareAndSet(false, true)) {
                context.runOnContext(v -> drain(stream));
            }
        }

        private void drain(String stream) {
            scheduled.set(false);
            List<CapturedMessage> batch = new ArrayList<>();
            CapturedMessage m;
            while (batch.size() < MAX_BATCH && (m = waiting.peek()) != null) {
                // One publish carries one ack policy: a different Hawser-Ack starts the next batch.
                if (!batch.isEmpty() && batch.get(0).ack() != m.ack()) {
                    break;
                }
                batch.add(waiting.poll());
            }
            if (!waiting.isEmpty() && scheduled.compareAndSet(false, true)) {
                context.runOnContext(v -> drain(stream));
            }
            if (!batch.isEmpty()) {
                send(stream, batch);
            }
        }
    }

    private void send(String stream, List<CapturedMessage> batch) {
        List<PublishMessage> messages = new ArrayList<>(batch.size());
        batch.forEach(c -> messages.add(c.message()));
        Messages.Publish publish = new Messages.Publish(stream, messages, batch.get(0).ack(), CAPTURE_TIMEOUT_MS, -1);
        router.publish(publish).onComplete(result -> {
            List<PublishAck> acks = result.acks();
            for (int i = 0; i < batch.size(); i++) {
                if (batch.get(i).replyTo() != null) {
                    reply(batch.get(i).replyTo(), NatsTranslation.reply(acks.get(i)));
                }
            }
            finished(batch.size());
        }, failure -> {
            byte[] error = NatsTranslation.error(Failures.toHawser(failure));
            batch.stream().filter(c -> c.replyTo() != null).forEach(c -> reply(c.replyTo(), error));
            finished(batch.size());
        });
    }

    private void finished(int count) {
        inFlight.addAndGet(-count);
        captured.increment(count);
    }

    private void reply(String subject, byte[] body) {
        Connection nc = connection;
        if (nc == null) {
            return;
        }
        try {
            nc.publish(subject, body);
            replies.increment();
        } catch (IllegalStateException e) {
            // Disconnected with a full reconnect buffer: the requester times out, which is the honest outcome.
            LOG.log(System.Logger.Level.DEBUG, "reply to " + subject + " not sent: " + e.getMessage());
        }
    }

    @Override
    public void stop(Promise<Void> stopped) {
        republishers.values().forEach(Republisher::stop);
        health.remove("nats");
        Connection nc = connection;
        if (nc == null) {
            stopped.complete();
            return;
        }
        vertx.executeBlocking(() -> {
            nc.close();
            return null;
        }).<Void>mapEmpty().onComplete(stopped);
    }

    /** jnats reports every failed reconnect attempt; one line per state change (logged above) is enough. */
    private static final class QuietErrors implements ErrorListener {
        @Override
        public void errorOccurred(Connection conn, String error) {
            LOG.log(System.Logger.Level.DEBUG, "NATS error: " + error);
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
            LOG.log(System.Logger.Level.DEBUG, "NATS exception: " + exp);
        }
    }
}
