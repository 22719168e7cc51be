package io.hawser.cluster;

import io.hawser.bus.Addresses;
import io.hawser.bus.Failures;
import io.hawser.bus.Messages;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.PartitionState;
import io.hawser.model.StreamConfig;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Creates, patches and deletes streams. Requests arrive on any node and go to the controller (the oldest member),
 * which validates them against the live cluster, places each partition's replicas (preferred leaders spread over
 * the nodes) and writes the change to the {@link ClusterMetadata}. The node that took the request answers once its
 * own catalog shows the change (and, for a new stream, a leader for every partition), so a client can use the
 * stream on that node right away.
 */
public final class ControllerVerticle extends AbstractVerticle {
    private static final long SETTLE_MS = 15_000;

    private final ClusterMetadata metadata;
    private final StreamCatalog catalog;
    private final ClusterMembership membership;

    public ControllerVerticle(ClusterMetadata metadata, StreamCatalog catalog, ClusterMembership membership) {
        this.metadata = metadata;
        this.catalog = catalog;
        this.membership = membership;
    }

    @Override
    public void start() {
        String me = membership.nodeId();
        vertx.eventBus().<Messages.StreamConfigMessage>localConsumer(Addresses.CONTROL_CREATE,
                m -> viaController(m, Addresses.CONTROL_CREATE, this::create,
                        (Messages.StreamCreated c) -> hasLeaders(c.config().name())));
        vertx.eventBus().<Messages.StreamPatch>localConsumer(Addresses.CONTROL_PATCH,
                m -> viaController(m, Addresses.CONTROL_PATCH, this::patch,
                        (Messages.StreamConfigMessage c) -> catalog.get(c.config().name())
                                .map(c.config()::equals).orElse(false)));
        vertx.eventBus().<Messages.StreamName>localConsumer(Addresses.CONTROL_DELETE,
                m -> viaController(m, Addresses.CONTROL_DELETE, this::delete,
                        (Messages.Done d) -> catalog.get(m.body().stream()).isEmpty()));
        storesCursors(Addresses.CONTROL_CURSOR_PUT, metadata::putCursor);
        storesCursors(Addresses.CONTROL_CURSOR_ADVANCE, metadata::advanceCursor);
        storesCursors(Addresses.CONTROL_CURSOR_OFFER, metadata::offerCursor);
        vertx.eventBus().<Messages.CursorGet>localConsumer(Addresses.CONTROL_CURSOR_GET,
                m -> answer(m, vertx.executeBlocking(() -> {
                    String stream = m.body().stream();
                    StreamEntry e = catalog.entry(stream).filter(x -> !x.deleted()).orElseThrow(() ->
                            new HawserException(ErrorCode.STREAM_NOT_FOUND, "stream '" + stream + "' does not exist"));
                    Map<Integer, Long> positions = metadata.cursor(stream, e.incarnation(), m.body().cursor(),
                            e.config().partitions());
                    if (positions.isEmpty()) {
                        throw new HawserException(ErrorCode.CURSOR_NOT_FOUND, "cursor '" + m.body().cursor()
                                + "' of stream '" + stream + "' does not exist");
                    }
                    return new Messages.CursorPositions(positions);
                }, false)));
        vertx.eventBus().<Messages.StreamConfigMessage>consumer(Addresses.onNode(me, Addresses.CONTROL_CREATE),
                m -> answer(m, create(m.body())));
        vertx.eventBus().<Messages.StreamPatch>consumer(Addresses.onNode(me, Addresses.CONTROL_PATCH),
                m -> answer(m, patch(m.body())));
        vertx.eventBus().<Messages.StreamName>consumer(Addresses.onNode(me, Addresses.CONTROL_DELETE),
                m -> answer(m, delete(m.body())));
    }

    /** Answers {@link Messages.CursorSaved} on {@code address} by {@code store} (blocking, so on a worker). */
    private void storesCursors(String address, Consumer<ClusterMetadata.CursorPosition> store) {
        vertx.eventBus().<Messages.CursorSaved>localConsumer(address,
                m -> answer(m, vertx.executeBlocking(() -> {
                    store.accept(position(m.body()));
                    return new Messages.Done();
                }, false)));
    }

    private static ClusterMetadata.CursorPosition position(Messages.CursorSaved c) {
        return new ClusterMetadata.CursorPosition(c.stream(), c.incarnation(), c.cursor(), c.partition(), c.offset(),
                c.updatedMs());
    }

    private static void answer(Message<?> message, Future<?> result) {
        result.onComplete(message::reply, failure -> Failures.reply(message, failure));
    }

    /**
     * Runs {@code handler} here when this node is the controller, else on the controller; then answers once this
     * node's catalog satisfies {@code settled} (bounded).
     */
    private <T, R> void viaController(Message<T> message, String address, Function<T, Future<R>> handler,
                                      Predicate<R> settled) {
        String controller = membership.controller();
        Future<Object> reply = controller.equals(membership.nodeId())
                ? handler.apply(message.body()).map(r -> (Object) r)
                : vertx.eventBus().request(Addresses.onNode(controller, address), message.body(),
                        new DeliveryOptions().setSendTimeout(SETTLE_MS + 5_000)).map(Message::body);
        reply.compose(body -> {
            @SuppressWarnings("unchecked") R typed = (R) body;
            return waitUntil(() -> settled.test(typed), System.nanoTime() + SETTLE_MS * 1_000_000L).map(body);
        }).onComplete(message::reply, failure -> Failures.reply(message, failure));
    }

    private Future<Void> waitUntil(java.util.function.BooleanSupplier condition, long deadline) {
        if (condition.getAsBoolean() || System.nanoTime() > deadline) {
            return Future.succeededFuture();
        }
        Promise<Void> later = Promise.promise();
        vertx.setTimer(10, t -> waitUntil(condition, deadline).onComplete(later));
        return later.future();
    }

