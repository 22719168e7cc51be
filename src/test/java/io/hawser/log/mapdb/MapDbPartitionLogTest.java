package io.hawser.log.mapdb;

import io.hawser.log.LogConfig;
import io.hawser.log.LogException;
import io.hawser.log.MutableClock;
import io.hawser.log.OpenedLogs;
import io.hawser.log.Record;
import io.hawser.log.RecordCodec;
import io.hawser.log.RetentionPolicy;
import io.hawser.log.TestRecords;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.hawser.log.TestRecords.batch;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What only the on-disk log has to get right: files, recovery, crashes and disk space. */
class MapDbPartitionLogTest {
    private static final int VALUE = 100;
    private static final long T0 = 1_700_000_000_000L;
    private static final int RECORD_BYTES = RecordCodec.encodedSize(TestRecords.record(0, 0, 0, VALUE));

    @TempDir
    Path tempDir;
    private final MutableClock clock = new MutableClock(T0);
    @RegisterExtension
    final OpenedLogs opened = new OpenedLogs();

    private LogConfig config() {
        return new LogConfig(10L * RECORD_BYTES, 0, 4 * RECORD_BYTES, clock);
    }

    private MapDbPartitionLog open(Path dir) {
        return opened.track(MapDbPartitionLog.open(dir, config()));
    }

    private static List<Record> readAll(MapDbPartitionLog log) {
        List<Record> all = new ArrayList<>();
        long from = log.startOffset();
        for (List<Record> chunk; !(chunk = log.read(from, Long.MAX_VALUE, 500, Integer.MAX_VALUE)).isEmpty(); ) {
            all.addAll(chunk);
            from = chunk.get(chunk.size() - 1).offset() + 1;
        }
        return all;
    }

    /** A closed log in {@code tempDir/log} holding offsets 0..{@code last}, appended as {@link #appendBatches}. */
    private Path closedLog(long last, int batchSize) {
        Path dir = tempDir.resolve("log");
        MapDbPartitionLog log = open(dir);
        appendBatches(log, 0, last, batchSize);
        log.close();
        return dir;
    }

    private static void appendBatches(MapDbPartitionLog log, long from, long to, int batchSize) {
        for (long o = from; o <= to; o += batchSize) {
            log.append(batch(o, (int) Math.min(batchSize, to - o + 1), 1, T0, VALUE));
            log.sync();
        }
    }

    @Test
    void reopenRecoversSealedSegmentsAndTheActiveJournal() {
        Path dir = tempDir.resolve("log");
        MapDbPartitionLog log = open(dir);
        appendBatches(log, 0, 94, 5);
        log.awaitSealing();
        assertEquals(9, LogFiles.withSuffix(dir, ".seg").size(), "full segments are sealed into MapDB files");
        assertEquals(1, LogFiles.withSuffix(dir, ".journal").size(), "only the active segment is a journal");
        List<Record> before = readAll(log);
        long messages = log.stats().messages();
        log.close();

        MapDbPartitionLog again = open(dir);
        assertEquals(before, readAll(again));
        assertEquals(messages, again.stats().messages());
        assertEquals(95, again.endOffset());
        again.append(batch(95, 5, 2, T0, VALUE));
        again.sync();
        assertEquals(100, readAll(again).size());
        assertTrue(again.knownCorruptOffsets().isEmpty());
    }

    @Test
    void aTornTailOfGarbageIsCutOff() throws IOException {
        Path dir = closedLog(8, 3);
        Path journal = LogFiles.withSuffix(dir, ".journal").get(0);
        long goodSize = Files.size(journal);
        byte[] garbage = new byte[37];
        new Random(3).nextBytes(garbage);
        Files.write(journal, garbage, StandardOpenOption.APPEND);

        MapDbPartitionLog again = open(dir);
        assertEquals(9, again.endOffset());
        assertEquals(batch(0, 9, 1, T0, VALUE), readAll(again));
        assertEquals(goodSize, Files.size(journal), "the torn tail is gone from the file");
        assertTrue(again.knownCorruptOffsets().isEmpty(), "a torn tail is not corruption");
        again.append(batch(9, 3, 1, T0, VALUE));
        again.sync();
        again.close();
        assertEquals(batch(0, 12, 1, T0, VALUE), readAll(open(dir)));
    }

