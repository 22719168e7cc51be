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
import io.hawser.cluster.StreamEntry;
import io.hawser.model.MirrorProgress;
import io.hawser.model.PartitionState;
import io.hawser.model.PartitionStatus;
import io.hawser.partition.FetchAnswer;
import io.hawser.partition.IsrStore;
import io.hawser.partition.LeaseTable;
import io.hawser.partition.PartitionFollower;
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
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * The event-bus face of {@link NodeStorage}. Runs on one event loop; every blocking call is handed to the append
 * pool (group commits) or to Vert.x workers (reads, opening, deleting, maintenance).
 */
public final class StorageVerticle extends AbstractVerticle {
    private static final System.Logger LOG = System.getLogger(StorageVerticle.class.getName());
    private static final int READ_MAX_BYTES_CAP = 8 * 1024 * 1024;
    private static final int FETCH_MAX_BYTES = 4 * 1024 * 1024;
    private static final long FETCH_WAIT_MS = 500;

    private final NodeConfig config;
    private final StreamCatalog catalog;
    private final Clock clock;
    private final HawserMetrics metrics;
    private final BiFunction<Path, LogConfig, PartitionLog> logOpener;
    private final LeaseTable leases;
    private final IsrWriter isrWriter;
    private final String nodeId;
    private final Set<String> fetching = new HashSet<>();
    private final java.util.function.Predicate<String> liveNodes;
    /** Requests to other nodes by target node, each able to abort itself; touched only on this event loop. */
    private final Map<String, Set<Runnable>> inFlight = new java.util.HashMap<>();
    private ExecutorService appendPool;
    private NodeStorage storage;
    private volatile boolean stopping;
    /** Failed leaders already handed to the elector; touched only by the 250 ms check (one at a time). */
    private final Set<PartitionLeader> reportedFailures = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The data directory's file system, measured again every 250 ms. */
    private final DiskSpace disk;

    /** Records a partition leader's ISR in the cluster metadata (false: the leader's epoch is over). Blocking. */
    @FunctionalInterface
    public interface IsrWriter {
        IsrStore.Outcome write(String stream, int partition, long epoch, List<String> isr);
    }

