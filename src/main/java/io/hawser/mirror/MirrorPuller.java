package io.hawser.mirror;

import io.hawser.bus.Addresses;
import io.hawser.bus.Failures;
import io.hawser.bus.Messages;
import io.hawser.metrics.HawserMetrics;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.MirrorProgress;
import io.hawser.model.MirrorProgress.State;
import io.hawser.model.StoredMessage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;

import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Copies one source partition into the mirror partition this node leads, on the mirror verticle's event loop.
 *
 * <p>Where to go on is never remembered here: at every (re)connection the puller asks the partition's leader for
 * its log end and reads the source from exactly there (anchored on the last message copied, which must come back
 * unchanged), so a restart, a leader change in either cluster or a cut link resumes with no gap and no duplicate.
 * Each batch must pass the {@link ContinuityCheck}; the leader stores it only at offsets after its log end, so even
 * two pullers for a moment cannot write over each other.
 */
final class MirrorPuller {
    private static final System.Logger LOG = System.getLogger(MirrorPuller.class.getName());
    static final int BATCH = 5_000;
    private static final long WAIT_MS = 1_000;
    private static final long MAX_BACKOFF_MS = 2_000;
    private static final long SLOW_RETRY_MS = 5_000;

    private final Vertx vertx;
    private final SourceClient source;
    private final HawserMetrics metrics;
    private final UpstreamPolicy policy;
    private final String stream;
    private final int partition;
    private final int mirrorPartitions;
    private final io.hawser.model.MirrorConfig mirror;
    private final String baseUrl;
    private final BooleanSupplier paused;

    private boolean stopped;
    private boolean compactedSource;
    /** The next offset to copy, known only between a connection and the next failure. */
    private long next;
    private long backoffMs;
    /** The last message copied, which the next read starts with (see {@link ContinuityCheck}); null: unanchored. */
    private StoredMessage anchor;
    /** The last read found nothing new: long-poll from the next offset instead of re-reading the anchor. */
    private boolean idle;
    private MirrorProgress progress = new MirrorProgress(State.CATCHING_UP, 0, 0, -1, null);

    MirrorPuller(Vertx vertx, SourceClient source, HawserMetrics metrics, UpstreamPolicy policy, String stream,
                 int partition, int mirrorPartitions, io.hawser.model.MirrorConfig mirror, String baseUrl,
                 BooleanSupplier paused) {
        this.vertx = vertx;
        this.source = source;
        this.metrics = metrics;
        this.policy = policy;
        this.stream = stream;
        this.partition = partition;
        this.mirrorPartitions = mirrorPartitions;
        this.mirror = mirror;
        this.baseUrl = baseUrl;
        this.paused = paused;
    }

    void start() {
        LOG.log(System.Logger.Level.INFO, "mirror " + stream + "/" + partition + " starts copying "
                + mirror.stream() + " from " + baseUrl);
        connect();
    }

    void stop() {
        stopped = true;
    }

    private void connect() {
        if (stopped) {
            return;
        }
        Future.succeededFuture()
                .map(v -> {
                    policy.check(mirror);
                    return v;
                })
                .compose(v -> source.describe(baseUrl, mirror.stream()))
                .recover(failure -> Future.failedFuture(new SourceProblem(Failures.toHawser(failure))))
                .compose(described -> {
                    if (described.partitions().size() != mirrorPartitions) {
                        return Future.failedFuture(new SourceProblem(new HawserException(ErrorCode.INVALID_CONFIG,
                                "the source has " + described.partitions().size() + " partitions, this mirror "
                                        + mirrorPartitions)));
                    }
                    compactedSource = described.compact();
                    SourceClient.SourcePartition from = described.partitions().get(partition);
                    return copy(List.of()).map(end -> {
                        position(end, from);
                        return end;
                    });
                })
                .compose(end -> anchorAt(end - 1))
                .onComplete(verified -> {
                    anchor = verified;
                    idle = false;
                    pull();
                }, this::failed);
    }

