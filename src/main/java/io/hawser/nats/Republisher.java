package io.hawser.nats;

import io.hawser.bus.Addresses;
import io.hawser.bus.Failures;
import io.hawser.bus.Messages;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.StoredMessage;
import io.nats.client.Connection;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;

import java.time.Duration;
import java.util.Map;
import java.util.function.IntPredicate;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * Publishes every committed message of a stream to its {@code republish} subject, per partition in offset order,
 * with headers {@code Hawser-Stream}, {@code Hawser-Partition}, {@code Hawser-Offset} (and the message's own).
 *
 * <p>Guarantee: each pull loop publishes a batch, flushes it to the NATS server, then stores the last offset in the
 * stream's cursor {@value #CURSOR}; after a restart it resumes after that offset. So in steady state every committed
 * message goes out exactly once; a crash between a flush and the cursor write repeats at most that batch (never a
 * gap). While NATS is unreachable the loop waits and resumes where it stopped. Messages that retention removes before
 * they are republished are skipped, logged and counted: the loop goes on at the log's start instead of stalling.
 *
 * <p>Only the partition's leader republishes it. It stops at the next message once the catalog no longer names this
 * node as the leader, and its cursor writes only move the cursor forward, so a deposed leader's late write cannot
 * move it back under the new leader.
 *
 * <p>Threading: driven from the bridge verticle's event loop; publishing and flushing run on Vert.x workers.
 */
final class Republisher {
    static final String CURSOR = "__hawser.republish";
    private static final int BATCH = 1000;
    private static final long WAIT_MS = 20_000;
    private static final long RETRY_MS = 250;
    private static final long LEADER_CHECK_MS = 250;
    private static final System.Logger LOG = System.getLogger(Republisher.class.getName());

    private final Vertx vertx;
    private final String stream;
    private final int partitions;
    private final String subject;
    private final Supplier<Connection> connection;
    private final Runnable onPublished;
    private final LongConsumer onSkipped;
    private final IntPredicate leadsHere;
    private volatile boolean stopped;

    /**
     * @param onSkipped told how many committed messages retention removed before they could be republished
     * @param leadsHere whether this node leads a partition now: only a partition's leader republishes it
     */
    Republisher(Vertx vertx, String stream, int partitions, String subject, Supplier<Connection> connection,
                Runnable onPublished, LongConsumer onSkipped, IntPredicate leadsHere) {
        this.vertx = vertx;
        this.stream = stream;
        this.partitions = partitions;
        this.subject = subject;
        this.connection = connection;
        this.onPublished = onPublished;
        this.onSkipped = onSkipped;
        this.leadsHere = leadsHere;
    }

    String subject() {
        return subject;
    }

    void start() {
        for (int p = 0; p < partitions; p++) {
            follow(p);
        }
    }

    /**
     * Republishes a partition while this node leads it, from the position stored after the last flush (by whichever
     * node led it before); checks again shortly while another node leads it.
     */
    private void follow(int partition) {
        if (stopped) {
            return;
        }
        if (!leadsHere.test(partition)) {
            vertx.setTimer(LEADER_CHECK_MS, t -> follow(partition));
            return;
        }
        vertx.eventBus().<Messages.CursorPositions>request(Addresses.STORAGE_CURSOR_GET,
                        new Messages.CursorGet(stream, CURSOR))
                .map(reply -> reply.body().partitions())
                .recover(e -> Failures.toHawser(e).code() == ErrorCode.CURSOR_NOT_FOUND
                        ? Future.succeededFuture(Map.of()) : Future.failedFuture(e))
                .onComplete(stored -> {
                    Long last = stored.get(partition);
                    pull(partition, last == null ? Messages.Read.EARLIEST : last + 1);
                }, failure -> vertx.setTimer(RETRY_MS, t -> follow(partition)));
    }

    void stop() {
        stopped = true;
    }

    private void pull(int partition, long from) {
        if (stopped) {
            return;
        }
        if (!leadsHere.test(partition)) {
            follow(partition); // leadership moved: the new leader goes on from the stored position
            return;
        }
        Messages.Read read = new Messages.Read(stream, partition, from, 0, BATCH, 4 * 1024 * 1024, WAIT_MS);
        vertx.eventBus().<Messages.ReadResult>request(Addresses.STORAGE_READ, read,
                        new DeliveryOptions().setSendTimeout(WAIT_MS + 30_000))
                .compose(reply -> {
                    Messages.ReadResult result = reply.body();
                    if (result.messages().isEmpty()) {
                        return Future.succeededFuture(result.nextOffset());
                    }
                    return vertx.executeBlocking(() -> publish(partition, result), false)
                            .compose(last -> storeCursor(partition, last))
                            .map(stored -> result.nextOffset());
                })
                .onComplete(next -> pull(partition, next), failure -> {
                    HawserException e = Failures.toHawser(failure);
                    if (e.code() == ErrorCode.STREAM_NOT_FOUND || e.code() == ErrorCode.PARTITION_NOT_FOUND) {
                        stopped = true;
                        return;
                    }
                    if (e.code() == ErrorCode.NO_LEADER) {
                        vertx.setTimer(RETRY_MS, t -> follow(partition)); // from the stored position, if still ours
                        return;
                    }
                    if (e.code() == ErrorCode.OFFSET_OUT_OF_RANGE) {
                        vertx.setTimer(RETRY_MS, t -> resync(partition, from));
                        return;
                    }
                    // NATS down, or storage busy: try the same offset again shortly.
                    vertx.setTimer(RETRY_MS, t -> pull(partition, from));
                });
    }

    /**
     * Finds where to go on when {@code from} is no longer readable: the log's start when retention removed it (the
     * messages in between are skipped, logged and counted), the log's end when it lies past the end.
     */
    private void resync(int partition, long from) {
        Messages.Read bounds = new Messages.Read(stream, partition, Messages.Read.EARLIEST, 0, 1, 1, 0);
        vertx.eventBus().<Messages.ReadResult>request(Addresses.STORAGE_READ, bounds)
                .onComplete(reply -> {
                    long start = reply.body().startOffset();
                    long end = reply.body().highWatermark() + 1;
                    long resume = from < start ? start : Math.min(from, end);
                    if (from >= 0 && from < start) {
                        onSkipped.accept(start - from);
                    }
                    LOG.log(System.Logger.Level.WARNING, "republish of " + stream + "/" + partition + ": offset "
                            + from + " is no longer stored (the log holds " + start + ".." + (end - 1)
                            + "); going on at " + resume);
                    pull(partition, resume);
                }, failure -> vertx.setTimer(RETRY_MS, t -> pull(partition, from)));
    }

    /**
     * Records {@code last} as republished, forward only. A write that fails for a passing reason (timeout, busy
     * cluster) is retried as it is, so the batch is not sent again; {@code no_leader} and a deleted stream end it.
     */
    private Future<Void> storeCursor(int partition, long last) {
        return vertx.eventBus().request(Addresses.STORAGE_CURSOR_PUT,
                        new Messages.CursorPut(stream, CURSOR, partition, last, true))
                .<Void>mapEmpty()
                .recover(failure -> {
                    ErrorCode code = Failures.toHawser(failure).code();
                    if (stopped || code == ErrorCode.NO_LEADER || code == ErrorCode.STREAM_NOT_FOUND
                            || code == ErrorCode.PARTITION_NOT_FOUND) {
                        return Future.failedFuture(failure);
                    }
                    Promise<Void> later = Promise.promise();
                    vertx.setTimer(RETRY_MS, t -> storeCursor(partition, last).onComplete(later));
                    return later.future();
                });
    }

    /**
     * Publishes the batch and waits until the NATS server has it. Returns the last offset published; fails with
     * {@code no_leader} when the catalog stops naming this node as the leader meanwhile (what went out stays out;
     * the cursor is not moved).
     */
    private long publish(int partition, Messages.ReadResult result) throws Exception {
        Connection nc = connection.get();
        if (nc == null || nc.getStatus() != Connection.Status.CONNECTED) {
            throw new HawserException(ErrorCode.NOT_READY, "NATS is not connected");
        }
        long last = -1;
        boolean moved = false;
        for (StoredMessage m : result.messages()) {
            if (stopped) {
                break;
            }
            if (!leadsHere.test(partition)) {
                moved = true;
                break;
            }
            Headers headers = new Headers();
            m.headers().forEach(headers::add);
            headers.put("Hawser-Stream", stream);
            headers.put("Hawser-Partition", Integer.toString(partition));
            headers.put("Hawser-Offset", Long.toString(m.offset()));
            nc.publish(NatsMessage.builder().subject(subject).headers(headers).data(m.value()).build());
            last = m.offset();
            onPublished.run();
        }
        nc.flush(Duration.ofSeconds(10));
        if (moved) {
            throw new HawserException(ErrorCode.NO_LEADER, "leadership of " + stream + "/" + partition
                    + " moved while republishing");
        }
        if (last < 0) {
            throw new HawserException(ErrorCode.NOT_READY, "republisher stopped");
        }
        return last;
    }
}