    private boolean hasLeaders(String stream) {
        return catalog.entry(stream).filter(e -> !e.deleted())
                .map(e -> e.partitions().stream().allMatch(p -> p.leader() != null)).orElse(false);
    }

    private Future<Messages.StreamCreated> create(Messages.StreamConfigMessage request) {
        StreamConfig config = request.config();
        List<String> live = membership.liveNodeIds();
        if (config.replicationFactor() > live.size()) {
            return Future.failedFuture(insufficientNodes(config.replicationFactor(), live.size()));
        }
        return vertx.executeBlocking(() -> {
            boolean[] created = {false};
            metadata.update(config.name(), e -> {
                created[0] = false;
                if (e != null && !e.deleted()) {
                    if (e.config().equals(config)) {
                        return e;
                    }
                    throw new HawserException(ErrorCode.STREAM_EXISTS,
                            "stream '" + config.name() + "' already exists with another config");
                }
                created[0] = true;
                long version = e == null ? 1 : e.version() + 1;
                return new StreamEntry(config.name(), version, version, config, place(config, live));
            });
            return new Messages.StreamCreated(config, created[0]);
        }, false);
    }

    /** Replicas for each partition: consecutive live nodes, starting one further for each partition. */
    private static List<PartitionState> place(StreamConfig config, List<String> live) {
        List<String> nodes = new ArrayList<>(live);
        nodes.sort(Comparator.naturalOrder());
        int first = Math.floorMod(config.name().hashCode(), nodes.size());
        List<PartitionState> partitions = new ArrayList<>();
        for (int p = 0; p < config.partitions(); p++) {
            List<String> replicas = new ArrayList<>();
            for (int i = 0; i < config.replicationFactor(); i++) {
                replicas.add(nodes.get((first + p + i) % nodes.size()));
            }
            partitions.add(new PartitionState(replicas, null, 0, replicas));
        }
        return partitions;
    }

    private Future<Messages.StreamConfigMessage> patch(Messages.StreamPatch patch) {
        List<String> live = membership.liveNodeIds();
        return vertx.executeBlocking(() -> {
            StreamEntry after = metadata.update(patch.stream(), e -> {
                if (e == null || e.deleted()) {
                    throw new HawserException(ErrorCode.STREAM_NOT_FOUND, "stream '" + patch.stream()
                            + "' does not exist");
                }
                StreamConfig next = patched(e.config(), patch, live.size());
                if (next.equals(e.config())) {
                    return e;
                }
                List<PartitionState> partitions = next.replicationFactor() == e.config().replicationFactor()
                        ? e.partitions() : replace(e.partitions(), next.replicationFactor(), live);
                return e.next(next, partitions);
            });
            return new Messages.StreamConfigMessage(after.config());
        }, false);
    }

    private static StreamConfig patched(StreamConfig current, Messages.StreamPatch patch, int liveNodes) {
        StreamConfig next = current;
        if (patch.retention() != null) {
            next = next.withRetention(patch.retention());
        }
        if (patch.replicationFactor() != null || patch.minInsyncReplicas() != null) {
            int rf = patch.replicationFactor() != null ? patch.replicationFactor() : next.replicationFactor();
            int minIsr = patch.minInsyncReplicas() != null ? patch.minInsyncReplicas() : next.minInsyncReplicas();
            if (rf > liveNodes && rf != current.replicationFactor()) {
                throw insufficientNodes(rf, liveNodes);
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
        return next;
    }

    /**
     * A new replication factor: adds the least loaded live nodes as replicas (outside the ISR until caught up) or
     * removes replicas, never the leader, out-of-sync ones first.
     */
    private static List<PartitionState> replace(List<PartitionState> partitions, int rf, List<String> live) {
        Map<String, Integer> load = new HashMap<>();
        live.forEach(n -> load.put(n, 0));
        partitions.forEach(p -> p.replicas().forEach(r -> load.merge(r, 1, Integer::sum)));
        List<PartitionState> result = new ArrayList<>();
        for (PartitionState s : partitions) {
            List<String> replicas = new ArrayList<>(s.replicas());
            while (replicas.size() < rf) {
                String pick = live.stream().filter(n -> !replicas.contains(n))
                        .min(Comparator.comparing((String n) -> load.get(n)).thenComparing(n -> n)).orElseThrow();
                replicas.add(pick);
                load.merge(pick, 1, Integer::sum);
            }
            while (replicas.size() > rf) {
                String drop = replicas.stream().filter(r -> !r.equals(s.leader()) && !s.isr().contains(r))
                        .reduce((a, b) -> b)
                        .orElseGet(() -> replicas.stream().filter(r -> !r.equals(s.leader()))
                                .reduce((a, b) -> b).orElseThrow());
                replicas.remove(drop);
            }
            List<String> isr = s.isr().stream().filter(replicas::contains).toList();
            result.add(s.withReplicas(replicas, isr));
        }
        return result;
    }

    private Future<Messages.Done> delete(Messages.StreamName request) {
        String stream = request.stream();
        return vertx.executeBlocking(() -> {
            metadata.update(stream, e -> {
                if (e == null || e.deleted()) {
                    throw new HawserException(ErrorCode.STREAM_NOT_FOUND, "stream '" + stream + "' does not exist");
                }
                return e.next(null, List.of());
            });
            return new Messages.Done();
        }, false);
    }

    private static HawserException insufficientNodes(int rf, int live) {
        return new HawserException(ErrorCode.INSUFFICIENT_NODES, "replicationFactor " + rf + " needs " + rf
                + " live nodes; the cluster has " + live);
    }
}
