package io.hawser.delivery;

import io.hawser.bus.Addresses;
import io.hawser.bus.Failures;
import io.hawser.bus.Messages;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.StoredMessage;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;

import java.util.Map;

/**
 * Streams committed messages of some partitions to one consumer, each partition in offset order, live after the
 * backlog. Every partition runs a pull loop: read a batch from where it stopped, write it while the next batch is
 * read, wait for the consumer to drain when it is behind, read on. Because the position is only the next offset, a
 * subscription carries on across a leader change with no gap and no duplicate.
 *
 * <p>Threading: created and driven on the event loop of the consumer's connection; frames are rendered and written
 * on a Vert.x worker, one batch at a time per partition (each after the previous one is written), so a partition's
 * frames stay in offset order.
 */
public final class Subscription {
    /** Failures that only mean "ask again shortly": a failover or hand-over is under way. */
    private static final java.util.Set<ErrorCode> LEADER_MOVING = java.util.EnumSet.of(ErrorCode.NO_LEADER,
            ErrorCode.NOT_READY, ErrorCode.ACK_TIMEOUT);
    private static final long RETRY_MS = 100;
    /** How long one pull waits at the head of the log before asking again. */
    private static final long LIVE_WAIT_MS = 20_000;
    private static final int MAX_BYTES_PER_PULL = 4 * 1024 * 1024;

    private final Vertx vertx;
    private final String stream;
    private final int batch;
    private final FrameSink sink;
    private final FrameRenderer renderer;
    private final SubscriberRegistry registry;
    /** Committed messages not yet sent, per partition, as of each partition's last read. */
    private final Map<Integer, Long> lags = new java.util.concurrent.ConcurrentHashMap<>();

    /** Turns one message into one frame. */
    @FunctionalInterface
    public interface FrameRenderer {
        String render(int partition, StoredMessage message);
    }

    public Subscription(Vertx vertx, String stream, int batch, FrameRenderer renderer, FrameSink sink,
                        SubscriberRegistry registry) {
        this.registry = registry;
        this.vertx = vertx;
        this.stream = stream;
        this.batch = batch;
        this.renderer = renderer;
        this.sink = sink;
    }

    /**
     * Starts one pull loop per partition.
     *
     * @param starts partition -> start position: an offset or a {@link Messages.Read} constant
     * @param time   the time for {@link Messages.Read#AT_TIME} starts
     */
    public void start(Map<Integer, Long> starts, long time) {
        registry.add(this);
        starts.forEach((partition, from) -> pull(partition, from, time));
    }

    String stream() {
        return stream;
    }

    boolean ended() {
        return sink.isClosed();
    }

    long lag() {
        long total = 0;
        for (long l : lags.values()) {
            total += l;
        }
        return total;
    }

    private void pull(int partition, long from, long time) {
        pull(partition, from, time, io.vertx.core.Future.succeededFuture());
    }

    /**
     * Reads the batch at {@code from} while the previous one ({@code previousWritten}) may still be rendering: reading
     * and rendering overlap, and a partition never has more than one batch in either step. A batch is rendered only
     * once the previous one is written, so frames stay in offset order.
     */
    private void pull(int partition, long from, long time, io.vertx.core.Future<Void> previousWritten) {
        if (sink.isClosed()) {
            return;
        }
        if (sink.full()) {
            sink.whenDrained(() -> pull(partition, from, time, previousWritten));
            return;
        }
        Messages.Read read = new Messages.Read(stream, partition, from, time, batch, MAX_BYTES_PER_PULL,
                LIVE_WAIT_MS);
        vertx.eventBus().<Messages.ReadResult>request(Addresses.STORAGE_READ, read,
                        new DeliveryOptions().setSendTimeout(LIVE_WAIT_MS + 30_000))
                .onComplete(reply -> {
                    Messages.ReadResult result = reply.body();
                    lags.put(partition, Math.max(0, result.highWatermark() + 1 - result.nextOffset()));
                    // Rendered and written off the event loop: frames written from another thread are queued by
                    // Vert.x and flushed to the socket together, instead of one flush (one syscall) per frame.
                    io.vertx.core.Future<Void> written = previousWritten.compose(v -> vertx.executeBlocking(() -> {
                        for (StoredMessage m : result.messages()) {
                            if (sink.isClosed()) {
                                break;
                            }
                            sink.write(renderer.render(partition, m));
                        }
                        return null;
                    }, false));
                    written.onFailure(e -> fail(Failures.toHawser(e)));
                    previousWritten.onSuccess(v -> pull(partition, result.nextOffset(), time, written));
                }, failure -> {
                    HawserException e = Failures.toHawser(failure);
                    if (LEADER_MOVING.contains(e.code())) {
                        // The partition's leadership is moving: pull the same offset again from the next leader.
                        vertx.setTimer(RETRY_MS, t -> pull(partition, from, time, previousWritten));
                    } else {
                        fail(e);
                    }
                });
    }

    private void fail(HawserException e) {
        if (!sink.isClosed()) {
            sink.fail(e);
        }
    }
}