    /** Picks up at the mirror's log end, checked against what the source still holds. */
    private void position(long end, SourceClient.SourcePartition from) {
        if (end > from.endOffset()) {
            throw new SourceProblem(new HawserException(ErrorCode.INVALID_CONFIG, "the source partition ends at "
                    + "offset " + from.endOffset() + " but this mirror already holds offsets up to " + (end - 1)
                    + ": the source stream was deleted and created again, or lost data; not copying from it"));
        }
        next = end;
        if (next < from.startOffset()) {
            if (next > 0) {
                String gap = "offsets " + next + ".." + (from.startOffset() - 1) + " were removed by the source's "
                        + "retention before this mirror copied them; continuing at " + from.startOffset();
                LOG.log(System.Logger.Level.WARNING, "mirror " + stream + "/" + partition + ": " + gap);
                metrics.mirrorProblem(stream, "skipped");
                progress = withProblem(progress.state(), gap);
            }
            next = from.startOffset(); // a new mirror of a source whose start is gone starts where the source does
        }
    }

    /**
     * The anchor to read the next batch from: this mirror's last record, when the source still has it with the same
     * content. Null (read from the next offset, unanchored) when either side no longer has or does not yet commit
     * that offset; a mismatch fails the connection as a source that diverged.
     */
    private Future<StoredMessage> anchorAt(long offset) {
        if (offset < 0) {
            return Future.succeededFuture();
        }
        Future<List<StoredMessage>> mine = vertx.eventBus().<Messages.ReadResult>request(Addresses.STORAGE_READ,
                        new Messages.Read(stream, partition, offset, 0, 1, 1 << 20, 0))
                .map(reply -> reply.body().messages())
                .otherwise(List.of());
        Future<List<StoredMessage>> theirs = source.read(baseUrl, mirror.stream(), partition, offset, 1, 0)
                .map(SourceClient.SourceBatch::messages)
                .otherwise(List.of());
        return Future.all(mine, theirs).compose(both -> {
            StoredMessage local = mine.result().isEmpty() ? null : mine.result().get(0);
            if (local == null || local.offset() != offset) {
                return Future.succeededFuture();
            }
            ContinuityCheck.Verdict verdict = ContinuityCheck.check(local, offset + 1, compactedSource,
                    theirs.result());
            if (verdict.diverged()) {
                return Future.failedFuture(diverged(verdict.violation()));
            }
            return Future.succeededFuture(theirs.result().isEmpty() || !verdict.passed() ? null : local);
        });
    }

    private SourceProblem diverged(String why) {
        metrics.mirrorProblem(stream, "diverged");
        return new SourceProblem(new HawserException(ErrorCode.INVALID_CONFIG, why + "; not copying from it"));
    }

    private void pull() {
        if (stopped) {
            return;
        }
        if (paused.getAsBoolean()) {
            vertx.setTimer(500, t -> pull());
            return;
        }
        long from = next;
        // Catching up, each read starts at the anchor (answered at once). Idle, it long-polls from the next offset
        // and, when woken by new messages, checks the anchor with a small read before storing them.
        StoredMessage readAnchor = idle ? null : anchor;
        source.read(baseUrl, mirror.stream(), partition, readAnchor == null ? from : readAnchor.offset(), BATCH,
                        readAnchor == null ? WAIT_MS : 0)
                .recover(failure -> Future.failedFuture(new SourceProblem(Failures.toHawser(failure))))
                .compose(batch -> readAnchor == null && !batch.messages().isEmpty()
                        ? checkAnchor().map(batch) : Future.succeededFuture(batch))
                .compose(batch -> {
                    ContinuityCheck.Verdict verdict = ContinuityCheck.check(readAnchor, from, compactedSource,
                            batch.messages());
                    if (verdict.diverged()) {
                        return Future.failedFuture(diverged(verdict.violation()));
                    }
                    if (!verdict.passed()) {
                        metrics.mirrorProblem(stream, "continuity");
                        return Future.failedFuture(new SourceProblem(new HawserException(ErrorCode.SOURCE_UNAVAILABLE,
                                "continuity check rejected a batch: " + verdict.violation())));
                    }
                    List<StoredMessage> fresh = verdict.fresh();
                    idle = fresh.isEmpty();
                    long after = fresh.isEmpty() ? from : fresh.get(fresh.size() - 1).offset() + 1;
                    long lag = Math.max(0, batch.highWatermark() + 1 - after);
                    progress = new MirrorProgress(lag > 0 ? State.CATCHING_UP : State.ACTIVE, lag,
                            System.currentTimeMillis(), batch.highWatermark(), progress.lastProblem());
                    return copy(fresh).map(end -> {
                        if (!fresh.isEmpty()) {
                            anchor = fresh.get(fresh.size() - 1);
                        }
                        return end;
                    });
                })
                .onComplete(end -> {
                    next = end;
                    backoffMs = 0;
                    pull();
                }, failure -> {
                    anchor = null;
                    failed(failure);
                });
    }

