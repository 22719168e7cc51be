package io.hawser.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU time and resident memory of the processes taking part in one run, from /proc: CPU (utime + stime, via
 * {@link ProcessHandle.Info#totalCpuDuration()}) at the start and the end, RSS ({@code VmRSS} of
 * /proc/PID/status) sampled every {@value #SAMPLE_MS} ms for the peak. A few file reads a second: negligible
 * next to the load. Where /proc does not exist the numbers are absent (NaN / -1), never guessed.
 */
final class ResourceMonitor implements AutoCloseable {
  private static final long SAMPLE_MS = 250;

  /** A process to watch, by PID, under a role name ("hawser node", "jetstream nats-server", "client"). */
  record Watched(String role, long pid, boolean server) {}

  /** One process over one run. {@code cpuSeconds} NaN and {@code peakRssBytes} -1 when unknown. */
  record Usage(String role, long pid, boolean server, double cpuSeconds, long peakRssBytes) {
    double cpuMicrosPerMessage(long messages) {
      return messages <= 0 || Double.isNaN(cpuSeconds) ? Double.NaN : cpuSeconds * 1e6 / messages;
    }

    double cores(double seconds) {
      return seconds <= 0 || Double.isNaN(cpuSeconds) ? Double.NaN : cpuSeconds / seconds;
    }
  }

  private final List<Watched> watched;
  private final long startNanos;
  private final long machineBusyStart; // clock ticks, all CPUs, from /proc/stat; -1 unknown
  private final long[] cpuStartNanos;
  private final long[] peakRss;
  private final Thread sampler;
  private volatile boolean running = true;

  private ResourceMonitor(List<Watched> watched) {
    this.watched = List.copyOf(watched);
    int n = watched.size();
    cpuStartNanos = new long[n];
    peakRss = new long[n];
    startNanos = System.nanoTime();
    machineBusyStart = machineBusyTicks();
    for (int i = 0; i < n; i++) {
      cpuStartNanos[i] = cpuNanos(watched.get(i).pid());
      peakRss[i] = rssBytes(watched.get(i).pid());
    }
    sampler = new Thread(this::sampleLoop, "bench-resource-sampler");
    sampler.setDaemon(true);
    sampler.start();
  }

  /** Starts watching {@code servers} and this JVM, the client, now; {@link #finish()} gives the usage since then. */
  static ResourceMonitor startWithClient(List<Watched> servers) {
    List<Watched> watched = new ArrayList<>(servers);
    watched.add(new Watched("client (bench JVM)", ProcessHandle.current().pid(), false));
    return new ResourceMonitor(watched);
  }

  private void sampleLoop() {
    while (running) {
      try {
        Thread.sleep(SAMPLE_MS);
      } catch (InterruptedException e) {
        return;
      }
      sampleRss();
    }
  }

  private synchronized void sampleRss() {
    for (int i = 0; i < watched.size(); i++) {
      peakRss[i] = Math.max(peakRss[i], rssBytes(watched.get(i).pid()));
    }
  }

  /** What {@link #finish()} found: each watched process, and how busy the rest of the machine was. */
  record Result(List<Usage> usage, double otherCores) {}

  /**
   * Stops sampling and returns each process's CPU seconds since the start and its peak RSS, plus the cores that
   * all other processes kept busy meanwhile (the machine's busy time from /proc/stat minus the watched processes):
   * a build or test run beside the benchmark takes the cores client and servers share, and this shows it per run.
   */
  Result finish() {
    close();
    sampleRss();
    long busyEnd = machineBusyTicks();
    double wall = (System.nanoTime() - startNanos) / 1e9;
    List<Usage> usages = new ArrayList<>();
    double watchedCpu = 0;
    synchronized (this) {
      for (int i = 0; i < watched.size(); i++) {
        Watched w = watched.get(i);
        long end = cpuNanos(w.pid());
        double cpu = end < 0 || cpuStartNanos[i] < 0 ? Double.NaN : (end - cpuStartNanos[i]) / 1e9;
        usages.add(new Usage(w.role(), w.pid(), w.server(), cpu, peakRss[i] <= 0 ? -1 : peakRss[i]));
        watchedCpu += cpu;
      }
    }
    double other = Double.NaN;
    if (busyEnd >= 0 && machineBusyStart >= 0 && wall > 0 && !Double.isNaN(watchedCpu)) {
      other = Math.max(0, ((busyEnd - machineBusyStart) / (double) USER_HZ - watchedCpu) / wall);
    }
    return new Result(usages, other);
  }

  /** Linux reports /proc/stat in USER_HZ, which is 100 on every architecture the JDK runs on. */
  private static final int USER_HZ = 100;

  /** Busy ticks of all CPUs (user, nice, system, irq, softirq, steal) from /proc/stat's first line, or -1. */
  static long machineBusyTicks() {
    try {
      String line = Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.UTF_8).get(0);
      String[] f = line.trim().split("\\s+");
      if (!f[0].equals("cpu") || f.length < 9) {
        return -1;
      }
      return Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
          + Long.parseLong(f[7]) + Long.parseLong(f[8]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  @Override
  public void close() {
    running = false;
    sampler.interrupt();
  }

  /** Total CPU time of {@code pid} in nanoseconds (clock-tick resolution), or -1 when unknown. */
  static long cpuNanos(long pid) {
    return ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration()).map(Duration::toNanos).orElse(-1L);
  }

  /** VmRSS of {@code pid} in bytes, or -1 when unknown (no /proc, process gone). */
  static long rssBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.UTF_8)) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.substring(6).replace("kB", "").trim()) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone, or not Linux: unknown
    }
    return -1;
  }
}
