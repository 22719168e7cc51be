package io.hawser.log.mapdb;

import io.hawser.log.LogConfig;
import io.hawser.log.MutableClock;
import io.hawser.log.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A child JVM appends and syncs batches and prints each acknowledged offset; it is killed with SIGKILL at a random
 * moment (often while a segment is being sealed); the log is reopened and every acknowledged record must be there,
 * byte for byte, with nothing torn or corrupt visible, and appends must continue. Several rounds on one directory.
 */
class KillNineRecoveryTest {
    /** 6 in CI; {@code -Dhawser.soak=true} runs 60. */
    private static final int ROUNDS = io.hawser.testkit.Soak.rounds(6, 60);
    private static final long SEGMENT_BYTES = 12 * 1024; // ~100 records: kills land during rolls and sealing too

    @TempDir
    Path tempDir;

    @Test
    @Timeout(value = 1800, unit = TimeUnit.SECONDS)
    void acknowledgedRecordsSurviveKillNine() throws Exception {
        long seed = Long.getLong("hawser.kill9.seed", System.nanoTime());
        System.out.println("KillNineRecoveryTest seed " + seed + " (rerun with -Dhawser.kill9.seed=" + seed + ")");
        Random random = new Random(seed);
        Path dir = tempDir.resolve("log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("java.class.path");
        LogConfig config = new LogConfig(SEGMENT_BYTES, 0, 1024, new MutableClock(KillNineChild.T0));
        TreeMap<Long, Integer> epochFrom = new TreeMap<>(); // first offset written with each epoch
        long lastAcked = -1;
        int killsDuringSealing = 0;

        for (int round = 1; round <= ROUNDS; round++) {
            int childEpoch = 2 * round;
            Path stderr = tempDir.resolve("child-" + round + ".err");
            Process child = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-cp", classpath, KillNineChild.class.getName(), dir.toString(), Long.toString(SEGMENT_BYTES),
                    Integer.toString(childEpoch), Long.toString(random.nextLong()))
                    .redirectError(stderr.toFile())
                    .start();
            int acksToSee = 20 + random.nextInt(400);
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.US_ASCII))) {
                long openedAt = parse(out.readLine(), "open ", stderr);
                assertTrue(openedAt > lastAcked, "the child's log starts after every acknowledged offset");
                epochFrom.put(openedAt, childEpoch);
                for (int i = 0; i < acksToSee; i++) {
                    long acked = parse(out.readLine(), "ack ", stderr);
                    assertTrue(acked > lastAcked);
                    lastAcked = acked;
                }
            } finally {
                child.destroyForcibly(); // SIGKILL: no shutdown hooks, no close, no final fsync
                assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");
            }
            if (!LogFiles.withSuffix(dir, ".tmp").isEmpty() || LogFiles.withSuffix(dir, ".journal").size() > 1) {
                killsDuringSealing++;
            }

            try (MapDbPartitionLog log = MapDbPartitionLog.open(dir, config)) {
                long end = log.endOffset();
                assertTrue(end > lastAcked, "round " + round + ": acknowledged " + lastAcked + " but the log ends at "
                        + end);
                assertEquals(0, log.startOffset());
                assertTrue(log.knownCorruptOffsets().isEmpty(), "corrupt: " + log.knownCorruptOffsets());
                long expectedOffset = 0;
                for (long from = 0; from < end; ) {
                    List<Record> chunk = log.read(from, Long.MAX_VALUE, 2000, 8 << 20);
                    for (Record record : chunk) {
                        assertEquals(expectedOffset, record.offset(), "no gap, nothing torn");
                        int epoch = epochFrom.floorEntry(record.offset()).getValue();
                        assertEquals(KillNineChild.expected(record.offset(), epoch), record,
                                "record " + record.offset() + " is byte-identical");
                        expectedOffset++;
                    }
                    from = chunk.get(chunk.size() - 1).offset() + 1;
                }
                assertEquals(end, expectedOffset);
                TreeMap<Integer, Long> epochs = new TreeMap<>();
                epochFrom.forEach((offset, epoch) -> epochs.put(epoch, offset));
                assertEquals(epochs, log.epochStartOffsets());

                // Appends continue where the log ends.
                int parentEpoch = childEpoch + 1;
                epochFrom.put(end, parentEpoch);
                log.append(List.of(KillNineChild.expected(end, parentEpoch), KillNineChild.expected(end + 1,
                        parentEpoch)));
                log.sync();
                assertEquals(KillNineChild.expected(end + 1, parentEpoch), log.read(end + 1, end + 1, 1, 1).get(0));
                lastAcked = end + 1;
            }
        }
        System.out.println("KillNineRecoveryTest: " + ROUNDS + " kills, " + killsDuringSealing
                + " with a segment roll or sealing in progress, " + (lastAcked + 1) + " records");
        assertTrue(lastAcked > ROUNDS * 20L);
    }

    private static long parse(String line, String prefix, Path stderr) throws IOException {
        if (line == null || !line.startsWith(prefix)) {
            fail("child said " + line + " (expected '" + prefix + "...'); its stderr:\n"
                    + (Files.exists(stderr) ? Files.readString(stderr) : "(none)"));
        }
        return Long.parseLong(line.substring(prefix.length()).trim());
    }
}
