package io.hawser.mirror;

import io.hawser.bus.Addresses;
import io.hawser.bus.Failures;
import io.hawser.bus.Messages;
import io.hawser.cluster.StreamCatalog;
import io.hawser.cluster.StreamEntry;
import io.hawser.metrics.HawserMetrics;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.MirrorConfig;
import io.hawser.model.PartitionState;
import io.hawser.model.StreamConfig;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.Message;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Runs a {@link MirrorPuller} for every mirror partition this node leads (by the cluster metadata) and stops it when
 * the leadership moves, the stream is deleted or created again. Also checks a mirror's source before it is created.
 */
public final class MirrorVerticle extends AbstractVerticle {
    private static final long RECONCILE_MS = 500;

    private final StreamCatalog catalog;
    private final String nodeId;
    private final UpstreamPolicy policy;
    private final Supplier<String> localUrl;
    private final HawserMetrics metrics;
    /** By "stream/partition/incarnation"; touched only on this verticle's event loop. */
    private final Map<String, MirrorPuller> pullers = new HashMap<>();
    private SourceClient source;

    /**
     * @param localUrl this node's own HTTP API, the source of mirrors of streams in this cluster
     */
    public MirrorVerticle(StreamCatalog catalog, String nodeId, UpstreamPolicy policy, Supplier<String> localUrl,
                          HawserMetrics metrics) {
        this.catalog = catalog;
        this.nodeId = nodeId;
        this.policy = policy;
        this.localUrl = localUrl;
        this.metrics = metrics;
    }

    @Override
    public void start(Promise<Void> started) {
        source = new SourceClient(vertx);
        vertx.eventBus().<Messages.MirrorSource>localConsumer(Addresses.MIRROR_SOURCE, this::checkSource);
        vertx.eventBus().<Messages.StreamName>localConsumer(Addresses.STREAMS_CHANGED, m -> reconcile());
        vertx.setPeriodic(RECONCILE_MS, id -> reconcile());
        reconcile();
        started.complete();
    }

    @Override
    public void stop() {
        pullers.values().forEach(MirrorPuller::stop);
        pullers.clear();
        source.close();
    }

    private void reconcile() {
        Set<String> wanted = new HashSet<>();
        for (StreamEntry e : catalog.entries()) {
            StreamConfig config = e.config();
            if (e.deleted() || config == null || !config.isMirror()) {
                continue;
            }
            for (int p = 0; p < e.partitions().size(); p++) {
                PartitionState state = e.partitions().get(p);
                if (!nodeId.equals(state.leader())) {
                    continue;
                }
                String key = e.name() + "/" + p + "/" + e.incarnation();
                wanted.add(key);
                if (!pullers.containsKey(key)) {
                    String stream = e.name();
                    MirrorPuller puller = new MirrorPuller(vertx, source, metrics, policy, stream, p,
                            config.partitions(), config.mirror(), baseUrl(config.mirror()),
                            () -> catalog.entry(stream).map(x -> x.config() != null && x.config().paused())
                                    .orElse(false));
                    pullers.put(key, puller);
                    puller.start();
                }
            }
        }
        pullers.entrySet().removeIf(entry -> {
            if (wanted.contains(entry.getKey())) {
                return false;
            }
            entry.getValue().stop();
            return true;
        });
    }

    private String baseUrl(MirrorConfig mirror) {
        if (mirror.url() == null) {
            return localUrl.get();
        }
        return mirror.url().endsWith("/") ? mirror.url().substring(0, mirror.url().length() - 1) : mirror.url();
    }

    /** Before a mirror is created: is its source allowed, reachable, and how many partitions has it? */
    private void checkSource(Message<Messages.MirrorSource> message) {
        MirrorConfig mirror = message.body().mirror();
        try {
            policy.check(mirror);
        } catch (HawserException e) {
            Failures.reply(message, e);
            return;
        }
        String url = baseUrl(mirror);
        source.describe(url, mirror.stream()).onComplete(
                described -> message.reply(new Messages.MirrorSourceInfo(described.partitions().size(),
                        described.compact())),
                failure -> {
                    HawserException e = Failures.toHawser(failure);
                    Failures.reply(message, e.code() == ErrorCode.STREAM_NOT_FOUND
                            ? new HawserException(ErrorCode.INVALID_CONFIG, "the mirror's source stream '"
                            + mirror.stream() + "' does not exist at " + url)
                            : new HawserException(ErrorCode.SOURCE_UNAVAILABLE, "the mirror's source cannot be "
                            + "checked now: " + e.getMessage()));
                });
    }
}
