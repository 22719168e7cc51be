package io.hawser.ingest;

import io.hawser.bus.Addresses;
import io.hawser.bus.Failures;
import io.hawser.bus.Messages;
import io.hawser.cluster.StreamCatalog;
import io.hawser.model.AckPolicy;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.PublishAck;
import io.hawser.model.PublishMessage;
import io.hawser.model.StreamConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Routes one {@link Messages.Publish}: checks the stream accepts writes, splits the messages by partition and sends
 * each group to its partition leader; completes with one ack or error per message, in input order. Failures that
 * concern the whole publish (unknown stream, read-only) fail the future.
 *
 * <p>Runs on the caller's event loop: the {@link IngestVerticle} for HTTP, and the NATS bridge directly, which
 * saves its micro-batches two event-loop hand-offs (a third of their thread switches).
 */
public final class PublishRouter {
    private static final long RETRY_MS = 50;

    private final Vertx vertx;
    private final StreamCatalog catalog;
    private final Partitioner partitioner = new Partitioner();

    public PublishRouter(Vertx vertx, StreamCatalog catalog) {
        this.vertx = vertx;
        this.catalog = catalog;
    }

    public Future<Messages.PublishResult> publish(Messages.Publish p) {
        StreamConfig config;
        try {
            config = writableStream(p.stream());
        } catch (HawserException e) {
            return Future.failedFuture(e);
        }
        AckPolicy ack = p.ack() != null ? p.ack() : config.ackPolicy();
        int n = p.messages().size();
        PublishAck[] acks = new PublishAck[n];
        List<List<Integer>> byPartition = new ArrayList<>();
        for (int i = 0; i < config.partitions(); i++) {
            byPartition.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            PublishMessage m = p.messages().get(i);
            if (m.value().length > config.maxMessageBytes()) {
                acks[i] = PublishAck.failed(p.stream(), Math.max(m.partition(), 0), new HawserException(
                        ErrorCode.MESSAGE_TOO_LARGE, "message of " + m.value().length + " bytes exceeds the stream's "
                        + "maxMessageBytes " + config.maxMessageBytes()));
                continue;
            }
            int partition = m.partition() >= 0 ? m.partition() : partitioner.partitionFor(m.key(), config.partitions());
            if (partition >= config.partitions()) {
                acks[i] = PublishAck.failed(p.stream(), partition, new HawserException(ErrorCode.PARTITION_NOT_FOUND,
                        "stream '" + p.stream() + "' has no partition " + partition + " (it has "
                                + config.partitions() + ")"));
                continue;
            }
            byPartition.get(partition).add(i);
        }

        List<Future<Void>> sent = new ArrayList<>();
        DeliveryOptions options = new DeliveryOptions().setSendTimeout(p.timeoutMs());
        for (int partition = 0; partition < byPartition.size(); partition++) {
            List<Integer> indexes = byPartition.get(partition);
            if (indexes.isEmpty()) {
                continue;
            }
            List<PublishMessage> group;
            if (indexes.size() == n) {
                group = p.messages();
            } else {
                group = new ArrayList<>(indexes.size());
                for (int i : indexes) {
                    group.add(p.messages().get(i));
                }
            }
            int target = partition;
            Messages.Append append = new Messages.Append(p.stream(), partition, group, ack, p.timeoutMs(),
                    p.expectedOffset());
            long deadline = System.nanoTime() + p.timeoutMs() * 1_000_000L;
            sent.add(appendRetrying(append, options, deadline)
                    .map(reply -> {
                        List<PublishAck> groupAcks = reply.body().acks();
                        for (int k = 0; k < indexes.size(); k++) {
                            acks[indexes.get(k)] = groupAcks.get(k);
                        }
                        return (Void) null;
                    })
                    .recover(failure -> {
                        HawserException e = Failures.toHawser(failure);
                        indexes.forEach(i -> acks[i] = PublishAck.failed(p.stream(), target, e));
                        return Future.succeededFuture();
                    }));
        }
        return Future.all(sent).map(v -> new Messages.PublishResult(Arrays.asList(acks)));
    }

    /**
     * Sends an append to the partition leader; while the partition has no leader (failover, hand-over) retries
     * until the publish's deadline. Only refusals that stored nothing ({@code no_leader}) are retried.
     */
    private Future<Message<Messages.PublishResult>> appendRetrying(Messages.Append append, DeliveryOptions options,
                                                                  long deadline) {
        return vertx.eventBus().<Messages.PublishResult>request(Addresses.STORAGE_APPEND, append, options)
                .recover(failure -> {
                    long leftMs = (deadline - System.nanoTime()) / 1_000_000L;
                    if (Failures.toHawser(failure).code() != ErrorCode.NO_LEADER || leftMs < RETRY_MS) {
                        return Future.failedFuture(failure);
                    }
                    Promise<Void> later = Promise.promise();
                    vertx.setTimer(RETRY_MS, t -> later.complete());
                    return later.future().compose(v -> appendRetrying(append,
                            new DeliveryOptions(options).setSendTimeout(Math.max(1, leftMs - RETRY_MS)), deadline));
                });
    }

    private StreamConfig writableStream(String stream) {
        StreamConfig config = catalog.require(stream);
        if (config.isMirror()) {
            String source = config.mirror().stream() + (config.mirror().url() == null ? "" : " at "
                    + config.mirror().url());
            throw new HawserException(ErrorCode.MIRROR_READ_ONLY, "stream '" + stream
                    + "' is a read-only mirror of " + source + "; publish to the source");
        }
        if (config.readOnly()) {
            throw new HawserException(ErrorCode.STREAM_READ_ONLY, "stream '" + stream + "' is read-only");
        }
        if (config.paused()) {
            throw new HawserException(ErrorCode.STREAM_PAUSED, "stream '" + stream + "' is paused");
        }
        return config;
    }
}
