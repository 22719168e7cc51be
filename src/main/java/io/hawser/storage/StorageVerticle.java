package io.hawser.storage;

import io.hawser.bus.Addresses;
import io.hawser.bus.Failures;
import io.hawser.bus.Messages;
import io.hawser.cluster.StreamCatalog;
import io.hawser.config.NodeConfig;
import io.hawser.log.LogConfig;
import io.hawser.log.LogException;
import io.hawser.log.OffsetOutOfRangeException;
import io.hawser.log.PartitionLog;
import io.hawser.log.Record;
import io.hawser.metrics.HawserMetrics;
import io.hawser.model.AckPolicy;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.PublishAck;
import io.hawser.model.StoredMessage;
import io.hawser.model.StreamConfig;
import io.hawser.partition.PartitionLeader;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.stream.Collectors;

/**
 * The event-bus face of {@link NodeStorage}. Runs on one event loop; every blocking call is handed to the append
 * pool (group commits) or to Vert.x workers (reads, opening, deleting, maintenance).
 */
public final class StorageVerticle extends AbstractVerticle {
    private static final int READ_MAX_BYTES_CAP = 8 * 1024 * 1024;

    private final NodeConfig config;
    private final StreamCatalog catalog;
    private final Clock clock;
    private final HawserMetrics metrics;
    private final BiFunction<Path, LogConfig, PartitionLog> logOpener;
    private ExecutorService appendPool;
    private NodeStorage storage;

    /** @param logOpener opens (creating when missing) the log in a directory: the MapDB log in production */
    public StorageVerticle(NodeConfig config, StreamCatalog catalog, Clock clock,
                           BiFunction<Path, LogConfig, PartitionLog> logOpener, HawserMetrics metrics) {
        this.metrics = metrics;
        this.logOpener = logOpener;
        this.config = config;
        this.catalog = catalog;
        this.clock = clock;
    }

    @Override
    public void start(Promise<Void> started) {
        AtomicInteger threadIds = new AtomicInteger();
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors() * 2);
        appendPool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "hawser-append-" + threadIds.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        LogConfig logConfig = LogConfig.defaults().withSegmentBytes(config.segmentBytes()).withClock(clock);
        storage = new NodeStorage(config.nodeId(), config.dataDir(), logConfig, clock, appendPool, logOpener);

        EventBus bus = vertx.eventBus();
        bus.<Messages.Append>localConsumer(Addresses.STORAGE_APPEND, this::append);
        bus.<Messages.Read>localConsumer(Addresses.STORAGE_READ, this::read);
        bus.<Messages.StreamName>localConsumer(Addresses.STORAGE_STATUS,
                m -> blocking(m, () -> new Messages.PartitionStatuses(storage.status(m.body().stream()))));
        bus.<Messages.StreamConfigMessage>localConsumer(Addresses.STORAGE_OPEN,
                m -> blocking(m, () -> {
                    storage.open(m.body().config());
                    return new Messages.Done();
                }));
        bus.<Messages.StreamName>localConsumer(Addresses.STORAGE_DELETE,
                m -> blocking(m, () -> {
                    storage.delete(m.body().stream());
                    return new Messages.Done();
                }));
        bus.<Messages.CursorPut>localConsumer(Addresses.STORAGE_CURSOR_PUT, this::putCursor);
        bus.<Messages.CursorGet>localConsumer(Addresses.STORAGE_CURSOR_GET, this::getCursor);

        vertx.executeBlocking(() -> {
            List<StreamConfig> streams = catalog.list();
            storage.removeUnknown(streams.stream().map(StreamConfig::name).collect(Collectors.toSet()));
            for (StreamConfig c : streams) {
                storage.open(c);
            }
            return null;
        }).<Void>mapEmpty().onComplete(started);

