package io.hawser.log.mapdb;

import io.hawser.log.CorruptRecordException;
import io.hawser.log.LogConfig;
import io.hawser.log.MutableClock;
import io.hawser.log.OpenedLogs;
import io.hawser.log.Record;
import io.hawser.log.RecordCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bytes flipped on disk: the damaged record reads as {@link CorruptRecordException} (never as data), every other
 * record still reads, and reopening keeps reporting it instead of dropping it.
 */
class CorruptionTest {
    private static final int VALUE = 120;
    private static final long T0 = 1_700_000_000_000L;
    private static final int RECORD_BYTES = RecordCodec.encodedSize(record(0));

    @TempDir
    Path tempDir;
    private final MutableClock clock = new MutableClock(T0);
    @RegisterExtension
    final OpenedLogs opened = new OpenedLogs();

    private static Record record(long offset) {
        return new Record(offset, 1, T0 + offset, null, Map.of(), LogFiles.markedValue(offset, VALUE));
    }

    private MapDbPartitionLog open(Path dir) {
        return opened.track(MapDbPartitionLog.open(dir, new LogConfig(10L * RECORD_BYTES, 0, 1024, clock)));
    }

    /**
     * Appends {@code from..to} in synced batches of 4, so a journal holds several frames. A segment holds two
     * batches (a third would pass 10 records' worth of bytes): segments are 0..7, 8..15, 16..23 and so on.
     */
    private static void append(MapDbPartitionLog log, long from, long to) {
        for (long o = from; o <= to; o += 4) {
            List<Record> batch = new ArrayList<>();
            for (long i = o; i <= Math.min(to, o + 3); i++) {
                batch.add(record(i));
            }
            log.append(batch);
            log.sync();
        }
    }

    /** A closed log in {@code tempDir/log} holding offsets 0..{@code last}, its full segments sealed. */
    private Path sealedLog(long last) {
        Path dir = tempDir.resolve("log");
        MapDbPartitionLog log = open(dir);
        append(log, 0, last);
        log.awaitSealing();
        log.close();
        return dir;
    }

    /** Reads every offset on its own and checks each is either the exact record or, if {@code bad}, corrupt. */
    private static void assertOnlyTheseAreCorrupt(MapDbPartitionLog log, long from, long to, SortedSet<Long> bad,
                                                  String where) {
        for (long o = from; o <= to; o++) {
            long offset = o;
            if (bad.contains(o)) {
                CorruptRecordException e = assertThrows(CorruptRecordException.class,
                        () -> log.read(offset, Long.MAX_VALUE, 10, 1 << 20), "offset " + o);
                assertEquals(o, e.offset());
                assertTrue(e.getMessage().contains("offset " + o) && e.getMessage().contains(where), e.getMessage());
            } else {
                List<Record> one = log.read(o, o, 1, 1 << 20);
                assertEquals(List.of(record(o)), one, "offset " + o);
            }
        }
        assertEquals(bad, log.knownCorruptOffsets());
    }

    @Test
    void aFlippedByteInASealedSegmentIsReportedAndEverythingElseReads() {
        Path dir = sealedLog(39);
        Path damaged = LogFiles.flipPayloadByte(dir, ".seg", 15);

        MapDbPartitionLog again = open(dir);
        assertEquals(new TreeSet<>(List.of(15L)), again.knownCorruptOffsets(), "found by the check at open");
        assertOnlyTheseAreCorrupt(again, 0, 39, new TreeSet<>(List.of(15L)), damaged.getFileName().toString());
        List<Record> upToDamage = again.read(10, Long.MAX_VALUE, 100, 1 << 20);
        assertEquals(List.of(record(10), record(11), record(12), record(13), record(14)), upToDamage,
                "a read that reaches the damage returns what lies before it");
        assertEquals(record(16), again.read(16, Long.MAX_VALUE, 1, 1).get(0));
        again.close();

        MapDbPartitionLog third = open(dir);
        assertOnlyTheseAreCorrupt(third, 0, 39, new TreeSet<>(List.of(15L)), damaged.getFileName().toString());
        append(third, 40, 43);
        assertEquals(record(43), third.read(43, 43, 1, 1).get(0));
    }

