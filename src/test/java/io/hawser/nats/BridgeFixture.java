package io.hawser.nats;

import io.hawser.testkit.HttpApi;
import io.hawser.testkit.NatsServer;
import io.hawser.testkit.TestNode;
import io.nats.client.Connection;

/**
 * A real nats-server, an in-process Hawser node bridged to it and a jnats client connection; closed in reverse
 * order, each step even if an earlier one fails.
 */
record BridgeFixture(NatsServer nats, TestNode node, HttpApi api, Connection nc) implements AutoCloseable {

    static BridgeFixture start() {
        NatsServer nats = NatsServer.start();
        TestNode node = null;
        try {
            node = TestNode.start(c -> c.withNatsUrl(nats.url()));
            // the package's client: it reports "no responders" instead of waiting for a timeout
            return new BridgeFixture(nats, node, node.api(), Nats.connect(nats.url()));
        } catch (RuntimeException | Error e) {
            closeAll(null, node, nats);
            throw e;
        }
    }

    @Override
    public void close() {
        closeAll(nc, node, nats);
    }

    private static void closeAll(Connection nc, TestNode node, NatsServer nats) {
        try {
            if (nc != null) {
                nc.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                if (node != null) {
                    node.close();
                }
            } finally {
                if (nats != null) {
                    nats.close();
                }
            }
        }
    }
}
