package io.hawser.ingest;

import io.hawser.bus.Addresses;
import io.hawser.bus.Failures;
import io.hawser.bus.Messages;
import io.hawser.cluster.StreamCatalog;
import io.vertx.core.AbstractVerticle;

/** Serves {@link Messages.Publish} on {@link Addresses#INGEST_PUBLISH} with a {@link PublishRouter}. */
public final class IngestVerticle extends AbstractVerticle {
    private final StreamCatalog catalog;

    public IngestVerticle(StreamCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public void start() {
        PublishRouter router = new PublishRouter(vertx, catalog);
        vertx.eventBus().<Messages.Publish>localConsumer(Addresses.INGEST_PUBLISH, message -> router
                .publish(message.body()).onComplete(message::reply, failure -> Failures.reply(message, failure)));
    }
}
