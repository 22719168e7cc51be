package io.hawser.nats;

import io.hawser.testkit.HttpApi;
import io.hawser.testkit.NatsServer;
import io.hawser.testkit.TestNode;
import io.nats.client.Connection;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real nats-server, an in-process Hawser node bridged to it and a jnats client connection, for all the tests of a
 * class: {@code @RegisterExtension static final BridgeFixture bridge = new BridgeFixture();}. JUnit starts them
 * before the first test and closes them after the last, in reverse order, each step even if an earlier one fails.
 */
final class BridgeFixture implements BeforeAllCallback, AfterAllCallback {
    private volatile NatsServer nats;
    private final TestNode node = TestNode.perClass(c -> c.withNatsUrl(nats.url()));
    private volatile Connection nc;

    @Override
    public void beforeAll(ExtensionContext context) {
        nats = NatsServer.start();
        node.beforeAll(context);
        // the package's client: it reports "no responders" instead of waiting for a timeout
        nc = Nats.connect(nats.url());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            if (nc != null) {
                nc.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                node.close();
            } finally {
                if (nats != null) {
                    nats.close();
                }
            }
        }
    }

    TestNode node() {
        return node;
    }

    /** The node's client; it can be taken before the node starts, as it follows the node. */
    HttpApi api() {
        return node.api();
    }

    Connection nc() {
        return nc;
    }
}
