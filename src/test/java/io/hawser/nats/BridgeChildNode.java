package io.hawser.nats;

import io.hawser.testkit.Await;
import io.hawser.testkit.ChildNode;
import io.hawser.testkit.HttpApi;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Hawser node in a child JVM with the NATS bridge on ({@code Main ... --nats-url URL}), for kill -9 tests. Like
 * the testkit's {@link ChildNode}, which has no way to pass extra options. Killed by its own process handle only.
 */
final class BridgeChildNode implements AutoCloseable {
    private final Process process;
    private final HttpApi api;
    private final List<String> output = Collections.synchronizedList(new ArrayList<>());

    private BridgeChildNode(Process process, int port) {
        this.process = process;
        this.api = new HttpApi(URI.create("http://127.0.0.1:" + port + "/"));
        Thread pump = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    output.add(line);
                }
            } catch (IOException ignored) {
                // process gone
            }
        }, "bridge-child-output-" + process.pid());
        pump.setDaemon(true);
        pump.start();
    }

    static BridgeChildNode start(Path dataDir, String nodeId, String natsUrl) {
        int port = ChildNode.freePort();
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"),
                "io.hawser.app.Main",
                "--data-dir", dataDir.toString(),
                "--http-port", Integer.toString(port),
                // as ChildNode: its own cluster port and cluster name, so that it joins no other test's node
                "--cluster-port", Integer.toString(ChildNode.freePort()),
                "--cluster-name", "test-" + java.util.UUID.randomUUID(),
                "--node-id", nodeId,
                "--nats-url", natsUrl);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.directory(dataDir.getParent().toFile()); // no conf/hawser.json of the project is picked up
        pb.environment().keySet().removeIf(k -> k.startsWith("HAWSER_"));
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        BridgeChildNode node = new BridgeChildNode(process, port);
        try {
            Await.until(Duration.ofSeconds(60), "child node is ready", () -> {
                if (!process.isAlive()) {
                    throw new AssertionError("child node exited with " + process.exitValue() + ": "
                            + String.join("\n", node.output()));
                }
                try {
                    return node.api.get("/health/ready").status() == 200;
                } catch (AssertionError e) {
                    return false;
                }
            });
        } catch (RuntimeException | Error e) {
            node.close();
            throw e;
        }
        return node;
    }

    HttpApi api() {
        return api;
    }

    long pid() {
        return process.pid();
    }

    List<String> output() {
        synchronized (output) {
            return List.copyOf(output);
        }
    }

    /** kill -9, and wait until it is gone. */
    void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("child node " + process.pid() + " did not die");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }
}
