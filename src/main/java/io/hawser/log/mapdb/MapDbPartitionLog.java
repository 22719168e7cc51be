package io.hawser.log.mapdb;

import io.hawser.log.CorruptRecordException;
import io.hawser.log.LogConfig;
import io.hawser.log.LogException;
import io.hawser.log.LogStats;
import io.hawser.log.OffsetOutOfRangeException;
import io.hawser.log.PartitionLog;
import io.hawser.log.Record;
import io.hawser.log.RecordCodec;
import io.hawser.log.RetentionPolicy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;

/**
 * A partition log on disk: an active journal (durability by group-committed fsync) followed, oldest first, by
 * sealed MapDB segment files. See {@code docs/storage.md} for the formats and the rules.
 *
 * <p>Life cycle of a segment: the active {@link Journal} takes appends; when an append would take it past
 * {@code segmentBytes} (or it is {@code segmentMs} old) it is fsynced and a new journal takes over at once. The old
 * journal keeps serving reads while a background thread converts it into a {@link SealedSegment} (temp file, close,
 * fsync, rename, fsync directory), swaps it in and deletes the journal. A crash at any point leaves either the
 * journal (conversion redone at open) or both files (the journal wins), and temp files are deleted.
 *
 * <p>Threading: every public method is thread-safe.
 * <ul>
 *   <li>Readers ({@code read}, {@code offsetForTimestamp}, {@code stats}) hold the structure read lock for the
 *       duration of a read; they never wait for an fsync. Whatever removes or replaces a segment takes the structure
 *       write lock only to swap the segment list and close what left it, so a reader never meets a half-deleted or
 *       unmapped segment.</li>
 *   <li>{@code append} runs under the append lock; {@code sync} under its own lock, so appends continue while an
 *       fsync is in flight and one fsync covers every append before it (group commit).</li>
 *   <li>Truncation, retention, compaction and close are serialised by the maintenance lock. Compaction does its
 *       long work without blocking appends.</li>
 *   <li>One background "sealer" thread per log converts rolled journals; it takes only the segments lock and the
 *       structure write lock, briefly.</li>
 * </ul>
 * Lock order: maintenance, append, segments, structure. The sync lock nests none of them.
 */
public final class MapDbPartitionLog implements PartitionLog {
    private static final System.Logger LOG = System.getLogger(MapDbPartitionLog.class.getName());
    private static final int SCAN_CHUNK_RECORDS = 4096;
    private static final int SCAN_CHUNK_BYTES = 16 << 20;

    private final Path dir;
    private final LogConfig config;
    private final FileChannel lockChannel;
    private final FileLock directoryLock;

    private final ReentrantLock maintenanceLock = new ReentrantLock();
    private final ReentrantLock appendLock = new ReentrantLock();
    private final ReentrantLock segmentsLock = new ReentrantLock();
    private final ReentrantReadWriteLock structureLock = new ReentrantReadWriteLock();
    private final ReentrantLock syncLock = new ReentrantLock();
    private final ThreadPoolExecutor sealer;

    /** Oldest first; the last one is always {@link #active}. Replaced (never mutated) under the structure lock. */
    private volatile List<Segment> segments;
    private volatile Journal active;
    private volatile long startOffset;
    private volatile long endOffset;
    private volatile NavigableMap<Integer, Long> epochCache;
    private volatile long appendedBatches; // written under the append lock
    private long syncedBatches; // guarded by syncLock
    private final ConcurrentSkipListSet<Long> corruptOffsets = new ConcurrentSkipListSet<>();
    private volatile Throwable writeFailure;
    private volatile boolean closing;
    private volatile boolean closed;

