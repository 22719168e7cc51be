package io.hawser.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** What the numbers were measured on, so results from different machines are not compared blindly. */
record MachineInfo(int cores, String cpuModel, long memTotalBytes, String jvm, String os, double loadAverage) {

  static MachineInfo detect() {
    return new MachineInfo(
        Runtime.getRuntime().availableProcessors(),
        procValue("/proc/cpuinfo", "model name").orElse(System.getProperty("os.arch")),
        procValue("/proc/meminfo", "MemTotal").map(MachineInfo::kibToBytes).orElse(-1L),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
        System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
        currentLoadAverage());
  }

  /**
   * The 1-minute load average when the tool started: client and server already share the cores,
   * so a build or test running beside the benchmark makes its numbers meaningless.
   */
  private static double currentLoadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  boolean busy() {
    return loadAverage >= Math.max(1.0, cores * 0.5);
  }

  String memDescription() {
    return memTotalBytes <= 0 ? "unknown" : String.format("%.1f GiB", memTotalBytes / (1024.0 * 1024 * 1024));
  }

  /** First "key : value" line of a /proc file; empty where /proc does not exist (macOS, ...). */
  private static Optional<String> procValue(String file, String key) {
    try {
      List<String> lines = Files.readAllLines(Path.of(file));
      for (String line : lines) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equals(key)) {
          return Optional.of(line.substring(colon + 1).trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or not readable: reported as unknown
    }
    return Optional.empty();
  }

  private static long kibToBytes(String value) {
    try {
      return Long.parseLong(value.replace("kB", "").trim()) * 1024;
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
