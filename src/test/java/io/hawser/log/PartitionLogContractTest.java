package io.hawser.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static io.hawser.log.TestRecords.batch;
import static io.hawser.log.TestRecords.keyed;
import static io.hawser.log.TestRecords.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The behaviour every {@link PartitionLog} promises, run against each implementation by a subclass.
 *
 * <p>Most tests use records of one size {@link #RECORD_BYTES} and segments of exactly
 * {@link #RECORDS_PER_SEGMENT} of them, appended one record per call, so segment boundaries (and therefore what
 * retention and compaction remove) are known in advance: segment {@code i} holds offsets {@code 10i..10i+9}.
 */
public abstract class PartitionLogContractTest {
    protected static final int VALUE_BYTES = 100;
    protected static final int RECORD_BYTES = RecordCodec.encodedSize(record(0, 0, 0, VALUE_BYTES));
    protected static final int RECORDS_PER_SEGMENT = 10;
    protected static final long SEGMENT_BYTES = (long) RECORDS_PER_SEGMENT * RECORD_BYTES;
    protected static final long T0 = 1_700_000_000_000L;

    @TempDir
    protected Path tempDir;
    protected final MutableClock clock = new MutableClock(T0);
    @RegisterExtension
    final OpenedLogs opened = new OpenedLogs();
    private int logs;

    /** Opens (or reopens) the log kept in {@code dir}. */
    protected abstract PartitionLog open(Path dir, LogConfig config);

    /** Whether a log reopened on the same directory sees what was written before. */
    protected abstract boolean persistent();

    /** Waits for background work (sealing) to finish, where an implementation has any. */
    protected void settle(PartitionLog log) {
    }

    protected LogConfig config() {
        return new LogConfig(SEGMENT_BYTES, 0, 2 * RECORD_BYTES, clock);
    }

    protected PartitionLog newLog(LogConfig config) {
        return opened.track(open(tempDir.resolve("log-" + logs++), config));
    }

    protected PartitionLog newLog() {
        return newLog(config());
    }

    /** Closes {@code log} and opens its directory again (persistent implementations only). */
    protected PartitionLog reopen(PartitionLog log, LogConfig config) {
        log.close();
        return opened.track(open(tempDir.resolve("log-" + (logs - 1)), config));
    }

    /** Appends offsets {@code from..to} one record per call, epoch 1, timestamp T0 + offset. */
    protected static void appendOneByOne(PartitionLog log, long from, long to) {
        for (long o = from; o <= to; o++) {
            log.append(List.of(record(o, 1, T0 + o, VALUE_BYTES)));
        }
        log.sync();
    }

    protected static List<Record> readAll(PartitionLog log) {
        List<Record> all = new ArrayList<>();
        long from = log.startOffset();
        while (true) {
            List<Record> chunk = log.read(from, Long.MAX_VALUE, 1000, Integer.MAX_VALUE);
            if (chunk.isEmpty()) {
                return all;
            }
            all.addAll(chunk);
            from = chunk.get(chunk.size() - 1).offset() + 1;
        }
    }

    protected static List<Long> offsets(List<Record> records) {
        return records.stream().map(Record::offset).toList();
    }

    protected static List<Long> range(long from, long to) {
        List<Long> list = new ArrayList<>();
        for (long o = from; o <= to; o++) {
            list.add(o);
        }
        return list;
    }

    // ---------------------------------------------------------------- append and read

    @Test
    void appendedRecordsReadBackExactly() {
        PartitionLog log = newLog();
        List<Record> written = new ArrayList<>();
        for (long o = 0; o < 30; o++) {
            written.add(TestRecords.rich(o));
        }
        written.add(new Record(30, 3, T0, null, Map.of(), new byte[0]));
        log.append(written.subList(0, 10));
        log.append(written.subList(10, written.size()));
        log.sync();
        List<Record> read = log.read(0, Long.MAX_VALUE, 1000, Integer.MAX_VALUE);
        assertEquals(written, read);
        for (int i = 0; i < 30; i++) {
            assertEquals(new ArrayList<>(written.get(i).headers().keySet()),
                    new ArrayList<>(read.get(i).headers().keySet()), "header order of offset " + i);
        }
        assertEquals(0, log.startOffset());
        assertEquals(31, log.endOffset());
        LogStats stats = log.stats();
        assertEquals(0, stats.startOffset());
        assertEquals(31, stats.endOffset());
        assertEquals(31, stats.messages());
        assertTrue(stats.bytes() > 0);
    }

    @Test
    void readHonoursMaxRecordsMaxOffsetAndMaxBytes() {
        PartitionLog log = newLog();
        appendOneByOne(log, 0, 99);
        int size = record(0, 1, 0, VALUE_BYTES).sizeInBytes();

        assertEquals(range(10, 14), offsets(log.read(10, Long.MAX_VALUE, 5, Integer.MAX_VALUE)));
        assertEquals(range(10, 12), offsets(log.read(10, 12, 100, Integer.MAX_VALUE)));
        assertEquals(range(0, 2), offsets(log.read(0, Long.MAX_VALUE, 100, 3 * size)));
        assertEquals(range(0, 1), offsets(log.read(0, Long.MAX_VALUE, 100, 3 * size - 1)));
        assertEquals(List.of(0L), offsets(log.read(0, Long.MAX_VALUE, 100, 1)), "always at least one record");
        assertEquals(range(95, 99), offsets(log.read(95, Long.MAX_VALUE, 100, Integer.MAX_VALUE)));
        assertEquals(List.of(), log.read(100, Long.MAX_VALUE, 100, Integer.MAX_VALUE), "from == endOffset");
        assertEquals(List.of(), log.read(5000, Long.MAX_VALUE, 100, Integer.MAX_VALUE), "from beyond the end");
        assertEquals(List.of(), log.read(20, 19, 100, Integer.MAX_VALUE), "maxOffset below from");
        assertThrows(IllegalArgumentException.class, () -> log.read(0, Long.MAX_VALUE, 0, 100));
        assertThrows(IllegalArgumentException.class, () -> log.read(0, Long.MAX_VALUE, 10, 0));
    }

    @Test
    void readsCrossSegmentsFromAnywhere() {
        PartitionLog log = newLog();
        appendOneByOne(log, 0, 94);
        settle(log);
        assertEquals(10, log.stats().segments(), "10 records per segment: 9 full ones and the active one");
        assertEquals(range(0, 94), offsets(log.read(0, Long.MAX_VALUE, 1000, Integer.MAX_VALUE)));
        for (long from = 0; from < 95; from += 7) {
            List<Record> chunk = log.read(from, from + 12, 1000, Integer.MAX_VALUE);
            assertEquals(range(from, Math.min(94, from + 12)), offsets(chunk));
            for (Record r : chunk) {
                assertTrue(TestRecords.hasDerivedValue(r, VALUE_BYTES), "value of " + r.offset());
                assertEquals(T0 + r.offset(), r.timestamp());
            }
        }
    }

    @Test
    void offsetsMustGrowAndNothingIsAppendedFromABadBatch() {
        PartitionLog log = newLog();
        log.append(batch(0, 3, 1, T0, VALUE_BYTES));
        assertThrows(IllegalArgumentException.class, () -> log.append(List.of(record(2, 1, T0, VALUE_BYTES))));
        assertThrows(IllegalArgumentException.class, () -> log.append(List.of(record(1, 1, T0, VALUE_BYTES))));
        assertThrows(IllegalArgumentException.class,
                () -> log.append(List.of(record(5, 1, T0, VALUE_BYTES), record(4, 1, T0, VALUE_BYTES))));
        assertThrows(IllegalArgumentException.class,
                () -> log.append(List.of(record(6, 1, T0, VALUE_BYTES), record(6, 1, T0, VALUE_BYTES))));
        Map<String, String> badHeaders = new HashMap<>();
        badHeaders.put("h", null);
        assertThrows(IllegalArgumentException.class, () -> log.append(List.of(record(3, 1, T0, VALUE_BYTES),
                new Record(4, 1, T0, null, badHeaders, new byte[1]))));
        assertEquals(3, log.endOffset(), "a rejected batch leaves nothing behind");
        assertEquals(range(0, 2), offsets(readAll(log)));

        log.append(List.of());
        assertEquals(3, log.endOffset(), "an empty batch is a no-op");

        log.append(List.of(record(10, 1, T0, VALUE_BYTES), record(20, 1, T0, VALUE_BYTES)));
        assertEquals(21, log.endOffset(), "gaps are allowed");
        assertEquals(List.of(10L, 20L), offsets(log.read(3, Long.MAX_VALUE, 100, Integer.MAX_VALUE)));
        assertEquals(List.of(20L), offsets(log.read(11, Long.MAX_VALUE, 100, Integer.MAX_VALUE)));
        assertThrows(IllegalArgumentException.class, () -> log.append(List.of(record(15, 1, T0, VALUE_BYTES))));
    }

    @Test
    void aLogThatHoldsNothingStartsWhereItsFirstRecordIs() {
        PartitionLog log = newLog();
        log.append(batch(100, 2, 1, T0, VALUE_BYTES));
        assertEquals(100, log.startOffset());
        assertEquals(102, log.endOffset());
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(0, Long.MAX_VALUE, 10, 1000));
        assertEquals(List.of(100L, 101L), offsets(readAll(log)));
    }

    // ---------------------------------------------------------------- time

    @Test
    void offsetForTimestampWithIncreasingTimestamps() {
        PartitionLog log = newLog();
        for (long o = 0; o < 50; o++) {
            log.append(List.of(record(o, 1, T0 + o * 10, VALUE_BYTES)));
        }
        assertEquals(0, log.offsetForTimestamp(0));
        assertEquals(0, log.offsetForTimestamp(T0));
        assertEquals(1, log.offsetForTimestamp(T0 + 1));
        assertEquals(23, log.offsetForTimestamp(T0 + 230));
        assertEquals(24, log.offsetForTimestamp(T0 + 231));
        assertEquals(49, log.offsetForTimestamp(T0 + 490));
        assertEquals(50, log.offsetForTimestamp(T0 + 491), "none that late: endOffset");
    }

    @Test
    void offsetForTimestampWithTimestampsThatJumpAround() {
        PartitionLog log = newLog(config().withIndexIntervalBytes(RECORD_BYTES * 3));
        Random random = new Random(11);
        long[] timestamps = new long[300];
        for (int o = 0; o < timestamps.length; o++) {
            timestamps[o] = T0 + random.nextInt(10_000);
            log.append(List.of(record(o, 1, timestamps[o], VALUE_BYTES)));
        }
        settle(log);
        assertTrue(log.stats().segments() > 20);
        for (int q = 0; q < 400; q++) {
            long target = T0 - 10 + random.nextInt(10_030);
            long expected = timestamps.length;
            for (int o = 0; o < timestamps.length; o++) {
                if (timestamps[o] >= target) {
                    expected = o;
                    break;
                }
            }
            assertEquals(expected, log.offsetForTimestamp(target), "timestamp " + target);
        }
    }

    @Test
    void segmentsAlsoRollByAge() {
        PartitionLog log = newLog(config().withSegmentBytes(1 << 20).withSegmentMs(60_000));
        log.append(List.of(record(0, 1, clock.millis(), VALUE_BYTES)));
        clock.advance(59_999);
        log.append(List.of(record(1, 1, clock.millis(), VALUE_BYTES)));
        assertEquals(1, log.stats().segments());
        clock.advance(1);
        log.append(List.of(record(2, 1, clock.millis(), VALUE_BYTES)));
        assertEquals(2, log.stats().segments());
        assertEquals(range(0, 2), offsets(readAll(log)));
    }

    // ---------------------------------------------------------------- truncation

    @Test
    void truncateWithinTheActiveSegment() {
        PartitionLog log = newLog();
        appendOneByOne(log, 0, 7);
        log.truncateAfter(4);
        assertEquals(5, log.endOffset());
        assertEquals(range(0, 4), offsets(readAll(log)));
        assertEquals(List.of(), log.read(5, Long.MAX_VALUE, 10, 10_000));
        log.append(List.of(record(5, 2, T0, VALUE_BYTES)));
        assertEquals(2, readAll(log).get(5).epoch());
        if (persistent()) {
            PartitionLog again = reopen(log, config());
            assertEquals(6, again.endOffset());
            assertEquals(range(0, 5), offsets(readAll(again)));
        }
    }

    @Test
    void truncateAcrossSegmentsIntoASealedOne() {
        PartitionLog log = newLog();
        appendOneByOne(log, 0, 94);
        settle(log);
        log.truncateAfter(57);
        assertEquals(58, log.endOffset());
        List<Record> all = readAll(log);
        assertEquals(range(0, 57), offsets(all));
        assertTrue(all.stream().allMatch(r -> TestRecords.hasDerivedValue(r, VALUE_BYTES)));
        assertEquals(6, log.stats().segments(), "segments 0..4 stay, 5 is cut and becomes the active one");

        // The cut segment fills up to its size again before the next roll.
        appendOneByOne(log, 58, 70);
        assertEquals(range(0, 70), offsets(readAll(log)));
        assertEquals(8, log.stats().segments(), "0..4, the refilled 50..59, then 60..69 and 70");
        if (persistent()) {
            settle(log);
            PartitionLog again = reopen(log, config());
            assertEquals(71, again.endOffset());
            assertEquals(range(0, 70), offsets(readAll(again)));
        }
    }

    @Test
    void truncateAtASegmentBoundaryKeepsTheSegmentWhole() {
        PartitionLog log = newLog();
        appendOneByOne(log, 0, 34);
        settle(log);
        log.truncateAfter(19);
        assertEquals(20, log.endOffset());
        assertEquals(range(0, 19), offsets(readAll(log)));
        assertEquals(3, log.stats().segments(), "two whole segments and a new empty active one");
        appendOneByOne(log, 20, 25);
        assertEquals(range(0, 25), offsets(readAll(log)));
    }

    @Test
    void truncateIntoAGapKeepsTheRequestedEnd() {
        PartitionLog log = newLog();
        log.append(List.of(record(0, 1, T0, VALUE_BYTES), record(1, 1, T0, VALUE_BYTES),
                record(10, 1, T0, VALUE_BYTES), record(20, 1, T0, VALUE_BYTES)));
        log.truncateAfter(15);
        assertEquals(16, log.endOffset());
        assertEquals(List.of(0L, 1L, 10L), offsets(readAll(log)));
        assertThrows(IllegalArgumentException.class, () -> log.append(List.of(record(15, 1, T0, VALUE_BYTES))));
        if (persistent()) {
            PartitionLog again = reopen(log, config());
            assertEquals(16, again.endOffset(), "the end offset survives a restart");
            again.append(List.of(record(16, 1, T0, VALUE_BYTES)));
            assertEquals(List.of(0L, 1L, 10L, 16L), offsets(readAll(again)));
        } else {
            log.append(List.of(record(16, 1, T0, VALUE_BYTES)));
        }
    }

    @Test
    void truncateEverythingAndBelowTheStart() {
        PartitionLog log = newLog();
        appendOneByOne(log, 0, 24);
        log.truncateAfter(-1);
        assertEquals(0, log.startOffset());
        assertEquals(0, log.endOffset());
        assertEquals(List.of(), readAll(log));
        appendOneByOne(log, 0, 34);
        settle(log);
        log.enforceRetention(new RetentionPolicy(10, 0, 0));
        assertEquals(20, log.startOffset());
        log.truncateAfter(12); // below the start: the log restarts at 13
        assertEquals(13, log.startOffset());
        assertEquals(13, log.endOffset());
        assertEquals(List.of(), log.read(13, Long.MAX_VALUE, 10, 10_000));
        appendOneByOne(log, 13, 15);
        assertEquals(range(13, 15), offsets(readAll(log)));
        assertThrows(IllegalArgumentException.class, () -> log.truncateAfter(-2));
    }

    @Test
    void truncateAtOrBeyondTheEndChangesNothing() {
        PartitionLog log = newLog();
        appendOneByOne(log, 0, 4);
        log.truncateAfter(4);
        log.truncateAfter(100);
        assertEquals(5, log.endOffset());
        assertEquals(range(0, 4), offsets(readAll(log)));
    }

    // ---------------------------------------------------------------- leader epochs

    @Test
    void epochCacheFollowsAppendsTruncationRetentionAndRestarts() {
        PartitionLog log = newLog();
        int[] epochs = {1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 5, 5, 5, 5, 5};
        for (int o = 0; o < epochs.length; o++) {
            log.append(List.of(record(o, epochs[o], T0 + o, VALUE_BYTES)));
        }
        assertEquals(Map.of(1, 0L, 2, 5L, 5, 15L), log.epochStartOffsets());
        log.append(List.of(record(20, 3, T0, VALUE_BYTES)));
        assertEquals(Map.of(1, 0L, 2, 5L, 5, 15L), log.epochStartOffsets(), "an older epoch starts no entry");
        NavigableMap<Integer, Long> snapshot = log.epochStartOffsets();
        assertThrows(UnsupportedOperationException.class, () -> snapshot.put(9, 9L));

        log.truncateAfter(16);
        assertEquals(Map.of(1, 0L, 2, 5L, 5, 15L), log.epochStartOffsets());
        log.truncateAfter(12);
        assertEquals(Map.of(1, 0L, 2, 5L), log.epochStartOffsets());
        log.append(List.of(record(13, 7, T0, VALUE_BYTES)));
        assertEquals(Map.of(1, 0L, 2, 5L, 7, 13L), log.epochStartOffsets());

        appendOneByOneWithEpoch(log, 14, 44, 8);
        settle(log);
        log.enforceRetention(new RetentionPolicy(15, 0, 0));
        assertEquals(30, log.startOffset());
        assertEquals(Map.of(8, 30L), log.epochStartOffsets(), "the oldest surviving epoch starts at the new start");

        if (persistent()) {
            PartitionLog again = reopen(log, config());
            assertEquals(Map.of(8, 30L), again.epochStartOffsets());
            again.append(List.of(record(45, 9, T0, VALUE_BYTES)));
            assertEquals(Map.of(8, 30L, 9, 45L), again.epochStartOffsets());
        }
    }

    private static void appendOneByOneWithEpoch(PartitionLog log, long from, long to, int epoch) {
        for (long o = from; o <= to; o++) {
            log.append(List.of(record(o, epoch, T0 + o, VALUE_BYTES)));
        }
    }

    // ---------------------------------------------------------------- retention

    @Test
    void retentionByMessageCount() {
        PartitionLog log = newLog();
        appendOneByOne(log, 0, 94);
        settle(log);
        assertEquals(0, log.enforceRetention(RetentionPolicy.UNLIMITED));
        // 95 records; a segment goes while the other 95 - 10k would still be >= 30: six segments go.
        assertEquals(60, log.enforceRetention(new RetentionPolicy(30, 0, 0)));
        assertEquals(60, log.startOffset());
        assertEquals(95, log.endOffset());
        assertEquals(35, log.stats().messages());
        assertEquals(range(60, 94), offsets(readAll(log)));
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(59, Long.MAX_VALUE, 10, 10_000));
        OffsetOutOfRangeException e = assertThrows(OffsetOutOfRangeException.class,
                () -> log.read(0, Long.MAX_VALUE, 10, 10_000));
        assertEquals(60, e.startOffset());
        assertEquals(0, log.enforceRetention(new RetentionPolicy(30, 0, 0)), "nothing more to do");
        assertEquals(0, log.enforceRetention(new RetentionPolicy(36, 0, 0)));
    }

    @Test
    void retentionByBytes() {
        PartitionLog log = newLog();
        appendOneByOne(log, 0, 94);
        settle(log);
        assertEquals(60, log.enforceRetention(new RetentionPolicy(0, 30L * RECORD_BYTES, 0)));
        assertEquals(60, log.startOffset());
        assertEquals(10, log.enforceRetention(new RetentionPolicy(0, 25L * RECORD_BYTES, 0)),
                "25 records remain, exactly the limit");
        assertEquals(70, log.startOffset());
        assertEquals(range(70, 94), offsets(readAll(log)));
    }

    @Test
    void retentionNeverTakesTheActiveSegmentBySize() {
        PartitionLog log = newLog();
        appendOneByOne(log, 0, 24);
        settle(log);
        assertEquals(20, log.enforceRetention(new RetentionPolicy(1, 1, 0)));
        assertEquals(20, log.startOffset());
        assertEquals(range(20, 24), offsets(readAll(log)));
    }

    @Test
    void retentionByAgeUsesTheNewestTimestampOfASegmentAndTheInjectedClock() {
        PartitionLog log = newLog();
        for (long o = 0; o < 35; o++) {
            log.append(List.of(record(o, 1, clock.millis(), VALUE_BYTES)));
            clock.advance(1_000);
        }
        // now = T0 + 35s; segment i's newest record was written at T0 + (10i + 9)s.
        settle(log);
        assertEquals(0, log.enforceRetention(new RetentionPolicy(0, 0, 26_000)), "segment 0's newest is 26 s old");
        assertEquals(10, log.enforceRetention(new RetentionPolicy(0, 0, 25_999)));
        assertEquals(10, log.startOffset());
        clock.advance(10_000);
        assertEquals(10, log.enforceRetention(new RetentionPolicy(0, 0, 25_999)));
        assertEquals(20, log.startOffset());

        // Everything is old: the active segment is sealed so it can go too.
        clock.advance(1_000_000);
        assertEquals(15, log.enforceRetention(new RetentionPolicy(0, 0, 25_999)));
        assertEquals(35, log.startOffset());
        assertEquals(35, log.endOffset());
        assertEquals(0, log.stats().messages());
        assertEquals(List.of(), log.read(35, Long.MAX_VALUE, 10, 10_000));
        log.append(List.of(record(35, 1, clock.millis(), VALUE_BYTES)));
        assertEquals(List.of(35L), offsets(readAll(log)));
    }

    // ---------------------------------------------------------------- compaction

    @Test
    void compactionKeepsTheNewestRecordPerKeyAndEveryKeylessOne() {
        PartitionLog log = newLog();
        List<Record> written = new ArrayList<>();
        for (long o = 0; o < 45; o++) {
            String key = o % 4 == 3 ? null : "k" + (o % 3); // keys k0,k1,k2 and some keyless records
            if (o == 44) {
                key = "k0"; // the newest k0 is in the active segment
            }
            Record r = keyed(o, 1, T0 + o, key, VALUE_BYTES - 2);
            written.add(r);
            log.append(List.of(r));
        }
        settle(log);
        Map<String, Long> newest = new HashMap<>();
        for (Record r : written) {
            if (r.key() != null) {
                newest.put(new String(r.key(), StandardCharsets.UTF_8), r.offset());
            }
        }
        List<Record> expected = new ArrayList<>();
        for (Record r : written) {
            boolean active = r.offset() >= 40;
            if (active || r.key() == null || newest.get(new String(r.key(), StandardCharsets.UTF_8)) == r.offset()) {
                expected.add(r);
            }
        }
        NavigableMap<Integer, Long> epochsBefore = log.epochStartOffsets();

        assertEquals(written.size() - expected.size(), log.compact());
        assertEquals(expected, readAll(log));
        assertEquals(expected.size(), log.stats().messages());
        assertEquals(0, log.startOffset(), "compaction keeps the start offset");
        assertEquals(45, log.endOffset());
        assertEquals(epochsBefore, log.epochStartOffsets());
        long firstGap = written.stream().filter(r -> !expected.contains(r)).findFirst().orElseThrow().offset();
        assertEquals(expected.stream().filter(r -> r.offset() > firstGap).findFirst().orElseThrow(),
                log.read(firstGap, Long.MAX_VALUE, 1, 10_000).get(0), "a read from a removed offset skips ahead");
        assertEquals(0, log.compact(), "compacting twice removes nothing more");

        log.append(List.of(keyed(45, 1, T0, "k1", VALUE_BYTES - 2)));
        if (persistent()) {
            PartitionLog again = reopen(log, config());
            List<Record> afterRestart = readAll(again);
            assertEquals(expected.size() + 1, afterRestart.size());
            assertEquals(expected, afterRestart.subList(0, expected.size()));
        }
    }

    // ---------------------------------------------------------------- life cycle and concurrency

    @Test
    void aClosedLogRefusesWork() {
        PartitionLog log = newLog();
        appendOneByOne(log, 0, 2);
        log.close();
        log.close();
        assertThrows(LogException.class, () -> log.read(0, Long.MAX_VALUE, 10, 1000));
        assertThrows(LogException.class, () -> log.append(List.of(record(3, 1, T0, VALUE_BYTES))));
        assertThrows(LogException.class, log::sync);
    }

    @Test
    void reopenSeesEverything() {
        assumeTrue(persistent());
        LogConfig config = config();
        PartitionLog log = newLog(config);
        for (long o = 0; o < 77; o += 7) {
            log.append(batch(o, 7, (int) (o / 20) + 1, T0, VALUE_BYTES));
            log.sync();
        }
        settle(log);
        List<Record> before = readAll(log);
        LogStats statsBefore = log.stats();
        NavigableMap<Integer, Long> epochsBefore = log.epochStartOffsets();
        PartitionLog again = reopen(log, config);
        assertEquals(before, readAll(again));
        assertEquals(statsBefore.startOffset(), again.startOffset());
        assertEquals(statsBefore.endOffset(), again.endOffset());
        assertEquals(statsBefore.messages(), again.stats().messages());
        assertEquals(epochsBefore, again.epochStartOffsets());
        assertEquals(T0 + 50, again.read(again.offsetForTimestamp(T0 + 50), Long.MAX_VALUE, 1, 1).get(0)
                .timestamp());
        again.append(batch(77, 3, 9, T0, VALUE_BYTES));
        assertEquals(80, again.endOffset());
    }

    @Test
    void readersRunAlongsideAppendsRetentionAndCompaction() throws Exception {
        PartitionLog log = newLog(config().withSegmentBytes(100L * RECORD_BYTES));
        int total = 6_000;
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong reads = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            long seed = r;
            threads.add(new Thread(() -> {
                Random random = new Random(seed);
                while (!done.get()) {
                    long start = log.startOffset();
                    long end = log.endOffset();
                    long from = end <= start ? start : start + (long) (random.nextDouble() * (end - start));
                    try {
                        List<Record> chunk = log.read(from, Long.MAX_VALUE, 1 + random.nextInt(300), 1 << 20);
                        long previous = from - 1;
                        for (Record record : chunk) {
                            if (record.offset() <= previous || !TestRecords.hasDerivedValue(record, VALUE_BYTES)
                                    || record.timestamp() != T0 + record.offset()) {
                                failures.add(new AssertionError("bad record " + record + " after " + previous));
                            }
                            previous = record.offset();
                        }
                        log.offsetForTimestamp(T0 + from);
                        reads.incrementAndGet();
                    } catch (OffsetOutOfRangeException e) {
                        // retention moved the start past us: fine
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }
            }, "reader-" + r));
        }
        CountDownLatch maintenanceDone = new CountDownLatch(1);
        Thread maintenance = new Thread(() -> {
            try {
                while (!done.get()) {
                    log.enforceRetention(new RetentionPolicy(1_500, 0, 0));
                    log.compact();
                    log.stats();
                }
            } catch (Throwable t) {
                failures.add(t);
            } finally {
                maintenanceDone.countDown();
            }
        }, "maintenance");
        threads.forEach(Thread::start);
        maintenance.start();
        try {
            for (long o = 0; o < total; o += 20) {
                List<Record> records = new ArrayList<>();
                for (long i = o; i < o + 20; i++) {
                    String key = i % 5 == 0 ? null : "key-" + (i % 7);
                    records.add(new Record(i, 1, T0 + i, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                            Map.of(), TestRecords.valueFor(i, VALUE_BYTES)));
                }
                log.append(records);
                log.sync();
            }
        } finally {
            done.set(true);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
            assertTrue(maintenanceDone.await(30, TimeUnit.SECONDS));
        }
        assertTrue(failures.isEmpty(), () -> "failures: " + failures.stream().map(Throwable::toString).toList());
        assertTrue(reads.get() > 10, "readers made progress: " + reads.get());
        assertEquals(total, log.endOffset());
        // Whether retention removes anything here depends on how much compaction (racing with the appends) already
        // removed, so only consistency is checked: the newest record survives and everything left reads back.
        log.enforceRetention(new RetentionPolicy(1_500, 0, 0));
        List<Record> remaining = readAll(log);
        assertFalse(remaining.isEmpty());
        assertEquals(total - 1, remaining.get(remaining.size() - 1).offset());
    }
}
