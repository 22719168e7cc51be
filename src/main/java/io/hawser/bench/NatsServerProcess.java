package io.hawser.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One {@code nats-server} run as a child process on 127.0.0.1 and a free port: a plain one for the node's NATS
 * bridge, or one with JetStream ({@code -js -sd <fresh dir>}) to compare with. Output goes to a log file. It is
 * only ever stopped through its own {@link Process} handle (by PID, never by name); {@link #stop()} is idempotent,
 * also runs from the benchmark's shutdown hook, and deletes the JetStream store.
 */
final class NatsServerProcess {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
  private static final Duration GRACEFUL_STOP = Duration.ofSeconds(10);
  private static final List<Path> FALLBACK_DIRS = List.of(Path.of("/usr/sbin"), Path.of("/usr/bin"));

  private final Process process;
  private final String role;
  private final int port;
  private final Path storeDir; // null: no JetStream
  private final Path logFile;
  private boolean stopped;

  private NatsServerProcess(Process process, String role, int port, Path storeDir, Path logFile) {
    this.process = process;
    this.role = role;
    this.port = port;
    this.storeDir = storeDir;
    this.logFile = logFile;
  }

  /** {@code explicit} if given (and executable), else {@code nats-server} on the PATH, then in /usr/sbin, /usr/bin. */
  static Optional<Path> locate(Path explicit) {
    if (explicit != null) {
      return Files.isExecutable(explicit) ? Optional.of(explicit) : Optional.empty();
    }
    List<Path> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d : path.split(java.io.File.pathSeparator)) {
        if (!d.isEmpty()) {
          dirs.add(Path.of(d));
        }
      }
    }
    dirs.addAll(FALLBACK_DIRS);
    for (Path d : dirs) {
      Path candidate = d.resolve("nats-server");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The version {@code nats-server --version} prints ("v2.9.10"), or "unknown". */
  static String version(Path binary) {
    try {
      Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readNBytes(200);
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      String text = new String(out, StandardCharsets.UTF_8).trim();
      if (text.startsWith("nats-server:")) {
        text = text.substring("nats-server:".length()).trim();
      }
      return text.isEmpty() ? "unknown" : text;
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  /** {@code nats-server -a 127.0.0.1 -p P}: core NATS only, for the node's bridge. */
  static NatsServerProcess startPlain(Path binary, Path logFile) {
    return start(binary, "bridge", null, logFile);
  }

  /** {@code nats-server -js -a 127.0.0.1 -p Q -sd <storeDir>}: JetStream with file storage in a fresh dir. */
  static NatsServerProcess startJetStream(Path binary, Path storeDir, Path logFile) {
    return start(binary, "jetstream", storeDir, logFile);
  }

  /**
   * A 3-server JetStream cluster on loopback (file storage, each server its own store under {@code storeParent}),
   * from config files written there; returns once every server listens (the cluster then elects its meta leader).
   */
  static List<NatsServerProcess> startJetStreamCluster(Path binary, Path storeParent, Path logDir, String stamp) {
    int[] ports;
    try {
      ports = NodeProcess.freeLoopbackPorts(6);
    } catch (IOException e) {
      throw new BenchException("cannot find free ports for the JetStream cluster: " + e.getMessage(), e);
    }
    StringBuilder routes = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      routes.append(i == 0 ? "" : ", ").append("\"nats-route://127.0.0.1:").append(ports[2 * i + 1]).append('"');
    }
    List<NatsServerProcess> servers = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        Path store = storeParent.resolve("js-" + (i + 1));
        Files.createDirectories(store);
        Path conf = storeParent.resolve("js-" + (i + 1) + ".conf");
        Files.writeString(conf, "server_name: \"js-" + (i + 1) + "\"\n"
            + "listen: \"127.0.0.1:" + ports[2 * i] + "\"\n"
            + "jetstream { store_dir: \"" + store.toAbsolutePath() + "\" }\n"
            + "cluster { name: \"bench-r3\", listen: \"127.0.0.1:" + ports[2 * i + 1] + "\", routes: [" + routes
            + "] }\n", StandardCharsets.UTF_8);
        Path log = logDir.resolve("nats-jetstream-r3-" + (i + 1) + "-" + stamp + ".log");
        Process p = new ProcessBuilder(binary.toString(), "-c", conf.toAbsolutePath().toString())
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        NatsServerProcess server = new NatsServerProcess(p, "jetstream-r3-" + (i + 1), ports[2 * i], store, log);
        server.clusterConfig = conf;
        servers.add(server);
      }
      for (NatsServerProcess server : servers) {
        server.awaitListening();
      }
      return servers;
    } catch (IOException | BenchException e) {
      servers.forEach(NatsServerProcess::stop);
      throw e instanceof BenchException b ? b : new BenchException("cannot start the JetStream cluster: " + e, e);
    }
  }

  /** The config file of a cluster member (null for a standalone server). */
  private Path clusterConfig;

  /**
   * kill -9 of a cluster member, then the same member again: same config, port and store (the failover benchmark
   * restores the cluster between rounds). This handle is done; the returned one owns the store.
   */
  synchronized NatsServerProcess killAndRestartMember(Path binary) {
    if (clusterConfig == null) {
      throw new IllegalStateException("not a cluster member");
    }
    kill();
    stopped = true;
    try {
      Process p = new ProcessBuilder(binary.toString(), "-c", clusterConfig.toAbsolutePath().toString())
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
      NatsServerProcess again = new NatsServerProcess(p, role, port, storeDir, logFile);
      again.clusterConfig = clusterConfig;
      again.awaitListening();
      return again;
    } catch (IOException e) {
      throw new BenchException("cannot restart " + role + ": " + e.getMessage(), e);
    }
  }

  /** kill -9; the store stays (see {@link #stop()}). */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static NatsServerProcess start(Path binary, String role, Path storeDir, Path logFile) {
    BenchException last = null;
    // A free port can be taken between our probe and the server's bind: try a few.
    for (int attempt = 0; attempt < 3; attempt++) {
      int port;
      try {
        port = NodeProcess.freeLoopbackPorts(1)[0];
      } catch (IOException e) {
        throw new BenchException("cannot find a free port for nats-server: " + e.getMessage(), e);
      }
      List<String> cmd = new ArrayList<>();
      cmd.add(binary.toString());
      if (storeDir != null) {
        cmd.add("-js");
      }
      cmd.addAll(List.of("-a", "127.0.0.1", "-p", Integer.toString(port)));
      if (storeDir != null) {
        cmd.addAll(List.of("-sd", storeDir.toAbsolutePath().toString()));
      }
      Process p;
      try {
        p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
      } catch (IOException e) {
        throw new BenchException("cannot start " + String.join(" ", cmd) + ": " + e.getMessage(), e);
      }
      NatsServerProcess server = new NatsServerProcess(p, role, port, storeDir, logFile);
      try {
        server.awaitListening();
        return server;
      } catch (BenchException e) {
        last = e;
        server.stopProcessOnly();
      }
    }
    throw last;
  }

  private void awaitListening() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new BenchException("nats-server (" + role + ") exited with code " + process.exitValue()
            + " on start; log " + logFile + ":\n" + logTail(15));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return;
      } catch (IOException e) {
        sleep(50);
      }
    }
    throw new BenchException("nats-server (" + role + ") did not listen on 127.0.0.1:" + port + " within "
        + START_TIMEOUT.toSeconds() + " s; log " + logFile + ":\n" + logTail(15));
  }

  String url() {
    return "nats://127.0.0.1:" + port;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  String exitDescription() {
    return process.isAlive() ? "running" : "exited with code " + process.exitValue();
  }

  Path logFile() {
    return logFile;
  }

  Path storeDir() {
    return storeDir;
  }

  String describe() {
    return (storeDir == null ? "nats-server" : "nats-server -js") + " pid " + pid() + " at " + url()
        + (storeDir == null ? "" : ", store " + storeDir) + ", log " + logFile;
  }

  /**
   * kill -9, then a new JetStream server on the same store (the recovery benchmark; it gets a new port). This handle
   * is done; the returned one owns the store.
   */
  synchronized NatsServerProcess killAndRestart(Path binary) {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stopped = true;
    return start(binary, role, storeDir, logFile.resolveSibling(logFile.getFileName() + ".restart"));
  }

  /** SIGTERM, then SIGKILL after a grace period; then the JetStream store is deleted. By handle, never by name. */
  synchronized void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    stopProcessOnly();
    NodeProcess.deleteTree(storeDir);
  }

  private void stopProcessOnly() {
    try {
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(GRACEFUL_STOP.toSeconds(), TimeUnit.SECONDS)) {
          System.err.println("bench: nats-server pid " + pid() + " did not stop within " + GRACEFUL_STOP.toSeconds()
              + " s of SIGTERM; killing it");
          process.destroyForcibly();
          process.waitFor(5, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  String logTail(int lines) {
    try {
      List<String> all = new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8).lines().toList();
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(log not readable: " + e.getMessage() + ")";
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted while waiting for nats-server");
    }
  }
}
