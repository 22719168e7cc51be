package io.hawser.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The disk's own durable-append latency: append 256 bytes, then {@code FileChannel.force}, like a
 * journal with one record per group commit. A sync publish that promises fsync-before-ack cannot
 * be faster than this, so it is the floor the sync-publish latency is judged against.
 */
final class FsyncProbe {
  private static final int RECORD_BYTES = 256;
  private static final int WARMUP = 50;

  private FsyncProbe() {}

  /** Measured in {@code dir} (the node's data filesystem), bounded by {@code budget}. */
  static Result measure(Path dir, int samples, Duration budget) {
    Path file;
    try {
      Files.createDirectories(dir);
      file = Files.createTempFile(dir, "fsync-probe-", ".bin");
    } catch (IOException e) {
      throw new BenchException("cannot create the fsync probe file in " + dir + ": " + e.getMessage(), e);
    }
    String fsType = fileSystemType(file);
    LatencyRecorder recorder = new LatencyRecorder(samples);
    byte[] bytes = new byte[RECORD_BYTES];
    ThreadLocalRandom.current().nextBytes(bytes);
    ByteBuffer record = ByteBuffer.wrap(bytes);
    long deadline = System.nanoTime() + budget.toNanos();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      for (int i = 0; i < WARMUP + samples && System.nanoTime() < deadline; i++) {
        record.clear();
        long t0 = System.nanoTime();
        while (record.hasRemaining()) {
          ch.write(record);
        }
        // force(false) = fdatasync: the cheapest durable append (the file size still gets synced),
        // i.e. the true lower bound for a log that fsyncs before acking.
        ch.force(false);
        long t1 = System.nanoTime();
        if (i >= WARMUP) {
          recorder.record(t1 - t0);
        }
      }
    } catch (IOException e) {
      throw new BenchException("fsync probe failed in " + dir + ": " + e.getMessage(), e);
    } finally {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // a leftover probe file is harmless; it lives in the bench's own directory
      }
    }
    if (recorder.count() == 0) {
      throw new BenchException("fsync probe: not a single fsync finished within " + budget.toSeconds() + " s in " + dir);
    }
    return new Result(recorder.count(), recorder.summary(), dir.toAbsolutePath().toString(), fsType);
  }

  private static String fileSystemType(Path file) {
    try {
      return Files.getFileStore(file).type();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** {@code fsType} matters: on tmpfs "fsync" is free and sync-publish numbers mean nothing. */
  record Result(int samples, LatencyRecorder.LatencySummary latency, String path, String fsType) {}
}
