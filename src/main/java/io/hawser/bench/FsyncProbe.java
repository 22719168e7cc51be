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
 * The disk's own durable-write latency, two ways: append 256 bytes and {@code FileChannel.force}, like a journal
 * with one record per group commit that grows its file; and the same write inside blocks the file already has
 * (zeros written ahead, as Hawser's journal keeps them), where the fdatasync commits no file-system metadata. A sync
 * publish that promises fsync-before-ack cannot be faster than the second, so it is the floor the sync-publish
 * latency is judged against.
 */
final class FsyncProbe {
  private static final int RECORD_BYTES = 256;
  private static final int WARMUP = 50;

  private FsyncProbe() {}

  /** Measured in {@code dir} (the node's data filesystem), bounded by {@code budget} for each way. */
  static Result measure(Path dir, int samples, Duration budget) {
    Path file;
    try {
      Files.createDirectories(dir);
      file = Files.createTempFile(dir, "fsync-probe-", ".bin");
    } catch (IOException e) {
      throw new BenchException("cannot create the fsync probe file in " + dir + ": " + e.getMessage(), e);
    }
    String fsType = fileSystemType(file);
    byte[] bytes = new byte[RECORD_BYTES];
    ThreadLocalRandom.current().nextBytes(bytes);
    ByteBuffer record = ByteBuffer.wrap(bytes);
    LatencyRecorder appending = new LatencyRecorder(samples);
    LatencyRecorder inPlace = new LatencyRecorder(samples);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      int written = writes(ch, record, WARMUP + samples, budget, appending); // each write grows the file
      ch.force(true);
      writes(ch, record, written, budget, inPlace); // the same bytes again, inside the file
    } catch (IOException e) {
      throw new BenchException("fsync probe failed in " + dir + ": " + e.getMessage(), e);
    } finally {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // a leftover probe file is harmless; it lives in the bench's own directory
      }
    }
    if (appending.count() == 0 || inPlace.count() == 0) {
      throw new BenchException("fsync probe: not a single fsync finished within " + budget.toSeconds() + " s in " + dir);
    }
    return new Result(appending.count(), appending.summary(), inPlace.summary(), dir.toAbsolutePath().toString(),
        fsType);
  }

  /**
   * Up to {@code count} 256-byte writes one after another from the start of the file, each followed by
   * force(false) (fdatasync); the first {@value #WARMUP} are not recorded. Returns how many were made in the budget.
   */
  private static int writes(FileChannel ch, ByteBuffer record, int count, Duration budget, LatencyRecorder recorder)
      throws IOException {
    long deadline = System.nanoTime() + budget.toNanos();
    int i = 0;
    for (; i < count && System.nanoTime() < deadline; i++) {
      record.clear();
      long t0 = System.nanoTime();
      while (record.hasRemaining()) {
        ch.write(record, (long) i * RECORD_BYTES + record.position());
      }
      ch.force(false);
      long t1 = System.nanoTime();
      if (i >= WARMUP) {
        recorder.record(t1 - t0);
      }
    }
    return i;
  }

  private static String fileSystemType(Path file) {
    try {
      return Files.getFileStore(file).type();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /**
   * {@code latency}: appending; {@code inPlace}: inside preallocated blocks. {@code fsType} matters: on tmpfs
   * "fsync" is free and sync-publish numbers mean nothing.
   */
  record Result(int samples, LatencyRecorder.LatencySummary latency, LatencyRecorder.LatencySummary inPlace,
      String path, String fsType) {}
}
