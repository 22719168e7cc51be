package io.hawser.log;

import io.hawser.log.mapdb.MapDbPartitionLog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Storage micro-benchmark: append throughput of 256-byte records with one sync per batch (batches of 1, 100 and
 * 1000), the latency of sync() for a small batch, and sequential read throughput. Prints a table.
 *
 * <p>Run: {@code java -cp target/classes:target/test-classes:$(deps) io.hawser.log.LogBench [dir] [segmentMiB]}.
 * Runs on the main thread (plus the log's sealer thread).
 */
public final class LogBench {
    private static final int VALUE_BYTES = 256;

    private LogBench() {
    }

    public static void main(String[] args) throws IOException {
        Path root = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("hawser-logbench");
        long segmentBytes = (args.length > 1 ? Long.parseLong(args[1]) : 64) << 20;
        LogConfig config = LogConfig.defaults().withSegmentBytes(segmentBytes).withClock(Clock.systemUTC());
        System.out.printf("LogBench: 256-byte values, segment %d MiB, dir %s, %d cores%n", segmentBytes >> 20, root,
                Runtime.getRuntime().availableProcessors());
        System.out.printf("%-34s %12s %14s %12s %12s%n", "case", "records", "rec/s", "MB/s", "sync p50/p99");
        try {
            warmUp(root.resolve("warmup"), config);
            appendCase(root.resolve("batch1"), config, 1, 4_000);
            appendCase(root.resolve("batch100"), config, 100, 300_000);
            Path big = root.resolve("batch1000");
            appendCase(big, config, 1_000, 1_500_000);
            readCase(big, config);
        } finally {
            deleteRecursively(root);
        }
    }

    private static List<Record> batch(long from, int size, byte[] value) {
        List<Record> records = new ArrayList<>(size);
        long now = System.currentTimeMillis();
        for (int i = 0; i < size; i++) {
            records.add(new Record(from + i, 1, now, null, Map.of(), value));
        }
        return records;
    }

    private static void warmUp(Path dir, LogConfig config) {
        byte[] value = new byte[VALUE_BYTES];
        try (MapDbPartitionLog log = MapDbPartitionLog.open(dir, config)) {
            for (long o = 0; o < 200_000; o += 500) {
                log.append(batch(o, 500, value));
                log.sync();
            }
            for (long from = 0; from < 200_000; from += 1000) {
                log.read(from, Long.MAX_VALUE, 1000, Integer.MAX_VALUE);
            }
        }
        deleteRecursively(dir);
    }

    private static void appendCase(Path dir, LogConfig config, int batchSize, int total) {
        byte[] value = new byte[VALUE_BYTES];
        Arrays.fill(value, (byte) 'x');
        long[] syncNanos = new long[total / batchSize];
        try (MapDbPartitionLog log = MapDbPartitionLog.open(dir, config)) {
            long start = System.nanoTime();
            int batches = 0;
            for (long o = 0; o < total; o += batchSize) {
                log.append(batch(o, batchSize, value));
                long beforeSync = System.nanoTime();
                log.sync();
                syncNanos[batches++] = System.nanoTime() - beforeSync;
            }
            long elapsed = System.nanoTime() - start;
            Arrays.sort(syncNanos, 0, batches);
            double seconds = elapsed / 1e9;
            System.out.printf("%-34s %12d %14.0f %12.1f %5.2f/%5.2f ms%n",
                    "append, batch " + batchSize + ", sync per batch", total, total / seconds,
                    (double) total * VALUE_BYTES / seconds / 1e6,
                    syncNanos[batches / 2] / 1e6, syncNanos[(int) (batches * 0.99)] / 1e6);
        }
    }

    private static void readCase(Path dir, LogConfig config) {
        try (MapDbPartitionLog log = MapDbPartitionLog.open(dir, config)) {
            LogStats stats = log.stats();
            for (int pass = 0; pass < 3; pass++) {
                long start = System.nanoTime();
                long count = 0;
                long from = log.startOffset();
                while (true) {
                    List<Record> chunk = log.read(from, Long.MAX_VALUE, 1000, Integer.MAX_VALUE);
                    if (chunk.isEmpty()) {
                        break;
                    }
                    count += chunk.size();
                    from = chunk.get(chunk.size() - 1).offset() + 1;
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("%-34s %12d %14.0f %12.1f%n", "sequential read, pass " + (pass + 1) + " ("
                        + stats.segments() + " segments)", count, count / seconds,
                        (double) count * VALUE_BYTES / seconds / 1e6);
            }
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