    /**
     * @param logOpener opens (creating when missing) the log in a directory: the MapDB log in production
     * @param leases    the leases the elector holds, handed to the partitions this node comes to lead
     * @param liveNodes whether a node is a live cluster member now
     * @param disk      the data directory's free space, which this verticle keeps measuring
     */
    public StorageVerticle(NodeConfig config, StreamCatalog catalog, Clock clock,
                           BiFunction<Path, LogConfig, PartitionLog> logOpener, HawserMetrics metrics,
                           LeaseTable leases, IsrWriter isrWriter,
                           java.util.function.Predicate<String> liveNodes, DiskSpace disk) {
        this.disk = disk;
        this.liveNodes = liveNodes;
        this.leases = leases;
        this.isrWriter = isrWriter;
        this.nodeId = config.nodeId();
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
        storage = new NodeStorage(nodeId, config.dataDir(), logConfig, clock, appendPool, logOpener,
                config.replicaMaxLagMs());

        EventBus bus = vertx.eventBus();
        // Node-local entry points: served here when this node leads the partition, else forwarded to its leader.
        bus.<Messages.Append>localConsumer(Addresses.STORAGE_APPEND,
                m -> route(m, m.body().stream(), m.body().partition(), Addresses.STORAGE_APPEND, this::append));
        bus.<Messages.Read>localConsumer(Addresses.STORAGE_READ,
                m -> route(m, m.body().stream(), m.body().partition(), Addresses.STORAGE_READ, this::read));
        // Cursor positions are checked by the partition's leader (against its HW) and stored cluster-wide.
        bus.<Messages.CursorPut>localConsumer(Addresses.STORAGE_CURSOR_PUT,
                m -> route(m, m.body().stream(), m.body().partition(), Addresses.STORAGE_CURSOR_PUT, this::putCursor));
        bus.<Messages.CursorGet>localConsumer(Addresses.STORAGE_CURSOR_GET,
                m -> vertx.eventBus().request(Addresses.CONTROL_CURSOR_GET, m.body())
                        .onComplete(reply -> m.reply(reply.body()), failure -> Failures.reply(m, failure)));
        bus.<Messages.CursorSaved>localConsumer(Addresses.CURSOR_STORED, m -> vertx.executeBlocking(() -> {
            storage.keepCursor(m.body());
            return null;
        }, true).onFailure(e -> LOG.log(System.Logger.Level.WARNING, "cannot keep a copy of cursor "
                + m.body().cursor() + " of " + m.body().stream() + ": " + e)));
        bus.<Messages.StreamName>localConsumer(Addresses.STORAGE_STATUS, this::status);
        bus.<Messages.Copy>localConsumer(Addresses.STORAGE_COPY,
                m -> route(m, m.body().stream(), m.body().partition(), Addresses.STORAGE_COPY, this::copy));
        // The same services for other nodes, on this node's own addresses (never forwarded again).
        bus.<Messages.Append>consumer(Addresses.onNode(nodeId, Addresses.STORAGE_APPEND), this::append);
        bus.<Messages.Read>consumer(Addresses.onNode(nodeId, Addresses.STORAGE_READ), this::read);
        bus.<Messages.CursorPut>consumer(Addresses.onNode(nodeId, Addresses.STORAGE_CURSOR_PUT), this::putCursor);
        bus.<Messages.StreamName>consumer(Addresses.onNode(nodeId, Addresses.STORAGE_STATUS), this::localStatus);
        bus.<Messages.Fetch>consumer(Addresses.onNode(nodeId, Addresses.FETCH), this::serveFetch);
        bus.<Messages.Copy>consumer(Addresses.onNode(nodeId, Addresses.STORAGE_COPY), this::copy);
        // The elector's requests.
        bus.<Messages.Lead>localConsumer(Addresses.STORAGE_LEAD, this::lead);
        bus.<Messages.Follow>localConsumer(Addresses.STORAGE_FOLLOW, m -> blocking(m, () -> {
            storage.follow(m.body().stream(), m.body().partition());
            startFetching(m.body().stream(), m.body().partition());
            return new Messages.Done();
        }));
        bus.<Messages.HandOver>localConsumer(Addresses.STORAGE_HAND_OVER, this::handOver);
        bus.<Messages.ReplicaCheck>localConsumer(Addresses.STORAGE_REPLICA_CHECK, this::checkReplica);
        bus.<Messages.StreamName>localConsumer(Addresses.STREAMS_CHANGED, m -> reconcile(m.body().stream()));
        bus.<Messages.NodeGone>localConsumer(Addresses.NODE_GONE, m -> nodeGone(m.body().nodeId()));

        vertx.executeBlocking(() -> {
            Set<String> known = new HashSet<>();
            for (StreamEntry e : catalog.entries()) {
                if (!e.deleted()) {
                    known.add(e.name());
                }
            }
            storage.removeUnknown(known);
            List<String[]> follow = new ArrayList<>();
            for (StreamEntry e : catalog.entries()) {
                for (int p : storage.reconcile(e.config(), e.incarnation(), e.partitions())) {
                    follow.add(new String[]{e.name(), Integer.toString(p)});
                }
            }
            return follow;
        }).onSuccess(follow -> follow.forEach(f -> startFetching(f[0], Integer.parseInt(f[1]))))
                .compose(v -> vertx.executeBlocking(storage::cursorPositions))
                .compose(saved -> {
                    // Positions this node kept on disk go back to the cluster (kept where newer): a full restart
                    // keeps every cursor.
                    List<Future<Object>> offered = new ArrayList<>();
                    for (Messages.CursorSaved c : saved) {
                        offered.add(vertx.eventBus().request(Addresses.CONTROL_CURSOR_OFFER, c).map(m -> m.body()));
                    }
                    return Future.all(offered);
                })
                .<Void>mapEmpty().onComplete(started);

        vertx.setPeriodic(config.retentionCheckMs(), id -> vertx.executeBlocking(() -> {
            storage.maintain();
            return null;
        }, false));
        vertx.setPeriodic(250, id -> vertx.executeBlocking(() -> {
            for (PartitionLeader leader : storage.leaders()) {
                leader.checkIsr();
                if (leader.storageFailed() && reportedFailures.add(leader)) {
                    metrics.storageFailed(leader.stream());
                    LOG.log(System.Logger.Level.ERROR, "partition " + leader.stream() + "/" + leader.partition()
                            + " (epoch " + leader.epoch() + "): disk write failed; giving up its leadership");
                    vertx.eventBus().publish(Addresses.STORAGE_FAILED, new Messages.StorageFailed(leader.stream(),
                            leader.partition(), "disk write failed"));
                }
            }
            reportedFailures.removeIf(l -> !storage.isCurrent(l));
            disk.refresh();
            return null;
        }, false));
        vertx.setPeriodic(1_000, id -> vertx.executeBlocking(() -> {
            reportReplication();
            return null;
        }, false));
    }