    @Test
    void everyReadChecksTheChecksumNotOnlyTheOpen() {
        Path dir = tempDir.resolve("log");
        MapDbPartitionLog log = open(dir);
        append(log, 0, 29);
        log.awaitSealing();
        assertEquals(record(5), log.read(5, 5, 1, 1).get(0));
        // Bit rot under a running log: the sealed file is memory-mapped, so the read sees the flipped byte.
        LogFiles.flipPayloadByte(dir, ".seg", 5);
        assertThrows(CorruptRecordException.class, () -> log.read(5, 5, 1, 1));
        assertEquals(record(4), log.read(4, 4, 1, 1).get(0));
        assertEquals(record(6), log.read(6, 6, 1, 1).get(0));
        // The same in the active journal.
        LogFiles.flipPayloadByte(dir, ".journal", 25);
        assertThrows(CorruptRecordException.class, () -> log.read(25, 25, 1, 1));
        assertEquals(record(26), log.read(26, 26, 1, 1).get(0));
        assertEquals(new TreeSet<>(List.of(5L, 25L)), log.knownCorruptOffsets());
    }

    @Test
    void aFlippedByteInTheActiveJournalIsReportedNotCutOff() {
        Path dir = tempDir.resolve("log");
        MapDbPartitionLog log = open(dir);
        append(log, 0, 7); // one segment: frames of 0..3 and 4..7
        log.close();
        Path journal = LogFiles.flipPayloadByte(dir, ".journal", 2);

        // Valid frames follow the damaged one, so this is damage, not a torn write: nothing is dropped.
        MapDbPartitionLog again = open(dir);
        assertEquals(8, again.endOffset());
        assertOnlyTheseAreCorrupt(again, 0, 7, new TreeSet<>(List.of(2L)), journal.getFileName().toString());
        append(again, 8, 9);
        again.close();

        MapDbPartitionLog third = open(dir);
        assertOnlyTheseAreCorrupt(third, 0, 9, new TreeSet<>(List.of(2L)), journal.getFileName().toString());
        // Rolled and sealed into MapDB, the record stays corrupt (its bytes are copied as they are).
        append(third, 10, 25);
        third.awaitSealing();
        assertTrue(LogFiles.withSuffix(dir, ".journal").size() == 1);
        assertOnlyTheseAreCorrupt(third, 0, 25, new TreeSet<>(List.of(2L)), ".seg");
        third.close();
        assertOnlyTheseAreCorrupt(open(dir), 0, 25, new TreeSet<>(List.of(2L)), ".seg");
    }

    @Test
    void aDamagedFrameHeaderMakesItsFirstOffsetUnreadableButNotTheRest() {
        Path dir = tempDir.resolve("log");
        MapDbPartitionLog log = open(dir);
        append(log, 0, 9); // frames: 0..3, 4..7, 8..9
        log.close();
        Path journal = SegmentFiles.journal(dir, 0);
        long secondFrame = LogFiles.framePositions(journal).get(1);
        LogFiles.flipBit(journal, secondFrame + 5); // its body length: the frame can no longer be parsed

        MapDbPartitionLog again = open(dir);
        assertEquals(10, again.endOffset());
        CorruptRecordException e = assertThrows(CorruptRecordException.class,
                () -> again.read(4, Long.MAX_VALUE, 10, 1 << 20));
        assertEquals(4, e.offset());
        assertEquals(List.of(record(0), record(1), record(2), record(3)), again.read(0, Long.MAX_VALUE, 100, 1 << 20));
        assertEquals(List.of(record(8), record(9)), again.read(8, Long.MAX_VALUE, 100, 1 << 20));
        assertEquals(new TreeSet<>(List.of(4L)), again.knownCorruptOffsets());
    }

    @Test
    void compactionAndTruncationCarryDamagedRecordsAlongInsteadOfLaunderingThem() {
        Path dir = sealedLog(29);
        LogFiles.flipPayloadByte(dir, ".seg", 13);
        MapDbPartitionLog again = open(dir);
        assertEquals(0, again.compact(), "keyless records are all kept");
        again.truncateAfter(14); // rewrites the sealed segment 8..15 as the active journal 8..14
        assertOnlyTheseAreCorrupt(again, 0, 14, new TreeSet<>(List.of(13L)), ".journal");
        again.close();
        assertOnlyTheseAreCorrupt(open(dir), 0, 14, new TreeSet<>(List.of(13L)), ".journal");
    }
}
