package io.hawser.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.stream.Stream;

/**
 * One Hawser node run as a child JVM for the benchmark: fresh data dir, free loopback ports,
 * output captured to a log file. {@link #stop()} is idempotent and also runs from a shutdown hook,
 * so Ctrl-C or the time-limit watchdog never leaves a node or its data behind.
 */
final class NodeProcess {
  private static final Duration GRACEFUL_STOP = Duration.ofSeconds(20);
  private static final Duration FORCED_STOP = Duration.ofSeconds(10);

  private final Process process;
  private final Path dataDir;
  private final Path logFile;
  private final Endpoint endpoint;
  private final int clusterPort;
  private boolean stopped;

  private List<String> command = List.of();

  private NodeProcess(Process process, Path dataDir, Path logFile, Endpoint endpoint, int clusterPort) {
    this.process = process;
    this.dataDir = dataDir;
    this.logFile = logFile;
    this.endpoint = endpoint;
    this.clusterPort = clusterPort;
  }

  /**
   * Starts {@code java -Xmx2g -jar jar --node-id bench ...} with the flags of API.md "Running a node", plus
   * {@code extraArgs} (e.g. {@code --nats-url nats://127.0.0.1:P} for the NATS workloads).
   */
  static NodeProcess start(Path jar, Path dataParent, Path logFile, List<String> extraArgs) {
    if (!Files.isRegularFile(jar)) {
      throw new BenchException("node jar not found: " + jar.toAbsolutePath()
          + " (build it with: mvn -q -o -DskipTests package, or pass --jar / --url)");
    }
    Path dataDir;
    int[] ports;
    try {
      Files.createDirectories(dataParent);
      dataDir = Files.createTempDirectory(dataParent, "node-data-");
      ports = freeLoopbackPorts(2);
    } catch (IOException e) {
      throw new BenchException("cannot prepare the node: " + e.getMessage(), e);
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx2g", "-jar", jar.toAbsolutePath().toString(),
        "--node-id", "bench",
        "--data-dir", dataDir.toAbsolutePath().toString(),
        "--http-host", "127.0.0.1",
        "--http-port", Integer.toString(ports[0]),
        "--cluster-host", "127.0.0.1",
        "--cluster-port", Integer.toString(ports[1])));
    cmd.addAll(extraArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(logFile.toFile());
    // A node must not pick up a developer's config: the bench measures defaults.
    pb.environment().keySet().removeIf(k -> k.startsWith("HAWSER_"));
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      deleteTree(dataDir);
      throw new BenchException("cannot start the node (" + String.join(" ", cmd) + "): " + e.getMessage(), e);
    }
    NodeProcess node = new NodeProcess(p, dataDir, logFile, new Endpoint("127.0.0.1", ports[0]), ports[1]);
    node.command = List.copyOf(cmd);
    return node;
  }

  /**
   * kill -9, then the same command again on the same data dir and ports (the recovery benchmark). This handle is
   * done (its data now belongs to the returned one); the output goes on in the same log file.
   */
  synchronized NodeProcess killAndRestart() {
    kill();
    stopped = true;
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("HAWSER_"));
    try {
      NodeProcess next = new NodeProcess(pb.start(), dataDir, logFile, endpoint, clusterPort);
      next.command = command;
      return next;
    } catch (IOException e) {
      throw new BenchException("cannot restart the node: " + e.getMessage(), e);
    }
  }

  /**
   * Polls {@code readyStatus} (HTTP status of GET /health/ready, -1 when unreachable) every 200 ms
   * until it answers 200, the process dies, or the deadline passes.
   */
  void awaitReady(IntSupplier readyStatus, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int last = -1;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new BenchException("the node exited with code " + process.exitValue() + " before it was ready; log "
            + logFile + ":\n" + logTail(30));
      }
      last = readyStatus.getAsInt();
      if (last == 200) {
        return;
      }
      sleep(200);
    }
    throw new BenchException("the node was not ready within " + timeout.toSeconds() + " s (last GET /health/ready: "
        + (last == -1 ? "no answer" : "HTTP " + last) + "); log " + logFile + ":\n" + logTail(30));
  }

  boolean isAlive() {
    return process.isAlive();
  }

  String exitDescription() {
    return process.isAlive() ? "running" : "exited with code " + process.exitValue();
  }

  /** SIGTERM (the node hands over and exits 0), then SIGKILL if it takes too long; then delete its data. */
  synchronized void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    List<ProcessHandle> children = new ArrayList<>();
    process.descendants().forEach(children::add);
    try {
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(GRACEFUL_STOP.toSeconds(), TimeUnit.SECONDS)) {
          System.err.println("bench: node did not stop within " + GRACEFUL_STOP.toSeconds() + " s of SIGTERM; killing it");
          process.destroyForcibly();
          process.waitFor(FORCED_STOP.toSeconds(), TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    // Only processes this node started (by handle, never by name).
    children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    deleteTree(dataDir);
  }

  /** kill -9 (the failover benchmark); {@link #stop()} still deletes its data afterwards. */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(FORCED_STOP.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  Endpoint endpoint() {
    return endpoint;
  }

  Path dataDir() {
    return dataDir;
  }

  Path logFile() {
    return logFile;
  }

  int clusterPort() {
    return clusterPort;
  }

  long pid() {
    return process.pid();
  }

  /** The last lines of the node's log, to explain a failure without opening the file. */
  String logTail(int lines) {
    try {
      List<String> all = new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8).lines().toList();
      StringBuilder sb = new StringBuilder();
      for (String line : all.subList(Math.max(0, all.size() - lines), all.size())) {
        sb.append(line.length() > 300 ? line.substring(0, 300) + "..." : line).append('\n');
      }
      return sb.toString().stripTrailing();
    } catch (IOException | UncheckedIOException e) {
      return "(log not readable: " + e.getMessage() + ")";
    } catch (RuntimeException e) {
      return "(log not readable: " + e + ")";
    }
  }

  /** Binds all at once so the ports differ; a tiny race with other processes remains and is accepted. */
  static int[] freeLoopbackPorts(int n) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : sockets) {
        s.close();
      }
    }
  }

  static void deleteTree(Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // reported below if the root survives
        }
      });
    } catch (IOException | UncheckedIOException e) {
      // fall through to the check
    }
    if (Files.exists(root)) {
      System.err.println("bench: could not delete " + root + "; remove it by hand");
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted while waiting for the node");
    }
  }
}