    @Test
    void theActiveJournalKeepsZerosAheadWhichACrashLeavesBehindAsFreeSpace() throws IOException {
        Path dir = tempDir.resolve("log");
        MapDbPartitionLog log = open(dir);
        appendBatches(log, 0, 24, 5); // offsets 0..24: two full segments rolled, 5 records in the active journal
        log.sync();
        List<Path> journals = LogFiles.withSuffix(dir, ".journal");
        Path activeJournal = journals.get(journals.size() - 1);
        long dataEnd = lastFrameEnd(activeJournal);
        assertTrue(Files.size(activeJournal) >= dataEnd + Journal.PREALLOCATE_BYTES / 2,
                "zeros are written ahead: " + Files.size(activeJournal) + " bytes for " + dataEnd + " of frames");
        for (Path rolled : journals.subList(0, journals.size() - 1)) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(rolled);
            } catch (java.nio.file.NoSuchFileException sealedMeanwhile) {
                continue; // the sealer converted and deleted it already
            }
            assertEquals(lastFrameEnd(bytes), bytes.length, "a rolled journal ends at its last frame");
        }
        log.awaitSealing(); // no file is deleted under the copies below

        // A crash: the files as they are while the log is open, zeros and all.
        Path crashed = copyOfFiles(dir, "crashed");
        Path copiedJournal = crashed.resolve(activeJournal.getFileName());
        MapDbPartitionLog again = open(crashed);
        assertEquals(25, again.endOffset());
        assertEquals(batch(0, 25, 1, T0, VALUE), readAll(again));
        assertTrue(again.knownCorruptOffsets().isEmpty(), "free space is not corruption");
        again.append(batch(25, 3, 1, T0, VALUE));
        again.sync();
        again.close();
        assertEquals(lastFrameEnd(copiedJournal), Files.size(copiedJournal), "closing cuts the zeros off");
        assertEquals(batch(0, 28, 1, T0, VALUE), readAll(open(crashed)));

        // A torn write into the free space: non-zero bytes after the last frame, zeros after them.
        log.append(batch(25, 2, 1, T0, VALUE));
        log.sync();
        Path torn = copyOfFiles(dir, "torn");
        Path tornJournal = torn.resolve(activeJournal.getFileName());
        long end = lastFrameEnd(tornJournal);
        try (FileChannel channel = FileChannel.open(tornJournal, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[]{0x48, 0x57, 0x53, 0x46, 0, 0, 1}), end);
        }
        MapDbPartitionLog third = open(torn);
        assertEquals(batch(0, 27, 1, T0, VALUE), readAll(third));
        assertTrue(third.knownCorruptOffsets().isEmpty());
        assertEquals(end, Files.size(tornJournal), "the torn tail and the zeros after it are cut off");
    }

    /** A copy of a log's files (not its lock) as they are now: what a crash at this moment leaves. */
    private Path copyOfFiles(Path dir, String name) throws IOException {
        Path copy = tempDir.resolve(name);
        Files.createDirectories(copy);
        for (Path file : LogFiles.withSuffix(dir, "")) {
            if (!file.getFileName().toString().endsWith(".lock")) {
                Files.copy(file, copy.resolve(file.getFileName()));
            }
        }
        return copy;
    }

    /** Where the frames of a journal end (zeros after them are free space). */
    private static long lastFrameEnd(Path journal) throws IOException {
        return lastFrameEnd(Files.readAllBytes(journal));
    }

    private static long lastFrameEnd(byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        int position = Journal.HEADER_BYTES;
        while (position + Journal.FRAME_HEADER_BYTES <= bytes.length && buffer.getInt(position) == Journal.FRAME_MAGIC) {
            position += Journal.FRAME_HEADER_BYTES + buffer.getInt(position + 4);
        }
        return position;
    }

    @Test
    void aLastFrameCutShortOrFailingItsChecksumIsATornTail() throws IOException {
        Path dir = closedLog(5, 3);
        Path journal = LogFiles.withSuffix(dir, ".journal").get(0);
        long lastFrame = LogFiles.framePositions(journal).get(1);
        long fullSize = Files.size(journal);

        // A write that stopped half way: the last frame is incomplete.
        try (FileChannel channel = FileChannel.open(journal, StandardOpenOption.WRITE)) {
            channel.truncate(lastFrame + (fullSize - lastFrame) / 2);
        }
        MapDbPartitionLog again = open(dir);
        assertEquals(3, again.endOffset(), "the unfinished batch was never acknowledged");
        assertEquals(batch(0, 3, 1, T0, VALUE), readAll(again));
        assertEquals(lastFrame, Files.size(journal));
        appendBatches(again, 3, 5, 3);
        again.close();

        // A complete last frame whose bytes did not all reach the disk: checksum fails, nothing valid follows.
        LogFiles.flipBit(journal, LogFiles.framePositions(journal).get(1) + 40);
        MapDbPartitionLog third = open(dir);
        assertEquals(3, third.endOffset());
        assertEquals(batch(0, 3, 1, T0, VALUE), readAll(third));
    }

    @Test
    void leftoversOfAnInterruptedSealingAreCleanedUpAndTheSealingIsRedone() throws IOException {
        Path dir = tempDir.resolve("log");
        MapDbPartitionLog log = open(dir);
        appendBatches(log, 0, 9, 5); // exactly one full segment, still the active journal
        Path journal0 = SegmentFiles.journal(dir, 0);
        Path savedJournal = tempDir.resolve("saved.journal");
        Files.copy(journal0, savedJournal);
        appendBatches(log, 10, 14, 5); // rolls; segment 0 gets sealed
        log.awaitSealing();
        log.close();
        assertTrue(Files.exists(SegmentFiles.sealed(dir, 0)));
        assertFalse(Files.exists(journal0));

        // A crash after the sealed file was renamed into place but before the journal was deleted ...
        Files.copy(savedJournal, journal0);
        // ... and earlier crashes that left half-built files behind.
        Files.write(dir.resolve("00000000000000000010.seg.tmp"), new byte[1000]);
        Files.write(dir.resolve("00000000000000000020.journal.tmp"), new byte[10]);
        Files.write(dir.resolve("00000000000000000000.seg.compact.tmp"), new byte[3 << 20]);

        MapDbPartitionLog again = open(dir);
        // (The redone sealing may already be writing its own temp file, so check the leftovers by name.)
        assertFalse(Files.exists(dir.resolve("00000000000000000010.seg.tmp")), "temp files are deleted at open");
        assertFalse(Files.exists(dir.resolve("00000000000000000020.journal.tmp")), "temp files are deleted at open");
        assertFalse(Files.exists(dir.resolve("00000000000000000000.seg.compact.tmp")),
                "temp files are deleted at open");
        assertEquals(batch(0, 15, 1, T0, VALUE), readAll(again));
        again.awaitSealing();
        assertTrue(Files.exists(SegmentFiles.sealed(dir, 0)), "segment 0 is sealed again");
        assertFalse(Files.exists(journal0), "... from its journal, which is then deleted");
        assertEquals(batch(0, 15, 1, T0, VALUE), readAll(again));
    }

    @Test
    void truncationRacingAPendingSealingStaysCorrect() throws IOException {
        for (int round = 0; round < 4; round++) {
            Path dir = tempDir.resolve("log-" + round);
            MapDbPartitionLog log = open(dir);
            appendBatches(log, 0, 9, 5);
            Path saved = tempDir.resolve("saved-" + round);
            Files.copy(SegmentFiles.journal(dir, 0), saved);
            appendBatches(log, 10, 24, 5);
            log.awaitSealing();
            log.close();
            // Reopen with segment 0 back as a journal: it is queued for sealing as the log opens ...
            Files.delete(SegmentFiles.sealed(dir, 0));
            Files.copy(saved, SegmentFiles.journal(dir, 0));
            MapDbPartitionLog again = open(dir);
            // ... and truncated into right away, while the sealer may be converting it.
            long lastKept = 3 + round;
            again.truncateAfter(lastKept);
            again.append(batch(lastKept + 1, 2, 2, T0, VALUE));
            again.awaitSealing();
            List<Record> expected = new ArrayList<>(batch(0, (int) lastKept + 1, 1, T0, VALUE));
            expected.addAll(batch(lastKept + 1, 2, 2, T0, VALUE));
            assertEquals(expected, readAll(again));
            again.close();
            assertEquals(expected, readAll(open(dir)), "round " + round + " after reopen");
        }
    }

    @Test
    void filesThatCannotBeOpenedAreReportedByNameAndLeftAlone() throws IOException {
        // Not a MapDB file at all.
        Path dir = tempDir.resolve("garbage-seg");
        Files.createDirectories(dir);
        Path seg = SegmentFiles.sealed(dir, 0);
        byte[] garbage = new byte[2 << 20];
        new Random(5).nextBytes(garbage);
        Files.write(seg, garbage);
        LogException e = assertThrows(LogException.class, () -> MapDbPartitionLog.open(dir, config()));
        assertTrue(e.getMessage().contains(seg.toString()), e.getMessage());
        assertArrayEquals(garbage, Files.readAllBytes(seg), "never replaced or wiped");
        Files.delete(seg);
        open(dir).close(); // no lock or mapping leaked by the failed attempt

        // A sealed file cut short.
        Path dir2 = tempDir.resolve("short-seg");
        MapDbPartitionLog log = open(dir2);
        appendBatches(log, 0, 14, 5);
        log.awaitSealing();
        log.close();
        Path sealed = SegmentFiles.sealed(dir2, 0);
        try (FileChannel channel = FileChannel.open(sealed, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() - 100);
        }
        e = assertThrows(LogException.class, () -> MapDbPartitionLog.open(dir2, config()));
        assertTrue(e.getMessage().contains(sealed.toString()), e.getMessage());

        // A journal whose header is damaged.
        Path dir3 = tempDir.resolve("bad-header");
        MapDbPartitionLog log3 = open(dir3);
        appendBatches(log3, 0, 4, 5);
        log3.close();
        Path journal = SegmentFiles.journal(dir3, 0);
        LogFiles.flipBit(journal, 7);
        byte[] damaged = Files.readAllBytes(journal);
        e = assertThrows(LogException.class, () -> MapDbPartitionLog.open(dir3, config()));
        assertTrue(e.getMessage().contains(journal.toString()) && e.getMessage().contains("header"), e.getMessage());
        assertArrayEquals(damaged, Files.readAllBytes(journal));

        // The directory is a file.
        Path notADirectory = tempDir.resolve("plain-file");
        Files.write(notADirectory, new byte[1]);
        e = assertThrows(LogException.class, () -> MapDbPartitionLog.open(notADirectory, config()));
        assertTrue(e.getMessage().contains(notADirectory.toString()), e.getMessage());
    }

    @Test
    void aDirectoryIsOpenedByOneLogAtATime() {
        Path dir = tempDir.resolve("log");
        MapDbPartitionLog log = open(dir);
        LogException e = assertThrows(LogException.class, () -> MapDbPartitionLog.open(dir, config()));
        assertTrue(e.getMessage().contains("already open"), e.getMessage());
        log.close();
        open(dir).close();
    }

    @Test
    void retentionAndCompactionGiveDiskSpaceBack() {
        Path dir = tempDir.resolve("log");
        MapDbPartitionLog log = open(dir);
        for (long o = 0; o < 200; o++) {
            log.append(List.of(TestRecords.keyed(o, 1, T0, "key-" + (o % 3), VALUE - 5)));
        }
        log.sync();
        log.awaitSealing();
        long before = LogFiles.totalBytes(dir);
        int sealedBefore = LogFiles.withSuffix(dir, ".seg").size();
        assertEquals(before, log.stats().bytes() + 0, "stats report the bytes on disk (lock file is empty)");

        long removed = log.enforceRetention(new RetentionPolicy(50, 0, 0));
        assertEquals(150, removed);
        long after = LogFiles.totalBytes(dir);
        assertEquals(sealedBefore - 15, LogFiles.withSuffix(dir, ".seg").size(), "whole files are deleted");
        assertTrue(after < before / 3, "disk use " + before + " -> " + after);
        assertEquals(after, log.stats().bytes());
        assertEquals(List.of(), LogFiles.deletedButMapped(dir), "deleted segments are unmapped, so space returns");

        assertTrue(log.compact() > 0);
        assertEquals(List.of(), LogFiles.deletedButMapped(dir), "replaced segments are unmapped too");
        assertTrue(LogFiles.totalBytes(dir) <= after);
        assertEquals(List.of(), LogFiles.withSuffix(dir, ".tmp"));
    }

    @Test
    void syncedRecordsSurviveAndSyncIsCheapWhenThereIsNothingNew() {
        Path dir = tempDir.resolve("log");
        MapDbPartitionLog log = open(dir);
        log.sync(); // nothing appended yet
        appendBatches(log, 0, 29, 10);
        for (int i = 0; i < 100; i++) {
            log.sync(); // covered already: no fsync each time
        }
        log.close();
        assertEquals(batch(0, 30, 1, T0, VALUE), readAll(open(dir)));
    }

    @Test
    void deleteRemovesTheDirectory() {
        Path dir = tempDir.resolve("log");
        MapDbPartitionLog log = open(dir);
        appendBatches(log, 0, 24, 5);
        log.awaitSealing();
        log.delete();
        assertFalse(Files.exists(dir));
        assertThrows(LogException.class, () -> log.read(0, 10, 10, 1000));
    }

    @Test
    void aJournalRenamedFromElsewhereIsRejected() throws IOException {
        Path dir = closedLog(4, 5);
        Files.move(SegmentFiles.journal(dir, 0), SegmentFiles.journal(dir, 7), StandardCopyOption.ATOMIC_MOVE);
        LogException e = assertThrows(LogException.class, () -> MapDbPartitionLog.open(dir, config()));
        assertTrue(e.getMessage().contains("base offset"), e.getMessage());
    }

    @Test
    void aRecordFiledUnderAnotherOffsetInsideAValidFrameIsReportedNotTrusted() throws IOException {
        // Two records swapped inside a frame whose checksum is then recomputed: only the per-record offset check
        // can tell. Recovery must refuse the frame rather than serve the records under the wrong offsets.
        Path dir = closedLog(1, 2);
        Path journal = SegmentFiles.journal(dir, 0);
        byte[] bytes = Files.readAllBytes(journal);
        int frame = LogFiles.framePositions(journal).get(0).intValue();
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int firstEntry = frame + Journal.FRAME_HEADER_BYTES + Journal.BODY_PREFIX_BYTES + 4;
        b.putLong(firstEntry, 1); // the frame now files offset 0's record under offset 1 (and 1 under 1)
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        int bodyLength = b.getInt(frame + 4);
        crc.update(bytes, frame + Journal.FRAME_HEADER_BYTES, bodyLength);
        b.putInt(frame + 8, (int) crc.getValue());
        Files.write(journal, bytes);
        LogException e = assertThrows(LogException.class, () -> MapDbPartitionLog.open(dir, config()));
        assertTrue(e.getMessage().contains(journal.toString()), e.getMessage());
    }
}
