package io.hawser.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Hawser node in a child JVM ({@code io.hawser.app.Main} on this test's classpath), for kill -9 and SIGTERM tests.
 * Always {@link #close()} it (it kills the process by its own handle if still alive).
 */
public final class ChildNode implements AutoCloseable {
    private final Process process;
    private final int port;
    private final List<String> output = Collections.synchronizedList(new ArrayList<>());
    private final HttpApi api;

    private ChildNode(Process process, int port) {
        this.process = process;
        this.port = port;
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
        }, "child-node-output-" + process.pid());
        pump.setDaemon(true);
        pump.start();
    }

    /**
     * Starts {@code Main --data-dir dir --http-port <free> --node-id id [extraArgs]} (its own cluster name and port)
     * and waits until it is ready.
     */
    public static ChildNode start(Path dataDir, String nodeId, String... extraArgs) {
        return start(dataDir, nodeId, "test-" + java.util.UUID.randomUUID(), freePort(), freePort(), extraArgs);
    }

    /**
     * Starts {@code Main --data-dir dir --http-port httpPort --cluster-port clusterPort --cluster-name clusterName
     * --node-id id [extraArgs]} and waits until it is ready. For a member of a multi-node cluster (pass
     * {@code --join ...} in {@code extraArgs}) and for a restart that keeps its ports. {@code extraArgs} must not
     * repeat these flags: the last of a repeated flag wins silently.
     */
    public static ChildNode start(Path dataDir, String nodeId, String clusterName, int clusterPort, int httpPort,
            String... extraArgs) {
        int port = httpPort;
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"),
                "io.hawser.app.Main",
                "--data-dir", dataDir.toString(),
                "--http-port", Integer.toString(port),
                "--cluster-port", Integer.toString(clusterPort),
                "--cluster-name", clusterName,
                "--node-id", nodeId));
        command.addAll(List.of(extraArgs));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.directory(dataDir.getParent().toFile()); // no conf/hawser.json of the project is picked up
        pb.environment().keySet().removeIf(k -> k.startsWith("HAWSER_"));
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChildNode node = new ChildNode(process, port);
        try {
            node.awaitReady(Duration.ofSeconds(60));
        } catch (RuntimeException | Error e) {
            node.close();
            throw e;
        }
        return node;
    }

    private void awaitReady(Duration timeout) {
        Await.until(timeout, "child node prints 'listening on http://' (output: " + output + ")", () -> {
            if (!process.isAlive()) {
                throw new AssertionError("child node exited with " + process.exitValue() + ": "
                        + String.join("\n", output));
            }
            synchronized (output) {
                return output.stream().anyMatch(l -> l.contains("listening on http://"));
            }
        });
        Await.until(Duration.ofSeconds(30), "child node /health/ready is 200", () -> {
            try {
                return api.get("/health/ready").status() == 200;
            } catch (AssertionError e) {
                return false;
            }
        });
    }

    public HttpApi api() {
        return api;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public List<String> output() {
        synchronized (output) {
            return List.copyOf(output);
        }
    }

    /** kill -9. */
    public void kill() {
        process.destroyForcibly();
        waitExit(Duration.ofSeconds(30));
    }

    /** SIGTERM; returns the exit code (fails if it does not exit in time). */
    public int terminate(Duration timeout) {
        process.destroy();
        return waitExit(timeout);
    }

    private int waitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("child node " + pid() + " did not exit within " + timeout.toMillis() + " ms");
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Ports this JVM handed out already: a port is free when picked but not yet bound, so never give it twice. */
    private static final java.util.Set<Integer> HANDED_OUT = java.util.Collections.synchronizedSet(
            new java.util.HashSet<>());

    /** A free loopback port, never one this JVM handed out before (two picks in a row could collide otherwise). */
    public static int freePort() {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket socket = new ServerSocket(0)) {
                socket.setReuseAddress(true);
                int port = socket.getLocalPort();
                if (HANDED_OUT.add(port)) {
                    return port;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("no unused free port found in 100 attempts");
    }
}