    /** Fails when the source's copy of the anchor is gone or changed (see {@link ContinuityCheck}). */
    private Future<Void> checkAnchor() {
        StoredMessage expected = anchor;
        if (expected == null) {
            return Future.succeededFuture();
        }
        return source.read(baseUrl, mirror.stream(), partition, expected.offset(), 1, 0)
                .recover(failure -> Future.failedFuture(new SourceProblem(Failures.toHawser(failure))))
                .compose(found -> {
                    ContinuityCheck.Verdict verdict = ContinuityCheck.check(expected, expected.offset() + 1,
                            compactedSource, found.messages());
                    if (verdict.diverged()) {
                        return Future.failedFuture(diverged(verdict.violation()));
                    }
                    return verdict.passed() ? Future.succeededFuture() : Future.failedFuture(new SourceProblem(
                            new HawserException(ErrorCode.SOURCE_UNAVAILABLE, verdict.violation())));
                });
    }

    private Future<Long> copy(List<StoredMessage> records) {
        return vertx.eventBus().<Messages.Copied>request(Addresses.STORAGE_COPY,
                        new Messages.Copy(stream, partition, records, progress),
                        new DeliveryOptions().setSendTimeout(30_000))
                .map(reply -> reply.body().endOffset());
    }

    private void failed(Throwable failure) {
        if (stopped) {
            return;
        }
        long delay;
        if (failure instanceof SourceProblem problem) {
            HawserException cause = problem.error;
            if (cause.code() == ErrorCode.OFFSET_OUT_OF_RANGE) {
                delay = 0; // the source's retention moved on: reconnect to learn its new start
            } else {
                delay = cause.code() == ErrorCode.INVALID_CONFIG || cause.code() == ErrorCode.MIRROR_URL_NOT_ALLOWED
                        ? SLOW_RETRY_MS : nextBackoff();
                if (progress.state() != State.SOURCE_UNAVAILABLE) {
                    LOG.log(System.Logger.Level.WARNING, "mirror " + stream + "/" + partition + ": "
                            + cause.getMessage());
                }
                progress = new MirrorProgress(State.SOURCE_UNAVAILABLE, progress.lag(), progress.lastContactMs(),
                        progress.sourceHighWatermark(), stamp(cause.getMessage()));
                copy(List.of()); // tell the leader, for describe and metrics; nothing to do if that fails
            }
        } else {
            // The local side: leadership not (yet, or any more) here, or a copy that no longer fits the log.
            LOG.log(System.Logger.Level.DEBUG, "mirror " + stream + "/" + partition + " cannot store: "
                    + failure.getMessage());
            delay = nextBackoff();
        }
        vertx.setTimer(Math.max(1, delay), t -> connect());
    }

    private long nextBackoff() {
        backoffMs = backoffMs == 0 ? 200 : Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        return backoffMs;
    }

    private MirrorProgress withProblem(State state, String problem) {
        return new MirrorProgress(state, progress.lag(), progress.lastContactMs(), progress.sourceHighWatermark(),
                stamp(problem));
    }

    private static String stamp(String problem) {
        return Instant.now() + " " + problem;
    }

    /** A failure on the source's side (as opposed to storing the copies here). */
    private static final class SourceProblem extends RuntimeException {
        final HawserException error;

        SourceProblem(HawserException cause) {
            super(cause.getMessage(), cause, false, false);
            this.error = cause;
        }
    }
}
