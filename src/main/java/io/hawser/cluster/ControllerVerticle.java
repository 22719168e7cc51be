package io.hawser.cluster;

import io.hawser.bus.Addresses;
import io.hawser.bus.Failures;
import io.hawser.bus.Messages;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.StreamConfig;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;

import java.util.function.IntSupplier;

/**
 * Creates, patches and deletes streams: validates against the live cluster, records the change in the
 * {@link StreamCatalog} and has storage open or delete the partitions. Runs on one event loop; catalog writes run
 * on workers, one change at a time per node.
 */
public final class ControllerVerticle extends AbstractVerticle {
    private final StreamCatalog catalog;
    private final IntSupplier liveNodes;

    public ControllerVerticle(StreamCatalog catalog, IntSupplier liveNodes) {
        this.catalog = catalog;
        this.liveNodes = liveNodes;
    }

    @Override
    public void start() {
        vertx.eventBus().<Messages.StreamConfigMessage>localConsumer(Addresses.CONTROL_CREATE, this::create);
        vertx.eventBus().<Messages.StreamPatch>localConsumer(Addresses.CONTROL_PATCH, this::patch);
        vertx.eventBus().<Messages.StreamName>localConsumer(Addresses.CONTROL_DELETE, this::delete);
    }

    private void create(Message<Messages.StreamConfigMessage> message) {
        StreamConfig config = message.body().config();
        Future<Messages.StreamCreated> done = checkNodes(config.replicationFactor())
                .compose(v -> vertx.executeBlocking(() -> catalog.create(config)))
                .compose(created -> vertx.eventBus()
                        .request(Addresses.STORAGE_OPEN, new Messages.StreamConfigMessage(config))
                        .map(ok -> new Messages.StreamCreated(config, created))
                        .recover(failure -> created
                                ? vertx.executeBlocking(() -> catalog.delete(config.name()))
                                    .transform(ignored -> Future.failedFuture(failure))
                                : Future.failedFuture(failure)));
        done.onComplete(created -> {
            message.reply(created);
            changed(config.name());
        }, failure -> Failures.reply(message, failure));
    }

    private void changed(String stream) {
        vertx.eventBus().publish(Addresses.STREAMS_CHANGED, new Messages.StreamName(stream));
    }

    private void patch(Message<Messages.StreamPatch> message) {
        Messages.StreamPatch patch = message.body();
        Future<StreamConfig> done = vertx.executeBlocking(() -> {
            StreamConfig current = catalog.require(patch.stream());
            StreamConfig next = current;
            if (patch.retention() != null) {
                next = next.withRetention(patch.retention());
            }
            if (patch.replicationFactor() != null || patch.minInsyncReplicas() != null) {
                int rf = patch.replicationFactor() != null ? patch.replicationFactor() : next.replicationFactor();
                int minIsr = patch.minInsyncReplicas() != null ? patch.minInsyncReplicas() : next.minInsyncReplicas();
                if (rf > liveNodes.getAsInt()) {
                    throw insufficientNodes(rf);
                }
                next = next.withReplication(rf, minIsr);
            }
            if (patch.ackPolicy() != null) {
                next = next.withAckPolicy(patch.ackPolicy());
            }
            if (patch.paused() != null || patch.readOnly() != null) {
                next = next.withFlags(patch.paused() != null ? patch.paused() : next.paused(),
                        patch.readOnly() != null ? patch.readOnly() : next.readOnly());
            }
            if (!next.equals(current)) {
                catalog.update(next);
            }
            return next;
        }).compose(next -> vertx.eventBus().request(Addresses.STORAGE_OPEN, new Messages.StreamConfigMessage(next))
                .map(ok -> next));
        done.onComplete(next -> {
            message.reply(new Messages.StreamConfigMessage(next));
            changed(next.name());
        }, failure -> Failures.reply(message, failure));
    }

    private void delete(Message<Messages.StreamName> message) {
        String stream = message.body().stream();
        vertx.executeBlocking(() -> {
            if (!catalog.delete(stream)) {
                throw new HawserException(ErrorCode.STREAM_NOT_FOUND, "stream '" + stream + "' does not exist");
            }
            return null;
        }).compose(v -> vertx.eventBus().request(Addresses.STORAGE_DELETE, new Messages.StreamName(stream)))
                .onComplete(ok -> {
                    message.reply(new Messages.Done());
                    changed(stream);
                }, failure -> Failures.reply(message, failure));
    }

    private Future<Void> checkNodes(int replicationFactor) {
        return replicationFactor > liveNodes.getAsInt()
                ? Future.failedFuture(insufficientNodes(replicationFactor))
                : Future.succeededFuture();
    }

    private HawserException insufficientNodes(int rf) {
        return new HawserException(ErrorCode.INSUFFICIENT_NODES, "replicationFactor " + rf + " needs " + rf
                + " live nodes; the cluster has " + liveNodes.getAsInt());
    }
}