    private void reportReplication() {
        List<HawserMetrics.LedPartition> led = new ArrayList<>();
        List<HawserMetrics.ReplicaLag> lags = new ArrayList<>();
        for (PartitionLeader leader : storage.leaders()) {
            int replicas = catalog.partition(leader.stream(), leader.partition())
                    .map(s -> s.replicas().size()).orElse(leader.isr().size());
            led.add(new HawserMetrics.LedPartition(leader.stream(), leader.partition(), leader.log().endOffset(),
                    leader.highWatermark(), leader.isr().size(), replicas,
                    mirrorProgress(leader.stream(), leader.partition())));
            leader.followerLags().forEach((replica, lag) -> lags.add(new HawserMetrics.ReplicaLag(leader.stream(),
                    leader.partition(), replica, lag)));
        }
        metrics.replicas(lags, storage.sizes());
        long offline = 0;
        for (StreamEntry e : catalog.entries()) {
            if (!e.deleted()) {
                offline += e.partitions().stream()
                        .filter(p -> p.leader() == null || !liveNodes.test(p.leader())).count();
            }
        }
        metrics.replication(led, offline);
    }

    private MirrorProgress mirrorProgress(String stream, int partition) {
        Replica r = storage.replica(stream, partition);
        return r == null ? null : r.mirrorProgress();
    }

    /** Applies a metadata change of one stream: placement, deletes, leaders elsewhere. Ordered per node. */
    private void reconcile(String stream) {
        vertx.executeBlocking(() -> {
            StreamEntry e = catalog.entry(stream).orElse(null);
            if (e == null) {
                return List.<Integer>of();
            }
            if (e.deleted()) {
                storage.delete(stream);
                return List.<Integer>of();
            }
            return storage.reconcile(e.config(), e.incarnation(), e.partitions());
        }, true).onComplete(follow -> follow.forEach(p -> startFetching(stream, p)),
                failure -> LOG.log(System.Logger.Level.WARNING, "cannot apply the metadata of stream " + stream
                        + ": " + failure.getMessage()));
    }

    @Override
    public void stop(Promise<Void> stopped) {
        stopping = true;
        vertx.executeBlocking(() -> {
            storage.close();
            appendPool.shutdown();
            return null;
        }).<Void>mapEmpty().onComplete(stopped);
    }

    private void append(Message<Messages.Append> message) {
        Messages.Append a = message.body();
        long received = System.nanoTime();
        long incarnation = catalog.entry(a.stream()).map(StreamEntry::incarnation).orElse(-1L);
        CompletableFuture<List<PublishAck>> acks;
        try {
            PartitionLeader leader = storage.leader(a.stream(), a.partition());
            acks = leader.append(a.messages(), a.expectedOffset(), a.ack());
        } catch (RuntimeException e) {
            Failures.reply(message, e);
            return;
        }
        // Answered on the thread that completed the commit: a reply is thread-safe and runs on the requester's
        // context anyway, so a hop through this verticle's event loop would only add a thread switch per batch.
        acks.whenComplete((done, failure) -> {
            if (failure == null) {
                message.reply(new Messages.PublishResult(done));
                countStored(a, done, received);
            } else {
                Failures.reply(message, deletedMeanwhile(a.stream(), incarnation)
                        ? new HawserException(ErrorCode.STREAM_NOT_FOUND, "stream '" + a.stream() + "' was deleted")
                        : failure);
            }
        });
    }