        vertx.setPeriodic(config.retentionCheckMs(), id -> vertx.executeBlocking(() -> {
            storage.maintain();
            return null;
        }, false));
    }

    @Override
    public void stop(Promise<Void> stopped) {
        vertx.executeBlocking(() -> {
            storage.close();
            appendPool.shutdown();
            return null;
        }).<Void>mapEmpty().onComplete(stopped);
    }

    private void append(Message<Messages.Append> message) {
        Messages.Append a = message.body();
        long received = System.nanoTime();
        CompletableFuture<List<PublishAck>> acks;
        try {
            PartitionLeader leader = storage.leader(a.stream(), a.partition());
            acks = leader.append(a.messages(), a.expectedOffset(), a.ack() != AckPolicy.NONE);
        } catch (RuntimeException e) {
            Failures.reply(message, e);
            return;
        }
        Future.fromCompletionStage(acks, context).onComplete(
                done -> {
                    message.reply(new Messages.PublishResult(done));
                    countStored(a, done, received);
                },
                failure -> Failures.reply(message, failure));
    }

    private void countStored(Messages.Append a, List<PublishAck> acks, long receivedNanos) {
        long stored = 0;
        long bytes = 0;
        for (int i = 0; i < acks.size(); i++) {
            PublishAck ack = acks.get(i);
            if (!ack.isError() && !ack.duplicate()) {
                stored++;
                bytes += a.messages().get(i).value().length;
            }
        }
        metrics.stored(a.stream(), stored, bytes);
        metrics.appendAcked(a.ack().wireName(), System.nanoTime() - receivedNanos);
    }

    private void read(Message<Messages.Read> message) {
        Messages.Read r = message.body();
        PartitionLeader leader;
        try {
            leader = storage.leader(r.stream(), r.partition());
        } catch (RuntimeException e) {
            Failures.reply(message, e);
            return;
        }
        long deadline = System.nanoTime() + r.waitMs() * 1_000_000L;
        vertx.executeBlocking(() -> startOffset(leader, r), false)
                .compose(from -> readUntil(leader, r, from, deadline))
                // "earliest" means wherever the log starts when the read runs, even if retention moved it meanwhile
                .recover(failure -> r.fromOffset() == Messages.Read.EARLIEST
                        && Failures.toHawser(failure).code() == ErrorCode.OFFSET_OUT_OF_RANGE
                        ? vertx.executeBlocking(() -> leader.log().startOffset(), false)
                                .compose(from -> readUntil(leader, r, from, deadline))
                        : Future.failedFuture(failure))
                .onComplete(result -> {
                    message.reply(result);
                    metrics.delivered(r.stream(), result.messages().size());
                }, failure -> Failures.reply(message, failure));
    }

    private static long startOffset(PartitionLeader leader, Messages.Read r) {
        long from = r.fromOffset();
        if (from >= 0) {
            return from;
        }
        if (from == Messages.Read.AT_TIME) {
            return leader.offsetForTimestamp(r.time());
        }
        if (from == Messages.Read.EARLIEST) {
            return leader.log().startOffset();
        }
        long hw = leader.highWatermark();
        if (from == Messages.Read.LATEST) {
            return Math.max(hw, Math.max(0, leader.log().startOffset()));
        }
        if (from == Messages.Read.NEW) {
            return hw + 1;
        }
        throw new HawserException(ErrorCode.INVALID_OFFSET, "invalid start offset " + from);
    }

    /** Reads once; when nothing is committed there yet, waits for commits until the deadline (long-poll). */
    private Future<Messages.ReadResult> readUntil(PartitionLeader leader, Messages.Read r, long from, long deadline) {
        CompletableFuture<Void> nextCommit = leader.nextCommit();
        return vertx.executeBlocking(() -> readOnce(leader, r, from), false).compose(result -> {
            long remainingMs = (deadline - System.nanoTime()) / 1_000_000L;
            if (!result.messages().isEmpty() || remainingMs <= 0) {
                return Future.succeededFuture(result);
            }
            Promise<Void> woken = Promise.promise();
            long timer = vertx.setTimer(remainingMs, t -> woken.tryComplete());
            nextCommit.whenComplete((v, e) -> context.runOnContext(x -> {
                vertx.cancelTimer(timer);
                woken.tryComplete();
            }));
            return woken.future().compose(v -> readUntil(leader, r, from, deadline));
        });
    }

    private Messages.ReadResult readOnce(PartitionLeader leader, Messages.Read r, long from) {
        if (!storage.isCurrent(leader)) {
            throw new HawserException(ErrorCode.STREAM_NOT_FOUND, "stream '" + r.stream() + "' was deleted");
        }
        List<Record> records;
        try {
            records = leader.readCommitted(from, r.limit(), Math.min(r.maxBytes(), READ_MAX_BYTES_CAP));
        } catch (OffsetOutOfRangeException e) {
            throw new HawserException(ErrorCode.OFFSET_OUT_OF_RANGE, "offset " + e.requested()
                    + " is no longer stored; startOffset is " + e.startOffset());
        } catch (LogException e) {
            if (!storage.isCurrent(leader)) {
                throw new HawserException(ErrorCode.STREAM_NOT_FOUND, "stream '" + r.stream() + "' was deleted");
            }
            throw new HawserException(ErrorCode.STORAGE_UNAVAILABLE, e.getMessage());
        }
        List<StoredMessage> messages = new ArrayList<>(records.size());
        for (Record rec : records) {
            messages.add(new StoredMessage(rec.offset(), rec.timestamp(), rec.key(), rec.headers(), rec.value()));
        }
        long next = records.isEmpty() ? from : records.get(records.size() - 1).offset() + 1;
        return new Messages.ReadResult(messages, next, leader.highWatermark(), leader.log().startOffset());
    }

    private void putCursor(Message<Messages.CursorPut> message) {
        Messages.CursorPut put = message.body();
        blocking(message, () -> {
            PartitionLeader leader = storage.leader(put.stream(), put.partition());
            if (put.offset() < -1 || put.offset() > leader.highWatermark()) {
                throw new HawserException(ErrorCode.INVALID_OFFSET, "cursor offset must be between -1 and the "
                        + "high watermark " + leader.highWatermark() + " (got " + put.offset() + ")");
            }
            storage.cursors(put.stream()).put(put.cursor(), put.partition(), put.offset());
            return new Messages.Done();
        });
    }

    private void getCursor(Message<Messages.CursorGet> message) {
        Messages.CursorGet get = message.body();
        try {
            Map<Integer, Long> positions = storage.cursors(get.stream()).get(get.cursor());
            if (positions == null) {
                throw new HawserException(ErrorCode.CURSOR_NOT_FOUND,
                        "cursor '" + get.cursor() + "' of stream '" + get.stream() + "' does not exist");
            }
            message.reply(new Messages.CursorPositions(positions));
        } catch (RuntimeException e) {
            Failures.reply(message, e);
        }
    }

    private <T> void blocking(Message<?> message, Callable<T> work) {
        vertx.executeBlocking(work, false).onComplete(message::reply, failure -> Failures.reply(message, failure));
    }
}