    private MapDbPartitionLog(Path dir, LogConfig config, FileChannel lockChannel, FileLock directoryLock) {
        this.dir = dir;
        this.config = config;
        this.lockChannel = lockChannel;
        this.directoryLock = directoryLock;
        this.sealer = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
            Thread thread = new Thread(task, "hawser-sealer-" + dir.getFileName());
            thread.setDaemon(true);
            return thread;
        });
        this.sealer.allowCoreThreadTimeOut(true);
        recoverSegments();
    }

    /**
     * Opens (or creates) the log in {@code dir}, recovering it: temp files from unfinished work are deleted, a torn
     * journal tail is cut off, damaged records are noted (and stay readable as corrupt), every sealed segment's
     * records are checked against their CRC32C, and journals that were rolled but not yet sealed are queued for
     * sealing.
     *
     * @throws LogException naming the file when the directory or a segment cannot be opened; nothing is deleted or
     *                      replaced to make it open
     */
    public static MapDbPartitionLog open(Path dir, LogConfig config) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(config, "config");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new LogException("cannot create log directory " + dir + ": " + e, e);
        }
        FileChannel lockChannel;
        try {
            lockChannel = FileChannel.open(dir.resolve(SegmentFiles.LOCK_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new LogException("cannot open lock file in log directory " + dir + ": " + e, e);
        }
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException e) {
            closeQuietly(lockChannel);
            throw new LogException("cannot lock log directory " + dir + ": " + e, e);
        }
        if (lock == null) {
            closeQuietly(lockChannel);
            throw new LogException("log directory " + dir + " is already open (in this or another process)");
        }
        try {
            return new MapDbPartitionLog(dir, config, lockChannel, lock);
        } catch (RuntimeException e) {
            try {
                lock.release();
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            closeQuietly(lockChannel);
            throw e;
        }
    }

    // ---------------------------------------------------------------- recovery

    private void recoverSegments() {
        TreeMap<Long, Path> journals = new TreeMap<>();
        TreeMap<Long, Path> sealedFiles = new TreeMap<>();
        List<Path> temps = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                long base;
                if (name.endsWith(SegmentFiles.TEMP_SUFFIX)) {
                    temps.add(file);
                } else if ((base = SegmentFiles.baseOffsetOf(name, SegmentFiles.JOURNAL_SUFFIX)) >= 0) {
                    journals.put(base, file);
                } else if ((base = SegmentFiles.baseOffsetOf(name, SegmentFiles.SEALED_SUFFIX)) >= 0) {
                    sealedFiles.put(base, file);
                } else if (!name.equals(SegmentFiles.LOCK_FILE)) {
                    LOG.log(System.Logger.Level.WARNING, "log {0}: ignoring unknown file {1}", dir, name);
                }
            }
        } catch (IOException e) {
            throw new LogException("cannot list log directory " + dir + ": " + e, e);
        }
        boolean changed = false;
        for (Path temp : temps) {
            LOG.log(System.Logger.Level.INFO, "log {0}: deleting {1}, left over from work a crash interrupted",
                    dir, temp.getFileName());
            SegmentFiles.delete(temp);
            changed = true;
        }
        for (Long base : journals.keySet()) {
            Path sealedTwin = sealedFiles.remove(base);
            if (sealedTwin != null) {
                // A crash after a sealed file was renamed into place but before its journal was deleted (or during
                // a truncation's rewrite): the complete, fsynced journal is authoritative; sealing is redone.
                LOG.log(System.Logger.Level.INFO, "log {0}: {1} has a journal too; keeping the journal",
                        dir, sealedTwin.getFileName());
                SegmentFiles.delete(sealedTwin);
                changed = true;
            }
        }
        if (changed) {
            SegmentFiles.fsyncDirectory(dir);
        }
        TreeSet<Long> bases = new TreeSet<>(journals.keySet());
        bases.addAll(sealedFiles.keySet());
        List<Segment> opened = new ArrayList<>();
        try {
            Long[] ordered = bases.toArray(new Long[0]);
            for (int i = 0; i < ordered.length; i++) {
                long base = ordered[i];
                boolean newest = i == ordered.length - 1;
                long upperBound = newest ? Long.MAX_VALUE : ordered[i + 1];
                Segment segment = journals.containsKey(base)
                        ? Journal.recover(journals.get(base), base, newest, upperBound, config, corruptOffsets)
                        : SealedSegment.open(sealedFiles.get(base), base, true, corruptOffsets);
                opened.add(segment);
                if (segment.lastOffset() >= upperBound) {
                    throw new LogException(segment.describe() + " holds offset " + segment.lastOffset()
                            + ", past the base offset " + upperBound + " of the next segment");
                }
            }
            if (opened.isEmpty() || !(opened.get(opened.size() - 1) instanceof Journal)) {
                long base = 0;
                if (!opened.isEmpty()) {
                    Segment last = opened.get(opened.size() - 1);
                    base = Math.max(last.endOffset(), last.lastOffset() + 1);
                }
                opened.add(Journal.create(dir, base, EpochStarts.EMPTY, config));
            }
        } catch (RuntimeException e) {
            for (Segment segment : opened) {
                try {
                    segment.close();
                } catch (RuntimeException again) {
                    e.addSuppressed(again);
                }
            }
            throw e;
        }
        segments = List.copyOf(opened);
        active = (Journal) opened.get(opened.size() - 1);
        startOffset = opened.get(0).baseOffset();
        endOffset = active.endOffset();
        refreshEpochCache();
        if (!corruptOffsets.isEmpty()) {
            LOG.log(System.Logger.Level.ERROR, "log {0} holds {1} corrupt record(s), first at offset {2}; they read"
                    + " as CorruptRecordException", dir, corruptOffsets.size(), corruptOffsets.first());
        }
        if (opened.size() > 1 && opened.stream().limit(opened.size() - 1).anyMatch(s -> s instanceof Journal)) {
            scheduleSealing();
        }
    }

    // ---------------------------------------------------------------- writes

    @Override
    public void append(List<Record> records) {
        Objects.requireNonNull(records, "records");
        if (records.isEmpty()) {
            return;
        }
        appendLock.lock();
        try {
            ensureWritable();
            int n = records.size();
            int[] sizes = new int[n];
            long total = 0;
            long previous = endOffset - 1;
            int maxEpoch = Integer.MIN_VALUE;
            for (int i = 0; i < n; i++) {
                Record record = records.get(i);
                if (record == null) {
                    throw new IllegalArgumentException("null record at index " + i);
                }
                if (record.offset() <= previous) {
                    throw new IllegalArgumentException(i == 0
                            ? "first offset " + record.offset() + " is below the log end offset " + endOffset
                            : "offset " + record.offset() + " at index " + i + " does not follow " + previous);
                }
                sizes[i] = RecordCodec.encodedSize(record);
                total += sizes[i];
                previous = record.offset();
                maxEpoch = Math.max(maxEpoch, record.epoch());
            }
            long first = records.get(0).offset();
            Journal journal = active;
            if (segments.size() == 1 && journal.recordCount() == 0 && first > journal.baseOffset()) {
                journal = rebase(journal, first);
            } else if (journal.recordCount() > 0
                    && (journal.recordBytes() + total > config.segmentBytes() || tooOld(journal))) {
                journal = roll();
            }
            try {
                journal.append(records, sizes, total);
            } catch (Journal.PartialWriteException e) {
                writeFailure = e;
                throw new LogException("append to " + journal.describe() + " failed and left a partial frame;"
                        + " the log accepts no more writes until reopened: " + e.getMessage(), e);
            } catch (IOException e) {
                throw new LogException("cannot append to " + journal.describe() + ": " + e.getMessage(), e);
            }
            appendedBatches++;
            endOffset = previous + 1;
            NavigableMap<Integer, Long> cache = epochCache;
            if (cache.isEmpty() || maxEpoch > cache.lastKey()) {
                segmentsLock.lock();
                try {
                    refreshEpochCache();
                } finally {
                    segmentsLock.unlock();
                }
            }
        } finally {
            appendLock.unlock();
        }
    }

    private boolean tooOld(Journal journal) {
        return config.segmentMs() > 0 && config.clock().millis()
                - Math.max(journal.firstTimestamp(), journal.openedAtMs()) >= config.segmentMs();
    }

    /** Caller holds the append lock. Seals the active journal (durably) and starts a new one at the log end. */
    private Journal roll() {
        Journal old = active;
        try {
            old.trimAndForce();
        } catch (IOException e) {
            writeFailure = e;
            throw new LogException("fsync of " + old.describe() + " failed; the log accepts no more writes: "
                    + e.getMessage(), e);
        }
        Journal fresh = Journal.create(dir, endOffset, EpochStarts.EMPTY, config);
        segmentsLock.lock();
        structureLock.writeLock().lock();
        try {
            List<Segment> next = new ArrayList<>(segments);
            next.add(fresh);
            segments = List.copyOf(next);
            active = fresh;
        } finally {
            structureLock.writeLock().unlock();
            segmentsLock.unlock();
        }
        scheduleSealing();
        return fresh;
    }

    /**
     * Caller holds the append lock. The log holds nothing but an empty journal and the first record comes with a
     * gap: start the log there instead (a mirror or follower starting mid-stream).
     */
    private Journal rebase(Journal empty, long first) {
        Journal fresh = Journal.create(dir, first, EpochStarts.EMPTY, config);
        segmentsLock.lock();
        structureLock.writeLock().lock();
        try {
            segments = List.of(fresh);
            active = fresh;
            startOffset = first;
            endOffset = first;
            empty.retired = true;
            empty.close();
        } finally {
            structureLock.writeLock().unlock();
            segmentsLock.unlock();
        }
        SegmentFiles.delete(empty.path());
        SegmentFiles.fsyncDirectory(dir);
        return fresh;
    }

    @Override
    public void sync() {
        long target = appendedBatches; // read before `active`: anything older sits in it or in a journal a roll forced
        Journal journal = active;
        syncLock.lock();
        try {
            ensureWritable();
            if (syncedBatches >= target) {
                return; // an fsync that started after our appends already covered them
            }
            journal.force();
            syncedBatches = target;
        } catch (IOException e) {
            writeFailure = e;
            throw new LogException("fsync of " + journal.describe() + " failed; the log accepts no more writes"
                    + " until reopened: " + e.getMessage(), e);
        } finally {
            syncLock.unlock();
        }
    }

    @Override
    public void truncateAfter(long lastKept) {
        if (lastKept < -1) {
            throw new IllegalArgumentException("lastKept must be >= -1, was " + lastKept);
        }
        maintenanceLock.lock();
        appendLock.lock();
        try {
            ensureWritable();
            if (lastKept >= endOffset - 1) {
                return;
            }
            try {
                truncate(lastKept);
            } catch (RuntimeException e) {
                writeFailure = e; // memory and disk may disagree now; a reopen recovers from the disk
                throw e;
            }
        } finally {
            appendLock.unlock();
            maintenanceLock.unlock();
        }
    }

    private void truncate(long lastKept) {
        List<Segment> removed;
        Segment containing;
        boolean keepContaining;
        segmentsLock.lock();
        try {
            List<Segment> list = segments;
            int index = -1;
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i).baseOffset() <= lastKept) {
                    index = i;
                }
            }
            containing = index >= 0 ? list.get(index) : null;
            removed = new ArrayList<>(list.subList(index + 1, list.size()));
            // A rolled segment with nothing past lastKept stays as it is; the new end lives in a new journal.
            keepContaining = containing != null && containing != active && containing.lastOffset() <= lastKept;
            for (Segment segment : removed) {
                retire(segment);
            }
            if (containing != null && !keepContaining) {
                retire(containing);
            }
        } finally {
            segmentsLock.unlock();
        }
        // Newest first, one directory fsync each: a crash part way leaves a shorter prefix of the log, never a hole.
        for (int i = removed.size() - 1; i >= 0; i--) {
            SegmentFiles.delete(removed.get(i).path());
            SegmentFiles.fsyncDirectory(dir);
        }
        Journal fresh;
        if (containing == null || keepContaining) {
            fresh = Journal.create(dir, lastKept + 1, EpochStarts.EMPTY, config);
        } else {
            // Written beside and renamed over any journal of the same base; while both a sealed file and a
            // journal exist for a base, recovery keeps the journal, so the sealed file can go afterwards.
            fresh = Journal.rewrite(dir, containing, lastKept, config, corruptOffsets);
            if (containing instanceof SealedSegment) {
                SegmentFiles.delete(containing.path());
                SegmentFiles.fsyncDirectory(dir);
            }
        }
        segmentsLock.lock();
        structureLock.writeLock().lock();
        try {
            List<Segment> next = new ArrayList<>();
            for (Segment segment : segments) {
                if (!removed.contains(segment) && (segment != containing || keepContaining)) {
                    next.add(segment);
                }
            }
            next.add(fresh);
            segments = List.copyOf(next);
            active = fresh;
            endOffset = lastKept + 1;
            startOffset = next.get(0).baseOffset();
            for (Segment segment : removed) {
                segment.close();
            }
            if (containing != null && !keepContaining) {
                containing.close();
            }
            corruptOffsets.tailSet(lastKept, false).clear();
            corruptOffsets.headSet(startOffset).clear();
            refreshEpochCache();
        } finally {
            structureLock.writeLock().unlock();
            segmentsLock.unlock();
        }
    }

    /** Caller holds the segments lock: the sealer must leave this segment alone from now on. */
    private static void retire(Segment segment) {
        if (segment instanceof Journal journal) {
            journal.retired = true;
        }
    }

    @Override
    public long enforceRetention(RetentionPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        maintenanceLock.lock();
        try {
            ensureWritable();
            if (policy.isUnlimited()) {
                return 0;
            }
            long now = config.clock().millis();
            long oldestKept = now - policy.maxAgeMs();
            if (policy.maxAgeMs() > 0) {
                appendLock.lock();
                try {
                    Journal journal = active;
                    if (journal.recordCount() > 0 && journal.maxTimestamp() < oldestKept) {
                        roll(); // everything in it has expired: seal it so it can go like any other segment
                    }
                } finally {
                    appendLock.unlock();
                }
            }
            List<Segment> doomed = new ArrayList<>();
            segmentsLock.lock();
            try {
                List<Segment> list = segments;
                long totalBytes = 0;
                long totalCount = 0;
                for (Segment segment : list) {
                    totalBytes += segment.recordBytes();
                    totalCount += segment.recordCount();
                }
                for (int i = 0; i < list.size() - 1; i++) { // never the active journal
                    Segment segment = list.get(i);
                    boolean expired = policy.maxAgeMs() > 0 && segment.maxTimestamp() < oldestKept;
                    boolean tooBig = policy.maxBytes() > 0 && totalBytes - segment.recordBytes() >= policy.maxBytes();
                    boolean tooMany = policy.maxMessages() > 0
                            && totalCount - segment.recordCount() >= policy.maxMessages();
                    if (!expired && !tooBig && !tooMany) {
                        break;
                    }
                    doomed.add(segment);
                    totalBytes -= segment.recordBytes();
                    totalCount -= segment.recordCount();
                    retire(segment);
                }
                if (doomed.isEmpty()) {
                    return 0;
                }
                structureLock.writeLock().lock();
                try {
                    segments = List.copyOf(list.subList(doomed.size(), list.size()));
                    startOffset = segments.get(0).baseOffset();
                    for (Segment segment : doomed) {
                        segment.close();
                    }
                    corruptOffsets.headSet(startOffset).clear();
                    refreshEpochCache();
                } finally {
                    structureLock.writeLock().unlock();
                }
            } finally {
                segmentsLock.unlock();
            }
            // Oldest first, one directory fsync each: a crash part way leaves a suffix of the log, never a hole.
            long removedRecords = 0;
            for (Segment segment : doomed) {
                SegmentFiles.delete(segment.path());
                SegmentFiles.fsyncDirectory(dir);
                removedRecords += segment.recordCount();
            }
            return removedRecords;
        } finally {
            maintenanceLock.unlock();
        }
    }

    @Override
    public long compact() {
        maintenanceLock.lock();
        try {
            ensureWritable();
            // Rolled journals become sealed files first, so every rolled segment is compacted. Only appends roll,
            // and they do not wait for this: nothing here holds the append lock.
            awaitSealing();
            long end = endOffset;
            Map<ByteBuffer, Long> newest = newestOffsetPerKey(end);
            long removed = 0;
            for (Segment segment : segments) {
                if (closing) {
                    break;
                }
                if (segment instanceof SealedSegment sealed && sealed.lastOffset() < end) {
                    removed += compact(sealed, newest);
                }
            }
            return removed;
        } finally {
            maintenanceLock.unlock();
        }
    }

    /** The newest offset of every key in the log below {@code end}, read through the normal read path. */
    private Map<ByteBuffer, Long> newestOffsetPerKey(long end) {
        Map<ByteBuffer, Long> newest = new HashMap<>();
        long from = startOffset;
        while (from < end && !closing) {
            List<Record> chunk;
            try {
                chunk = read(from, end - 1, SCAN_CHUNK_RECORDS, SCAN_CHUNK_BYTES);
            } catch (CorruptRecordException e) {
                from = Math.max(from, e.offset()) + 1; // its key is unknown: it stays, and so does everything else
                continue;
            }
            if (chunk.isEmpty()) {
                break;
            }
            for (Record record : chunk) {
                if (record.key() != null) {
                    newest.put(ByteBuffer.wrap(record.key()), record.offset());
                }
            }
            from = chunk.get(chunk.size() - 1).offset() + 1;
        }
        return newest;
    }

    /** Rewrites one sealed segment without superseded records; returns how many went. */
    private long compact(SealedSegment segment, Map<ByteBuffer, Long> newest) {
        SegmentMeta meta = segment.meta();
        OffsetList dropped = new OffsetList();
        SparseTimeIndex timeIndex = new SparseTimeIndex();
        KeptStats kept = new KeptStats();
        segment.scan(meta.baseOffset(), Long.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE, (offset, bytes, at, len) -> {
            Record record = null;
            try {
                record = RecordCodec.decode(bytes, at, len, offset);
            } catch (CorruptRecordException e) {
                corruptOffsets.add(offset); // kept as it is: its key cannot be known
            }
            if (record != null && record.key() != null) {
                Long newestOffset = newest.get(ByteBuffer.wrap(record.key()));
                if (newestOffset != null && newestOffset > offset) {
                    dropped.add(offset);
                    return true;
                }
            }
            kept.count++;
            kept.bytes += len;
            kept.lastOffset = offset;
            kept.bytesSinceIndexEntry += len;
            if (record != null) {
                kept.maxTimestamp = Math.max(kept.maxTimestamp, record.timestamp());
            }
            if (kept.bytesSinceIndexEntry >= config.indexIntervalBytes() && kept.maxTimestamp != Long.MIN_VALUE) {
                timeIndex.add(offset, kept.maxTimestamp);
                kept.bytesSinceIndexEntry = 0;
            }
            return true;
        });
        if (dropped.size() == 0) {
            return 0;
        }
        SegmentMeta compacted = new SegmentMeta(meta.baseOffset(), meta.endOffset(), kept.count, kept.bytes,
                kept.lastOffset, kept.maxTimestamp, timeIndex.offsets(), timeIndex.maxTimestamps(), meta.epochs());
        Path target = segment.path();
        Path temp = SegmentFiles.temp(target, ".compact");
        boolean built = SealedSegment.write(temp, compacted,
                sink -> segment.scan(meta.baseOffset(), Long.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE,
                        (offset, bytes, at, len) -> dropped.contains(offset) || sink.visit(offset, bytes, at, len)),
                () -> closing);
        if (!built) {
            return 0;
        }
        segmentsLock.lock();
        try {
            if (closing) {
                SegmentFiles.delete(temp);
                return 0;
            }
            SegmentFiles.moveAtomically(temp, target);
            SegmentFiles.fsyncDirectory(dir);
            SealedSegment fresh = SealedSegment.open(target, meta.baseOffset(), false, corruptOffsets);
            structureLock.writeLock().lock();
            try {
                segments = replace(segments, segment, fresh);
                segment.close(); // unmaps the old file, whose space comes back now
            } finally {
                structureLock.writeLock().unlock();
            }
        } finally {
            segmentsLock.unlock();
        }
        return dropped.size();
    }

    private static final class KeptStats {
        long count;
        long bytes;
        long lastOffset = -1;
        long maxTimestamp = Long.MIN_VALUE;
        long bytesSinceIndexEntry;
    }

    /** Ascending offsets, appended in order. */
    private static final class OffsetList {
        private long[] values = new long[64];
        private int size;

        void add(long offset) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = offset;
        }

        boolean contains(long offset) {
            return java.util.Arrays.binarySearch(values, 0, size, offset) >= 0;
        }

        int size() {
            return size;
        }
    }

    // ---------------------------------------------------------------- sealing (background thread)

    private void scheduleSealing() {
        if (closing) {
            return;
        }
        try {
            sealer.execute(this::sealRolledJournals);
        } catch (RejectedExecutionException e) {
            // closing: the journals stay and are sealed after the next open
        }
    }

    /** Sealer thread: converts every rolled journal, oldest first. A failure leaves the journal serving reads. */
    private void sealRolledJournals() {
        List<Journal> rolled = new ArrayList<>();
        for (Segment segment : segments) {
            if (segment instanceof Journal journal && journal != active && !journal.retired) {
                rolled.add(journal);
            }
        }
        for (Journal journal : rolled) {
            if (closing) {
                return;
            }
            try {
                seal(journal);
            } catch (RuntimeException e) {
                if (!journal.retired && !closing) {
                    LOG.log(System.Logger.Level.ERROR, "could not seal " + journal.describe() + "; it keeps serving"
                            + " reads and sealing is retried after the next roll or reopen", e);
                }
            }
        }
    }

    private void seal(Journal journal) {
        long base = journal.baseOffset();
        Path target = SegmentFiles.sealed(dir, base);
        Path temp = SegmentFiles.temp(target, "");
        boolean built = SealedSegment.write(temp, journal.sealedMeta(),
                sink -> journal.scan(base, Long.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE, sink),
                () -> closing || journal.retired);
        if (!built) {
            return;
        }
        segmentsLock.lock();
        try {
            if (journal.retired || closing) { // truncated or expired while we built: the file must not appear
                SegmentFiles.delete(temp);
                return;
            }
            SegmentFiles.moveAtomically(temp, target);
            SegmentFiles.fsyncDirectory(dir);
            SealedSegment sealed = SealedSegment.open(target, base, false, corruptOffsets);
            structureLock.writeLock().lock();
            try {
                segments = replace(segments, journal, sealed);
                journal.retired = true;
                journal.close();
            } finally {
                structureLock.writeLock().unlock();
            }
            SegmentFiles.delete(journal.path());
            SegmentFiles.fsyncDirectory(dir);
        } finally {
            segmentsLock.unlock();
        }
    }

    /** Waits until every journal rolled so far has been sealed (or given up on). For tests and tools. */
    void awaitSealing() {
        Future<?> marker;
        try {
            marker = sealer.submit(() -> { });
        } catch (RejectedExecutionException e) {
            return;
        }
        try {
            marker.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LogException("interrupted while waiting for sealing in " + dir, e);
        } catch (ExecutionException e) {
            throw new LogException("sealing in " + dir + " failed", e.getCause());
        }
    }

    // ---------------------------------------------------------------- reads

    @Override
    public List<Record> read(long fromOffset, long maxOffset, int maxRecords, int maxBytes) {
        if (maxRecords <= 0 || maxBytes <= 0) {
            throw new IllegalArgumentException("maxRecords and maxBytes must be positive, were " + maxRecords
                    + " and " + maxBytes);
        }
        structureLock.readLock().lock();
        try {
            ensureOpen();
            long start = startOffset;
            if (fromOffset < start) {
                throw new OffsetOutOfRangeException(fromOffset, start);
            }
            if (fromOffset >= endOffset || maxOffset < fromOffset) {
                return List.of();
            }
            ReadCollector out = new ReadCollector(maxRecords, maxBytes);
            List<Segment> list = segments;
            for (int i = floorIndex(list, fromOffset); i < list.size() && !out.full(); i++) {
                Segment segment = list.get(i);
                if (segment.baseOffset() > maxOffset) {
                    break;
                }
                try {
                    segment.scan(Math.max(fromOffset, segment.baseOffset()), maxOffset, out.remainingRecords(),
                            out.remainingBytes(), (offset, bytes, at, length) -> out.offer(decode(segment, offset,
                                    bytes, at, length)));
                } catch (CorruptRecordException e) {
                    corruptOffsets.add(e.offset());
                    if (out.isEmpty()) {
                        throw e;
                    }
                    return out.records(); // what comes before the damage; the next read starts at it and fails
                }
            }
            return out.records();
        } finally {
            structureLock.readLock().unlock();
        }
    }

    private static Record decode(Segment segment, long offset, byte[] bytes, int at, int length) {
        try {
            return RecordCodec.decode(bytes, at, length, offset);
        } catch (CorruptRecordException e) {
            throw new CorruptRecordException(offset, segment.describe() + ": " + e.getMessage());
        }
    }

    /** Index of the last segment whose base is {@code <= offset} (0 when none is). */
    private static int floorIndex(List<Segment> list, long offset) {
        int lo = 0;
        int hi = list.size() - 1;
        int found = 0;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (list.get(mid).baseOffset() <= offset) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    @Override
    public long offsetForTimestamp(long timestamp) {
        structureLock.readLock().lock();
        try {
            ensureOpen();
            for (Segment segment : segments) {
                if (segment.recordCount() == 0 || segment.maxTimestamp() < timestamp) {
                    continue; // every intact record in it is older
                }
                long[] found = {-1};
                long from = Math.max(segment.baseOffset(), segment.timestampScanStart(timestamp));
                segment.scan(from, Long.MAX_VALUE, 256, Long.MAX_VALUE, (offset, bytes, at, length) -> {
                    try {
                        if (RecordCodec.decode(bytes, at, length, offset).timestamp() >= timestamp) {
                            found[0] = offset;
                            return false;
                        }
                    } catch (CorruptRecordException e) {
                        corruptOffsets.add(offset); // its time is unknown; reading it reports the damage
                    }
                    return true;
                });
                if (found[0] >= 0) {
                    return found[0];
                }
            }
            return endOffset;
        } finally {
            structureLock.readLock().unlock();
        }
    }

    @Override
    public long startOffset() {
        return startOffset;
    }

    @Override
    public long endOffset() {
        return endOffset;
    }

    @Override
    public LogStats stats() {
        appendLock.lock(); // no append half-counted
        try {
            structureLock.readLock().lock();
            try {
                ensureOpen();
                long messages = 0;
                long bytes = 0;
                List<Segment> list = segments;
                for (Segment segment : list) {
                    messages += segment.recordCount();
                    bytes += segment.diskBytes();
                }
                return new LogStats(startOffset, endOffset, messages, bytes, list.size());
            } finally {
                structureLock.readLock().unlock();
            }
        } finally {
            appendLock.unlock();
        }
    }

    @Override
    public NavigableMap<Integer, Long> epochStartOffsets() {
        ensureOpen();
        return epochCache;
    }

    @Override
    public SortedSet<Long> knownCorruptOffsets() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(corruptOffsets));
    }

    /** Caller holds the segments lock (or is still constructing the log). */
    private void refreshEpochCache() {
        List<EpochStarts> parts = new ArrayList<>();
        for (Segment segment : segments) {
            parts.add(segment.epochs());
        }
        epochCache = EpochStarts.merge(parts).toMap();
    }

    // ---------------------------------------------------------------- life cycle

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closing = true; // stops a running compaction or sealing early
        maintenanceLock.lock();
        appendLock.lock();
        try {
            if (closed) {
                return;
            }
            LogException failure = null;
            if (writeFailure == null) {
                try {
                    active.trimAndForce();
                } catch (IOException e) {
                    failure = new LogException("fsync of " + active.describe() + " failed while closing: "
                            + e.getMessage(), e);
                }
            }
            sealer.shutdown();
            boolean interrupted = false;
            while (true) {
                try {
                    if (sealer.awaitTermination(1, TimeUnit.MINUTES)) {
                        break;
                    }
                    LOG.log(System.Logger.Level.WARNING, "log {0}: still waiting for the sealer to stop", dir);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            segmentsLock.lock();
            structureLock.writeLock().lock();
            try {
                closed = true;
                for (Segment segment : segments) {
                    try {
                        segment.close();
                    } catch (RuntimeException e) {
                        if (failure == null) {
                            failure = new LogException("cannot close " + segment.describe() + ": " + e, e);
                        }
                    }
                }
            } finally {
                structureLock.writeLock().unlock();
                segmentsLock.unlock();
            }
            try {
                directoryLock.release();
            } catch (IOException e) {
                // closing the channel below releases it too
            }
            closeQuietly(lockChannel);
            if (failure != null) {
                throw failure;
            }
        } finally {
            appendLock.unlock();
            maintenanceLock.unlock();
        }
    }

    @Override
    public void delete() {
        LogException closeFailure = null;
        try {
            close();
        } catch (LogException e) {
            closeFailure = e; // deleting anyway: the caller wants the data gone
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            LogException failure = new LogException("cannot delete log directory " + dir + ": " + e, e);
            if (closeFailure != null) {
                failure.addSuppressed(closeFailure);
            }
            throw failure;
        }
    }

    Path directory() {
        return dir;
    }

    private void ensureOpen() {
        if (closed) {
            throw new LogException("log " + dir + " is closed");
        }
    }

    private void ensureWritable() {
        ensureOpen();
        Throwable failure = writeFailure;
        if (failure != null) {
            throw new LogException("log " + dir + " stopped accepting writes after an earlier failure (reopen it to"
                    + " recover from what is on disk): " + failure.getMessage(), failure);
        }
    }

    private static List<Segment> replace(List<Segment> list, Segment old, Segment fresh) {
        List<Segment> copy = new ArrayList<>(list);
        int index = copy.indexOf(old);
        if (index < 0) {
            throw new IllegalStateException(old.describe() + " is no longer part of the log");
        }
        copy.set(index, fresh);
        return List.copyOf(copy);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to save
        }
    }

    @Override
    public String toString() {
        return "MapDbPartitionLog[" + dir + "]";
    }
}
