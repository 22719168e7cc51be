package io.hawser.log.mapdb;

import io.hawser.log.LogConfig;
import io.hawser.log.Record;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The process {@link KillNineRecoveryTest} kills: appends batches to a log forever, syncing after each, and prints
 * the last offset of a batch only after its sync returned. Arguments: directory, segment bytes, epoch, seed.
 *
 * <p>Runs on its main thread (plus the log's sealer thread).
 */
public final class KillNineChild {
    static final long T0 = 1_700_000_000_000L;

    private KillNineChild() {
    }

    /** Everything about a record follows from its offset (the epoch is checked separately). */
    static Record expected(long offset, int epoch) {
        byte[] value = io.hawser.log.TestRecords.valueFor(offset, 20 + (int) (offset % 180));
        byte[] key = ("k" + offset % 13).getBytes(StandardCharsets.UTF_8);
        return new Record(offset, epoch, T0 + offset, key, Map.of("o", Long.toString(offset)), value);
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        long segmentBytes = Long.parseLong(args[1]);
        int epoch = Integer.parseInt(args[2]);
        Random random = new Random(Long.parseLong(args[3]));
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.US_ASCII);
        MapDbPartitionLog log = MapDbPartitionLog.open(dir, new LogConfig(segmentBytes, 0, 1024, Clock.systemUTC()));
        out.println("open " + log.endOffset());
        out.flush();
        long next = log.endOffset();
        while (true) {
            int size = 1 + random.nextInt(random.nextBoolean() ? 4 : 60);
            List<Record> batch = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                batch.add(expected(next + i, epoch));
            }
            log.append(batch);
            log.sync();
            next += size;
            out.println("ack " + (next - 1)); // only now is the batch acknowledged
            out.flush();
        }
    }
}