    /**
     * Copies at given offsets: a mirror puller's (its progress is kept for describe and metrics) or a restore's
     * (progress null).
     */
    private void copy(Message<Messages.Copy> message) {
        Messages.Copy c = message.body();
        CompletableFuture<Long> end;
        try {
            PartitionLeader leader = storage.leader(c.stream(), c.partition());
            Replica r = storage.replica(c.stream(), c.partition());
            if (r != null && c.progress() != null) {
                r.reportMirrorProgress(c.progress());
            }
            end = leader.copy(c.records());
        } catch (RuntimeException e) {
            Failures.reply(message, e);
            return;
        }
        Future.fromCompletionStage(end, context).onComplete(e -> {
            message.reply(new Messages.Copied(e));
            if (!c.records().isEmpty()) {
                long bytes = 0;
                for (StoredMessage m : c.records()) {
                    bytes += m.value().length;
                }
                metrics.stored(c.stream(), c.records().size(), bytes);
            }
        }, failure -> Failures.reply(message, failure));
    }

    /** A leader closes when its stream is deleted: its unfinished publishes see that, not a leadership error. */
    private boolean deletedMeanwhile(String stream, long incarnation) {
        return catalog.entry(stream).map(e -> e.deleted() || e.incarnation() != incarnation).orElse(true);
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
                    long bytes = 0;
                    for (StoredMessage m : result.messages()) {
                        bytes += m.value().length;
                    }
                    metrics.delivered(r.stream(), result.messages().size(), bytes);
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
            throw notLeadingAnyMore(r.stream(), r.partition());
        }
        List<Record> records;
        try {
            records = leader.readCommitted(from, r.limit(), Math.min(r.maxBytes(), READ_MAX_BYTES_CAP));
        } catch (OffsetOutOfRangeException e) {
            throw new HawserException(ErrorCode.OFFSET_OUT_OF_RANGE, "offset " + e.requested()
                    + " is no longer stored; startOffset is " + e.startOffset());
        } catch (LogException e) {
            if (!storage.isCurrent(leader)) {
                throw notLeadingAnyMore(r.stream(), r.partition());
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

    /** A read whose leader stopped leading meanwhile: the stream was deleted, or leadership moved (retry). */
    private HawserException notLeadingAnyMore(String stream, int partition) {
        return catalog.get(stream).isPresent()
                ? new HawserException(ErrorCode.NO_LEADER, "leadership of " + stream + "/" + partition
                + " moved during the read; retry")
                : new HawserException(ErrorCode.STREAM_NOT_FOUND, "stream '" + stream + "' was deleted");
    }

    private void putCursor(Message<Messages.CursorPut> message) {
        Messages.CursorPut put = message.body();
        PartitionLeader leader;
        long incarnation;
        try {
            leader = storage.leader(put.stream(), put.partition());
            incarnation = catalog.entry(put.stream()).map(StreamEntry::incarnation).orElse(-1L);
            if (put.offset() < -1 || put.offset() > leader.highWatermark()) {
                throw new HawserException(ErrorCode.INVALID_OFFSET, "cursor offset must be between -1 and the "
                        + "high watermark " + leader.highWatermark() + " (got " + put.offset() + ")");
            }
        } catch (RuntimeException e) {
            Failures.reply(message, e);
            return;
        }
        String store = put.forwardOnly() ? Addresses.CONTROL_CURSOR_ADVANCE : Addresses.CONTROL_CURSOR_PUT;
        vertx.eventBus().request(store, new Messages.CursorSaved(put.stream(), incarnation,
                        put.cursor(), put.partition(), put.offset(), clock.millis()))
                .onComplete(done -> message.reply(new Messages.Done()), failure -> Failures.reply(message, failure));
    }

    /**
     * Serves a partition request here when this node leads the partition, else forwards it to the leader's node.
     * A partition without a leader answers {@code no_leader} (retriable).
     */
    private <T> void route(Message<T> message, String stream, int partition, String address,
                           Consumer<Message<T>> local) {
        String leader;
        try {
            StreamConfig config = catalog.require(stream);
            if (partition < 0 || partition >= config.partitions()) {
                throw new HawserException(ErrorCode.PARTITION_NOT_FOUND, "stream '" + stream + "' has no partition "
                        + partition + " (it has " + config.partitions() + ")");
            }
            leader = catalog.partition(stream, partition).map(PartitionState::leader).orElse(null);
            if (leader == null) {
                throw new HawserException(ErrorCode.NO_LEADER, "partition " + stream + "/" + partition
                        + " has no leader right now; retry");
            }
        } catch (RuntimeException e) {
            Failures.reply(message, e);
            return;
        }
        if (leader.equals(nodeId)) {
            local.accept(message);
            return;
        }
        HawserException unreachable = new HawserException(ErrorCode.NO_LEADER, "the leader of " + stream + "/"
                + partition + " (" + leader + ") is not reachable; retry");
        if (!liveNodes.test(leader)) {
            Failures.reply(message, unreachable); // it left the cluster; a new leader is being elected
            return;
        }
        long timeout = message.body() instanceof Messages.Append a ? a.timeoutMs() + 1_000
                : message.body() instanceof Messages.Read r ? r.waitMs() + 10_000 : 10_000;
        // A publish forwarded to a node that dies may or may not be stored there: its outcome is unknown.
        HawserException lost = message.body() instanceof Messages.Append
                ? new HawserException(ErrorCode.ACK_TIMEOUT, "the leader of " + stream + "/" + partition + " ("
                + leader + ") left the cluster before answering; the message may or may not be stored")
                : unreachable;
        requestNode(leader, Addresses.onNode(leader, address), message.body(), timeout, lost)
                .onComplete(reply -> message.reply(reply.body()), failure -> Failures.reply(message,
                        noHandlers(failure) ? unreachable : failure));
    }

    /**
     * A request to another node that fails with {@code ifNodeLeaves} as soon as that node leaves the cluster,
     * rather than at its timeout (a killed leader must not hold requests and fetches for seconds).
     */
    private <T> Future<Message<T>> requestNode(String node, String address, Object body, long timeoutMs,
                                               HawserException ifNodeLeaves) {
        Promise<Message<T>> result = Promise.promise();
        Runnable abort = () -> result.tryFail(ifNodeLeaves);
        Set<Runnable> pending = inFlight.computeIfAbsent(node, k -> new HashSet<>());
        pending.add(abort);
        vertx.eventBus().<T>request(address, body, new DeliveryOptions().setSendTimeout(timeoutMs))
                .onComplete(done -> {
                    pending.remove(abort);
                    if (done.succeeded()) {
                        result.tryComplete(done.result());
                    } else {
                        result.tryFail(done.cause());
                    }
                });
        return result.future();
    }

    private void nodeGone(String node) {
        Set<Runnable> pending = inFlight.remove(node);
        if (pending != null) {
            List.copyOf(pending).forEach(Runnable::run);
        }
        vertx.executeBlocking(() -> {
            for (PartitionLeader leader : storage.leaders()) {
                leader.replicaGone(node);
            }
            return null;
        }, false);
    }

    private static boolean noHandlers(Throwable failure) {
        return failure instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS;
    }

    private void lead(Message<Messages.Lead> message) {
        Messages.Lead lead = message.body();
        blocking(message, () -> {
            PartitionState state = catalog.partition(lead.stream(), lead.partition()).orElseThrow(
                    () -> new HawserException(ErrorCode.STREAM_NOT_FOUND, "stream '" + lead.stream() + "' is gone"));
            long[] epoch = {0};
            epoch[0] = storage.lead(lead.stream(), lead.partition(), lead.minEpoch(), state,
                    leases.get(lead.stream(), lead.partition()),
                    isr -> isrWriter.write(lead.stream(), lead.partition(), epoch[0], isr));
            storage.leader(lead.stream(), lead.partition()).observeCommits(metrics::groupCommitted);
            metrics.electedLeader();
            return new Messages.Leading(epoch[0]);
        });
    }

    private void handOver(Message<Messages.HandOver> message) {
        Messages.HandOver h = message.body();
        blocking(message, () -> {
            PartitionLeader leader = storage.leader(h.stream(), h.partition());
            leader.stopAppends();
            long deadline = System.nanoTime() + h.waitMs() * 1_000_000L;
            List<String> caughtUp = leader.caughtUpFollowers();
            while (caughtUp.isEmpty() && leader.isr().size() > 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
                caughtUp = leader.caughtUpFollowers();
            }
            return new Messages.HandOverReady(caughtUp);
        });
    }

    /** The room a leader needs: two segments, at least 1 MiB. */
    private long minLeaderBytes() {
        return Math.max(1L << 20, 2 * config.segmentBytes());
    }

    private void checkReplica(Message<Messages.ReplicaCheck> message) {
        Replica r = storage.replica(message.body().stream(), message.body().partition());
        if (stopping || r == null || r.closed()) {
            message.reply(new Messages.ReplicaEligibility(false, "no replica loaded here"));
        } else if (disk.freeBytes() < minLeaderBytes()) {
            message.reply(new Messages.ReplicaEligibility(false, "the disk is nearly full (" + disk.freeBytes()
                    + " bytes free, " + minLeaderBytes() + " needed to lead)"));
        } else if (!r.log.knownCorruptOffsets().isEmpty()) {
            message.reply(new Messages.ReplicaEligibility(false, "the replica has corrupt records"));
        } else if (!r.caughtUp()) {
            message.reply(new Messages.ReplicaEligibility(false, "the replica started empty and has not caught up"));
        } else {
            message.reply(new Messages.ReplicaEligibility(true, "ok"));
        }
    }

    /** Describe: placement from the metadata, offsets from each partition's leader (or a local copy). */
    private void status(Message<Messages.StreamName> message) {
        String stream = message.body().stream();
        StreamEntry entry = catalog.entry(stream).filter(e -> !e.deleted()).orElse(null);
        if (entry == null) {
            Failures.reply(message, new HawserException(ErrorCode.STREAM_NOT_FOUND, "stream '" + stream
                    + "' does not exist"));
            return;
        }
        Set<String> leaders = new HashSet<>();
        entry.partitions().forEach(p -> {
            if (p.leader() != null && !p.leader().equals(nodeId)) {
                leaders.add(p.leader());
            }
        });
        List<Future<Messages.PartitionStatuses>> remote = new ArrayList<>();
        for (String leader : leaders) {
            remote.add(vertx.eventBus().<Messages.PartitionStatuses>request(
                            Addresses.onNode(leader, Addresses.STORAGE_STATUS), message.body(),
                            new DeliveryOptions().setSendTimeout(3_000))
                    .map(Message::body)
                    .otherwise(new Messages.PartitionStatuses(List.of())));
        }
        Future<Map<Integer, PartitionStatus>> local = vertx.executeBlocking(
                () -> storage.localStatus(stream, entry.partitions()), false);
        Future.all(local, Future.all(remote)).onComplete(done -> {
            Map<Integer, PartitionStatus> byPartition = new TreeMap<>(local.result());
            for (Future<Messages.PartitionStatuses> f : remote) {
                for (PartitionStatus s : f.result().partitions()) {
                    PartitionState state = entry.partitions().get(s.id());
                    if (state.leader() != null && state.leader().equals(s.leader())) {
                        byPartition.put(s.id(), s);
                    }
                }
            }
            List<PartitionStatus> result = new ArrayList<>();
            for (int p = 0; p < entry.partitions().size(); p++) {
                PartitionState state = entry.partitions().get(p);
                PartitionStatus s = byPartition.get(p);
                result.add(s != null ? s : new PartitionStatus(p, state.leader(), state.epoch(), state.replicas(),
                        state.isr(), 0, 0, -1, 0, 0, null));
            }
            message.reply(new Messages.PartitionStatuses(result));
        }, failure -> Failures.reply(message, failure));
    }

    /** Another node's describe: what this node's replicas hold, for the partitions it leads. */
    private void localStatus(Message<Messages.StreamName> message) {
        String stream = message.body().stream();
        List<PartitionState> states = catalog.entry(stream).filter(e -> !e.deleted())
                .map(StreamEntry::partitions).orElse(List.of());
        blocking(message, () -> new Messages.PartitionStatuses(storage.localStatus(stream, states).values().stream()
                .filter(s -> {
                    Replica r = storage.replica(stream, s.id());
                    return r != null && r.leader() != null;
                })
                .toList()));
    }

    /** A follower's fetch: answered at once when there are records, else when some arrive (or at waitMs). */
    private void serveFetch(Message<Messages.Fetch> message) {
        Messages.Fetch f = message.body();
        PartitionLeader leader;
        try {
            leader = storage.leader(f.stream(), f.partition());
            if (f.leaderEpoch() > leader.epoch()) {
                throw new HawserException(ErrorCode.NO_LEADER, "epoch " + leader.epoch() + " of " + f.stream()
                        + "/" + f.partition() + " is over (the follower knows epoch " + f.leaderEpoch() + ")");
            }
        } catch (RuntimeException e) {
            Failures.reply(message, e);
            return;
        }
        fetchUntil(leader, f, System.nanoTime() + f.waitMs() * 1_000_000L)
                .onComplete(answer -> message.reply(new Messages.FetchResult(answer)),
                        failure -> Failures.reply(message, failure));
    }

    private Future<FetchAnswer> fetchUntil(PartitionLeader leader, Messages.Fetch f, long deadline) {
        CompletableFuture<Void> appended = leader.nextAppend();
        return vertx.executeBlocking(() -> leader.fetch(f.replica(), f.fetchOffset(), f.lastFetchedEpoch(),
                f.maxBytes()), false).compose(answer -> {
            long remainingMs = (deadline - System.nanoTime()) / 1_000_000L;
            if (!answer.records().isEmpty() || answer.diverged() || remainingMs <= 0 || !storage.isCurrent(leader)) {
                return Future.succeededFuture(answer);
            }
            Promise<Void> woken = Promise.promise();
            long timer = vertx.setTimer(remainingMs, t -> woken.tryComplete());
            appended.whenComplete((v, e) -> context.runOnContext(x -> {
                vertx.cancelTimer(timer);
                woken.tryComplete();
            }));
            return woken.future().compose(v -> fetchUntil(leader, f, deadline));
        });
    }

    /** Starts the fetch loop of a partition this node follows (one loop per partition). */
    private void startFetching(String stream, int partition) {
        if (fetching.add(stream + "/" + partition)) {
            context.runOnContext(v -> fetchLoop(stream, partition));
        }
    }

    private void fetchLoop(String stream, int partition) {
        Replica r = storage.replica(stream, partition);
        PartitionFollower follower = r == null ? null : r.follower();
        if (stopping || follower == null) {
            fetching.remove(stream + "/" + partition);
            return;
        }
        PartitionState state = catalog.partition(stream, partition).orElse(null);
        if (state == null || state.leader() == null || state.leader().equals(nodeId)
                || !liveNodes.test(state.leader())) {
            vertx.setTimer(50, t -> fetchLoop(stream, partition));
            return;
        }
        vertx.executeBlocking(() -> new Messages.Fetch(stream, partition, nodeId, state.epoch(),
                        follower.fetchOffset(), follower.lastEpoch(), FETCH_MAX_BYTES, FETCH_WAIT_MS), false)
                .compose(fetch -> this.<Messages.FetchResult>requestNode(state.leader(),
                        Addresses.onNode(state.leader(), Addresses.FETCH), fetch, FETCH_WAIT_MS + 1_500,
                        new HawserException(ErrorCode.NO_LEADER, state.leader() + " left the cluster")))
                .compose(reply -> vertx.executeBlocking(() -> {
                    synchronized (r) {
                        FetchAnswer answer = reply.body().answer();
                        boolean again = r.follower() == follower && follower.apply(answer);
                        r.reachedHighWatermark(answer.highWatermark());
                        return again;
                    }
                }, false))
                .onComplete(again -> fetchLoop(stream, partition), failure -> {
                    LOG.log(System.Logger.Level.DEBUG, "fetch of " + stream + "/" + partition + " from "
                            + state.leader() + " failed: " + failure.getMessage());
                    vertx.setTimer(100, t -> fetchLoop(stream, partition));
                });
    }

    private <T> void blocking(Message<?> message, Callable<T> work) {
        vertx.executeBlocking(work, false).onComplete(message::reply, failure -> Failures.reply(message, failure));
    }
}
