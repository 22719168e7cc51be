package io.hawser.testkit;

import io.hawser.app.HawserNode;
import io.hawser.config.NodeConfig;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * One in-process Hawser node on its own temp data dir, with a real HTTP server on a free port. {@link #restart()}
 * stops it cleanly and starts it again on the same data dir (the port may change; {@link #api()} follows).
 *
 * <p>A node shared by the tests of one class is registered as an extension, which JUnit starts before the first test
 * and closes after the last: {@code @RegisterExtension static final TestNode node = TestNode.perClass();}.
 */
public final class TestNode implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
    public static final String NODE_ID = "test-node";

    private final UnaryOperator<NodeConfig> customize;
    private Path dataDir;
    private int clusterPort;
    private final HttpApi api;
    private volatile HawserNode node;
    private volatile int requestedPort;

    private TestNode(UnaryOperator<NodeConfig> customize) {
        this.customize = customize;
        this.api = new HttpApi(this::baseUri);
    }

    public static TestNode start() {
        return start(UnaryOperator.identity());
    }

    /** A node for all the tests of a class, not started yet; see the class comment. */
    public static TestNode perClass() {
        return perClass(UnaryOperator.identity());
    }

    /** {@link #perClass()} with a config adjustment, as {@link #start(UnaryOperator)} takes. */
    public static TestNode perClass(UnaryOperator<NodeConfig> customize) {
        return new TestNode(customize);
    }

    /**
     * Starts a node on a new temp dir; {@code customize} adjusts the config (segment size, retention check...). The
     * HTTP port is a free port picked here; {@code customize} may set it to 0 to let the node pick one.
     */
    public static TestNode start(UnaryOperator<NodeConfig> customize) {
        TestNode n = new TestNode(customize);
        n.startOnNewDir();
        return n;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        startOnNewDir();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    private void startOnNewDir() {
        try {
            dataDir = Files.createTempDirectory("hawser-test-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            startNode();
        } catch (RuntimeException | Error e) {
            deleteDir();
            throw e;
        }
    }

    public NodeConfig config() {
        // Each node is its own one-node cluster: a unique cluster name and a free cluster port.
        return customize.apply(NodeConfig.defaults().withDataDir(dataDir).withHttpPort(requestedPort)
                .withNodeId(NODE_ID).withCluster("test-" + java.util.UUID.randomUUID(), clusterPort, List.of()));
    }

    private void startNode() {
        requestedPort = ChildNode.freePort();
        clusterPort = ChildNode.freePort();
        boot();
    }

    private void boot() {
        try {
            node = HawserNode.start(config()).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new AssertionError("cannot start a Hawser node on " + dataDir + ": " + cause, cause);
        }
        Await.until(Duration.ofSeconds(30), "GET /health/ready answers 200",
                () -> api.get("/health/ready").status() == 200);
    }

    public void stop() {
        HawserNode n = node;
        node = null;
        if (n != null) {
            try {
                n.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("clean stop failed: " + e, e);
            }
        }
    }

    /** Clean stop, then start again on the same data dir. */
    public void restart() {
        stop();
        startNode();
    }

    /** Starts a stopped node again on its data dir and its previous ports (a server coming back at its address). */
    public void startAgain() {
        if (node != null) {
            throw new IllegalStateException("node is running");
        }
        boot();
    }

    public HawserNode node() {
        HawserNode n = node;
        if (n == null) {
            throw new IllegalStateException("node is stopped");
        }
        return n;
    }

    public String nodeId() {
        return node().nodeId();
    }

    public int port() {
        return node().httpPort();
    }

    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port() + "/");
    }

    public URI wsUri(String pathAndQuery) {
        return URI.create("ws://127.0.0.1:" + port() + pathAndQuery);
    }

    public HttpApi api() {
        return api;
    }

    public Path dataDir() {
        return dataDir;
    }

    @Override
    public void close() {
        try {
            stop();
        } finally {
            deleteDir();
        }
    }

    private void deleteDir() {
        if (dataDir != null) {
            deleteRecursively(dataDir);
        }
    }

    public static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
