package io.hawser.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code nats-server} as a child process of the test JVM, on 127.0.0.1 and a free port. {@link #restart()}
 * starts it again on the same port (after {@link #kill()} or {@link #stop()}), so that clients reconnect to the same
 * URL. It is only ever stopped through its own {@link Process} handle (never by name); {@link #close()} it in an
 * AfterEach/AfterAll. A JVM shutdown hook kills it too, should a test run end without closing it.
 *
 * <p>The binary is looked up on the PATH, then at {@code /usr/sbin/nats-server} and {@code /usr/bin/nats-server};
 * {@code bin/test} installs the Debian package when it is missing.
 */
public final class NatsServer implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(20);

    private final Path binary;
    private final boolean jetStream;
    private final Path storeDir;
    private final List<String> output = Collections.synchronizedList(new ArrayList<>());
    private final Thread shutdownHook;
    private volatile int port;
    private volatile int monitorPort;
    private volatile Process process;

    private NatsServer(Path binary, boolean jetStream, Path storeDir) {
        this.binary = binary;
        this.jetStream = jetStream;
        this.storeDir = storeDir;
        this.shutdownHook = new Thread(() -> {
            Process p = process;
            if (p != null) {
                p.destroyForcibly();
            }
        }, "nats-server-killer");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a plain (core NATS) server on a free port and waits until it accepts TCP connections. */
    public static NatsServer start() {
        return start(false);
    }

    /** Starts a server, with JetStream ({@code -js -sd <tempdir>}) when asked. */
    public static NatsServer start(boolean jetStream) {
        Path binary = findBinary();
        Path storeDir = null;
        if (jetStream) {
            try {
                storeDir = Files.createTempDirectory("hawser-nats-js-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        NatsServer server = new NatsServer(binary, jetStream, storeDir);
        AssertionError last = null;
        // a free port can be taken between our probe and the server's bind: try a few
        for (int attempt = 0; attempt < 3; attempt++) {
            server.port = ChildNode.freePort();
            server.monitorPort = ChildNode.freePort();
            try {
                server.launch();
                return server;
            } catch (AssertionError e) {
                last = e;
                server.killProcess();
            }
        }
        server.close();
        throw last;
    }

    /** The nats-server binary; fails with an AssertionError that says how to install it when there is none. */
    public static Path findBinary() {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path candidate = Path.of(dir, "nats-server");
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        for (String fixed : new String[] {"/usr/sbin/nats-server", "/usr/bin/nats-server"}) {
            Path candidate = Path.of(fixed);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError("nats-server not found (looked on the PATH, /usr/sbin and /usr/bin). The NATS bridge "
                + "tests need a real nats-server: run bin/test (it installs the Debian package), or "
                + "'sudo apt-get install nats-server'.");
    }

    private void launch() {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "-a", "127.0.0.1", "-p",
                Integer.toString(port), "-m", Integer.toString(monitorPort)));
        if (jetStream) {
            command.addAll(List.of("-js", "-sd", storeDir.toString()));
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e, e);
        }
        process = p;
        output.add("---- started pid " + p.pid() + ": " + String.join(" ", command));
        Thread pump = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    output.add(line);
                }
            } catch (IOException ignored) {
                // process gone
            }
        }, "nats-server-output-" + p.pid());
        pump.setDaemon(true);
        pump.start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!p.isAlive()) {
                throw new AssertionError("nats-server exited with " + p.exitValue() + " before accepting connections on "
                        + port + "; output:\n" + String.join("\n", output()));
            }
            if (accepts()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("nats-server did not accept connections on 127.0.0.1:" + port + " within "
                        + START_TIMEOUT.toMillis() + " ms; output:\n" + String.join("\n", output()));
            }
            Await.pauseMs(20);
        }
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code nats://127.0.0.1:<port>}; the same across restarts. */
    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /**
     * For failure diagnostics: a page of the server's HTTP monitoring endpoint (on 127.0.0.1, port
     * {@link #monitorPort()}), e.g. {@code connz?subs=detail} or {@code subsz?subs=1}; the error text if it fails.
     */
    public String monitor(String pathAndQuery) {
        try {
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                    "http://127.0.0.1:" + monitorPort + "/" + pathAndQuery)).timeout(Duration.ofSeconds(5)).build();
            return http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "(monitoring endpoint failed: " + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    public int monitorPort() {
        return monitorPort;
    }

    public boolean isRunning() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** The process id of the running server (fails when it is not running). */
    public long pid() {
        Process p = process;
        if (p == null) {
            throw new IllegalStateException("nats-server is not running");
        }
        return p.pid();
    }

    /** Everything the server printed, over all its runs. */
    public List<String> output() {
        synchronized (output) {
            return List.copyOf(output);
        }
    }

    /** kill -9 (SIGKILL through its own process handle); waits until it is gone. */
    public void kill() {
        killProcess();
    }

    /** SIGTERM (graceful); waits until it is gone, SIGKILL if it does not exit in time. */
    public void stop() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroy();
        waitExit(p);
        process = null;
    }

    /** Starts it again on the same port (stopping it first if it is still running). */
    public void restart() {
        if (isRunning()) {
            stop();
        }
        // the port may be briefly unavailable after a kill; retry within the start timeout
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            try {
                launch();
                return;
            } catch (AssertionError e) {
                killProcess();
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
                Await.pauseMs(200);
            }
        }
    }

    private void killProcess() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        waitExit(p);
        process = null;
    }

    private void waitExit(Process p) {
        try {
            if (!p.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                if (!p.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new AssertionError("nats-server " + p.pid() + " did not exit");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void close() {
        try {
            killProcess();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
            if (storeDir != null) {
                TestNode.deleteRecursively(storeDir);
            }
        }
    }
}
