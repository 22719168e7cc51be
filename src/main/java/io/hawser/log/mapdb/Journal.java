package io.hawser.log.mapdb;

import io.hawser.log.CorruptRecordException;
import io.hawser.log.LogConfig;
import io.hawser.log.LogException;
import io.hawser.log.Record;
import io.hawser.log.RecordCodec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * An append-only, CRC-framed journal file: the durable form of the active segment, and of a rolled segment until
 * its MapDB file is ready.
 *
 * <pre>
 * file   := header frame*
 * header := magic "HWSJ" int32 | version int8 | base offset int64 | crc32c int32 (of the previous 13 bytes)
 * frame  := magic "HWSF" int32 | body length int32 | crc32c of body int32 | body
 * body   := type int8 | next offset int64 | payload
 *   type 1 RECORDS: count int32, then per record: offset int64 | length int32 | record bytes ({@link RecordCodec})
 *   type 2 MARKER:  epoch count int32, then per epoch: epoch int32 | start offset int64
 * </pre>
 * One append call writes one RECORDS frame, so one batch is one unit on disk as it is in memory; every record inside
 * still carries its own CRC32C. A MARKER frame carries state that records cannot: the end offset after a truncation
 * that ended in a gap, and leader epochs inherited from a compacted segment that was rewritten into a journal.
 *
 * <p>Recovery ({@link #recover}) scans every frame. A bad frame with nothing valid after it is a torn tail: in the
 * active journal it is cut off (its fsync never returned, so nobody was told it was stored). A bad frame followed
 * by valid ones is damage, not a crash: its records are kept in the index and read as corrupt, never dropped.
 *
 * <p>Threading: one writer at a time (the log's append lock, or the recovering thread); any number of concurrent
 * readers (positional reads, the index publishes whole batches). {@link #force()} may run on a syncing thread
 * concurrently with appends. {@link #close()} runs only when no reader can reach this journal.
 */
final class Journal implements Segment {
    private static final System.Logger LOG = System.getLogger(Journal.class.getName());

    static final int FILE_MAGIC = 0x4857534a; // "HWSJ"
    static final byte FILE_VERSION = 1;
    static final int HEADER_BYTES = 4 + 1 + 8 + 4;
    static final int FRAME_MAGIC = 0x48575346; // "HWSF"
    static final int FRAME_HEADER_BYTES = 4 + 4 + 4;
    static final byte FRAME_RECORDS = 1;
    static final byte FRAME_MARKER = 2;
    static final int BODY_PREFIX_BYTES = 1 + 8;
    static final int ENTRY_PREFIX_BYTES = 8 + 4;
    private static final int READ_CHUNK_BYTES = 1 << 20;
    private static final int REWRITE_FRAME_BYTES = 1 << 20;
    private static final int KEPT_FRAME_BUFFER_BYTES = 16 << 20;
    /** Zeros kept written past the last frame of a journal that takes appends (see {@link #preallocate}). */
    static final int PREALLOCATE_BYTES = 1 << 20;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(PREALLOCATE_BYTES).asReadOnlyBuffer();

    private final Path path;
    private final long baseOffset;
    private final FileChannel channel;
    private final int indexIntervalBytes;
    private final long openedAtMs;
    private final JournalIndex index = new JournalIndex();
    private final SparseTimeIndex timeIndex = new SparseTimeIndex();

    // Written by the single writer, read by anyone.
    private volatile long writePosition;
    private volatile long fileLength; // >= writePosition: the rest is preallocated zeros
    private volatile long endOffset;
    private volatile long recordBytes;
    private volatile long maxTimestamp = Long.MIN_VALUE;
    private volatile long firstTimestamp = Long.MIN_VALUE;
    private volatile EpochStarts epochs = EpochStarts.EMPTY;

    // Writer only.
    private long bytesSinceIndexEntry;
    private ByteBuffer frameBuffer;

    private final Object lifecycle = new Object();
    private boolean closed; // guarded by lifecycle

    /** Set under the log's segments lock when the log drops or replaces this journal: the sealer leaves it alone. */
    volatile boolean retired;

    private Journal(Path path, long baseOffset, FileChannel channel, LogConfig config) {
        this.path = path;
        this.baseOffset = baseOffset;
        this.channel = channel;
        this.indexIntervalBytes = config.indexIntervalBytes();
        this.openedAtMs = config.clock().millis();
        this.endOffset = baseOffset;
    }

    // ---------------------------------------------------------------- creation and recovery

    /** Creates an empty journal atomically (temp file, fsync, rename, fsync directory). */
    static Journal create(Path dir, long baseOffset, EpochStarts inherited, LogConfig config) {
        Path target = SegmentFiles.journal(dir, baseOffset);
        Path temp = SegmentFiles.temp(target, "");
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer header = header(baseOffset);
            SegmentFiles.writeFully(out, header, 0);
            if (inherited.size() > 0) {
                SegmentFiles.writeFully(out, markerFrame(baseOffset, inherited), HEADER_BYTES);
            }
            out.force(true);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new LogException("cannot create journal " + target + ": " + e.getMessage(), e);
        }
        SegmentFiles.moveAtomically(temp, target);
        SegmentFiles.fsyncDirectory(dir);
        return recover(target, baseOffset, true, Long.MAX_VALUE, config, new java.util.HashSet<>());
    }

    /**
     * Writes a new journal for {@code source}'s base offset holding {@code source}'s records up to {@code lastKept}
     * (raw bytes, so damaged records stay damaged), its epochs up to there, and an end offset of
     * {@code lastKept + 1}; then renames it into place (over an older journal of the same base, if any). Used by
     * truncation.
     */
    static Journal rewrite(Path dir, Segment source, long lastKept, LogConfig config, Set<Long> corruptSink) {
        long base = source.baseOffset();
        Path target = SegmentFiles.journal(dir, base);
        Path temp = SegmentFiles.temp(target, ".rewrite");
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            long[] position = {0};
            position[0] += write(out, header(base), position[0]);
            position[0] += write(out, markerFrame(base, source.epochs().upTo(lastKept)), position[0]);
            ByteBuffer entries = ByteBuffer.allocate(REWRITE_FRAME_BYTES);
            int[] count = {0};
            long[] last = {-1};
            IOException[] failure = {null};
            source.scan(base, lastKept, Integer.MAX_VALUE, Long.MAX_VALUE, (offset, bytes, from, length) -> {
                try {
                    if (count[0] > 0 && entries.remaining() < ENTRY_PREFIX_BYTES + length) {
                        position[0] += write(out, recordsFrame(entries, count[0], last[0] + 1), position[0]);
                        entries.clear();
                        count[0] = 0;
                    }
                    if (entries.remaining() < ENTRY_PREFIX_BYTES + length) { // one record bigger than a frame
                        position[0] += write(out, recordsFrame(single(offset, bytes, from, length), 1, offset + 1),
                                position[0]);
                    } else {
                        entries.putLong(offset).putInt(length).put(bytes, from, length);
                        count[0]++;
                    }
                    last[0] = offset;
                    return true;
                } catch (IOException e) {
                    failure[0] = e;
                    return false;
                }
            });
            if (failure[0] != null) {
                throw failure[0];
            }
            if (count[0] > 0) {
                position[0] += write(out, recordsFrame(entries, count[0], last[0] + 1), position[0]);
            }
            write(out, markerFrame(lastKept + 1, EpochStarts.EMPTY), position[0]);
            out.force(true);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new LogException("cannot write journal " + temp + " while truncating " + source.describe()
                    + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteQuietly(temp);
            throw e;
        }
        SegmentFiles.moveAtomically(temp, target);
        SegmentFiles.fsyncDirectory(dir);
        return recover(target, base, true, Long.MAX_VALUE, config, corruptSink);
    }

    /**
     * Opens a journal and rebuilds its index by scanning every frame.
     *
     * @param tailMayBeTorn true for the newest journal (the only one a crash can leave half-written)
     * @param upperBound    the next segment's base: every offset here must be below it
     * @param corruptSink   receives offsets of records that fail their checksum
     * @throws LogException when the file cannot be read or its header is damaged (naming the file)
     */
    static Journal recover(Path path, long expectedBase, boolean tailMayBeTorn, long upperBound, LogConfig config,
                           Set<Long> corruptSink) {
        FileChannel channel = null;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            long size = channel.size();
            if (size < HEADER_BYTES) {
                throw new LogException("journal " + path + " is " + size + " bytes, shorter than its header;"
                        + " journals are created whole, so the file is damaged");
            }
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
            SegmentFiles.readFully(channel, header, 0);
            header.flip();
            int magic = header.getInt();
            byte version = header.get();
            long base = header.getLong();
            int storedCrc = header.getInt();
            CRC32C crc = new CRC32C();
            crc.update(header.array(), 0, HEADER_BYTES - 4);
            if (magic != FILE_MAGIC || storedCrc != (int) crc.getValue()) {
                throw new LogException("journal " + path + " has a damaged header (not a Hawser journal, or bits"
                        + " flipped); refusing to guess its contents");
            }
            if (version != FILE_VERSION) {
                throw new LogException("journal " + path + " has unknown format version " + version);
            }
            if (base != expectedBase) {
                throw new LogException("journal " + path + " says its base offset is " + base
                        + " but its name says " + expectedBase);
            }
            Journal journal = new Journal(path, base, channel, config);
            journal.load(size, tailMayBeTorn, upperBound, corruptSink);
            return journal;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new LogException("cannot read journal " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private void load(long size, boolean tailMayBeTorn, long upperBound, Set<Long> corruptSink) throws IOException {
        FileWindow window = new FileWindow(channel, size);
        long position = HEADER_BYTES;
        long lastIndexed = baseOffset - 1;
        long dataEnd = size;
        while (position < size) {
            long bodyLength = validFrameBodyLength(window, position);
            if (bodyLength >= 0) {
                lastIndexed = applyFrame(window, position, (int) bodyLength, lastIndexed, upperBound, corruptSink);
                position += FRAME_HEADER_BYTES + bodyLength;
                continue;
            }
            if (tailMayBeTorn && zerosToEnd(window, position)) {
                dataEnd = position; // the preallocated space of the journal that was taking appends
                break;
            }
            long next = findNextValidFrame(window, position + 1);
            if (next < 0 && tailMayBeTorn) {
                LOG.log(System.Logger.Level.WARNING, "journal {0}: cutting off a torn tail of {1} bytes at position"
                        + " {2} (a write whose fsync never completed, so it was never acknowledged)",
                        path, size - position, position);
                channel.truncate(position);
                channel.force(true);
                size = position;
                dataEnd = position;
                break;
            }
            long end = next < 0 ? size : next;
            long bound = next < 0 ? upperBound : Math.min(upperBound, firstOffsetOfFrame(window, next));
            LOG.log(System.Logger.Level.ERROR, "journal {0}: bytes {1}..{2} are damaged (valid data follows, so this"
                    + " is not a torn write); their records will read as corrupt", path, position, end);
            lastIndexed = salvage(window, position, end, lastIndexed, bound, corruptSink);
            position = end;
        }
        writePosition = dataEnd;
        fileLength = size;
        endOffset = Math.max(endOffset, lastIndexed + 1);
        index.publish();
    }

    /** The body length of a complete frame with a good checksum at {@code position}, or -1. */
    private static long validFrameBodyLength(FileWindow window, long position) throws IOException {
        if (window.size - position < FRAME_HEADER_BYTES + BODY_PREFIX_BYTES) {
            return -1;
        }
        int at = window.ensure(position, FRAME_HEADER_BYTES);
        byte[] b = window.bytes;
        if (readInt(b, at) != FRAME_MAGIC) {
            return -1;
        }
        int bodyLength = readInt(b, at + 4);
        int storedCrc = readInt(b, at + 8);
        if (bodyLength < BODY_PREFIX_BYTES || bodyLength > window.size - position - FRAME_HEADER_BYTES) {
            return -1;
        }
        at = window.ensure(position + FRAME_HEADER_BYTES, bodyLength);
        CRC32C crc = new CRC32C();
        crc.update(window.bytes, at, bodyLength);
        return storedCrc == (int) crc.getValue() ? bodyLength : -1;
    }

    private static boolean zerosToEnd(FileWindow window, long from) throws IOException {
        for (long p = from; p < window.size; ) {
            int n = (int) Math.min(READ_CHUNK_BYTES, window.size - p);
            int at = window.ensure(p, n);
            byte[] b = window.bytes;
            for (int i = at; i < at + n; i++) {
                if (b[i] != 0) {
                    return false;
                }
            }
            p += n;
        }
        return true;
    }

    private static long findNextValidFrame(FileWindow window, long from) throws IOException {
        for (long p = from; p + FRAME_HEADER_BYTES + BODY_PREFIX_BYTES <= window.size; p++) {
            int at = window.ensure(p, 4);
            if (readInt(window.bytes, at) == FRAME_MAGIC && validFrameBodyLength(window, p) >= 0) {
                return p;
            }
        }
        return -1;
    }

    /** The first offset a valid frame holds (or, for a marker, the end it records): damaged records lie below it. */
    private static long firstOffsetOfFrame(FileWindow window, long position) throws IOException {
        int at = window.ensure(position + FRAME_HEADER_BYTES, BODY_PREFIX_BYTES + 4 + 8);
        byte[] b = window.bytes;
        if (b[at] == FRAME_RECORDS && readInt(b, at + BODY_PREFIX_BYTES) > 0) {
            return readLong(b, at + BODY_PREFIX_BYTES + 4);
        }
        return readLong(b, at + 1);
    }

    private long applyFrame(FileWindow window, long position, int bodyLength, long lastIndexed, long upperBound,
                            Set<Long> corruptSink) throws IOException {
        long bodyPosition = position + FRAME_HEADER_BYTES;
        int at = window.ensure(bodyPosition, bodyLength);
        byte[] b = window.bytes;
        int end = at + bodyLength;
        byte type = b[at];
        long nextOffset = readLong(b, at + 1);
        int p = at + BODY_PREFIX_BYTES;
        if (type == FRAME_MARKER) {
            ByteBuffer payload = ByteBuffer.wrap(b, p, end - p);
            EpochStarts inherited;
            try {
                inherited = EpochStarts.readFrom(payload);
            } catch (RuntimeException e) {
                throw inconsistent(position, "unreadable marker: " + e.getMessage());
            }
            epochs = EpochStarts.merge(List.of(epochs, inherited));
        } else if (type == FRAME_RECORDS) {
            if (end - p < 4) {
                throw inconsistent(position, "records frame without a count");
            }
            int count = readInt(b, p);
            p += 4;
            for (int i = 0; i < count; i++) {
                if (end - p < ENTRY_PREFIX_BYTES) {
                    throw inconsistent(position, "record " + i + " of " + count + " runs past the frame");
                }
                long offset = readLong(b, p);
                int length = readInt(b, p + 8);
                p += ENTRY_PREFIX_BYTES;
                if (length < 0 || length > end - p) {
                    throw inconsistent(position, "record " + i + " has impossible length " + length);
                }
                if (offset <= lastIndexed || offset >= upperBound) {
                    throw inconsistent(position, "offset " + offset + " is out of order (previous " + lastIndexed
                            + ", next segment starts at " + upperBound + ")");
                }
                indexRecovered(offset, bodyPosition + (p - at), b, p, length, corruptSink);
                lastIndexed = offset;
                p += length;
            }
            if (p != end) {
                throw inconsistent(position, (end - p) + " stray bytes after the records");
            }
        } else {
            throw inconsistent(position, "unknown frame type " + type);
        }
        endOffset = Math.max(endOffset, nextOffset);
        return lastIndexed;
    }

    /** A frame whose checksum passed but whose contents make no sense: written by a newer or broken Hawser. */
    private LogException inconsistent(long position, String why) {
        return new LogException("journal " + path + " frame at position " + position + " passed its checksum but is"
                + " inconsistent (" + why + "); refusing to guess its contents");
    }

    /** Indexes a record read back at recovery, learning its timestamp and epoch when it is intact. */
    private void indexRecovered(long offset, long filePosition, byte[] bytes, int from, int length,
                                Set<Long> corruptSink) {
        Record record = null;
        try {
            record = RecordCodec.decode(bytes, from, length, offset);
        } catch (CorruptRecordException e) {
            corruptSink.add(offset);
            LOG.log(System.Logger.Level.ERROR, "journal {0}: {1}", path, e.getMessage());
        }
        index.stage(offset, filePosition, length);
        noteRecord(offset, record == null ? Long.MIN_VALUE : record.timestamp(), record, length);
    }

    /**
     * Keeps what can be kept of the damaged bytes {@code [start, end)}: records whose frame structure survived keep
     * their offsets; anything else becomes one unreadable entry at the first offset it could have held, so reading
     * there reports corruption instead of skipping silently.
     */
    private long salvage(FileWindow window, long start, long end, long lastIndexed, long upperBound,
                         Set<Long> corruptSink) throws IOException {
        int length = (int) Math.min(end - start, Integer.MAX_VALUE - 64);
        int at = window.ensure(start, length);
        byte[] b = window.bytes;
        int frameEnd = at + length;
        boolean structured = length >= FRAME_HEADER_BYTES + BODY_PREFIX_BYTES + 4
                && readInt(b, at) == FRAME_MAGIC
                && (long) FRAME_HEADER_BYTES + readInt(b, at + 4) == end - start
                && b[at + FRAME_HEADER_BYTES] == FRAME_RECORDS
                && entriesFillExactly(b, at + FRAME_HEADER_BYTES + BODY_PREFIX_BYTES, frameEnd);
        if (structured) {
            int p = at + FRAME_HEADER_BYTES + BODY_PREFIX_BYTES;
            int count = readInt(b, p);
            p += 4;
            for (int i = 0; i < count; i++) {
                long offset = readLong(b, p);
                int recordLength = readInt(b, p + 8);
                p += ENTRY_PREFIX_BYTES;
                long filePosition = start + (p - at);
                boolean plausible = offset > lastIndexed && offset >= baseOffset && offset < upperBound;
                if (plausible) {
                    indexRecovered(offset, filePosition, b, p, recordLength, corruptSink);
                    lastIndexed = offset;
                } else if (lastIndexed + 1 < upperBound) {
                    lastIndexed = indexDamaged(lastIndexed + 1, filePosition, recordLength, corruptSink);
                } else {
                    LOG.log(System.Logger.Level.ERROR, "journal {0}: a damaged record at position {1} has no free"
                            + " offset left to be reported under", path, filePosition);
                }
                p += recordLength;
            }
        } else if (lastIndexed + 1 < upperBound) {
            lastIndexed = indexDamaged(lastIndexed + 1, start, length, corruptSink);
        } else {
            LOG.log(System.Logger.Level.ERROR, "journal {0}: damaged bytes at position {1} have no free offset left"
                    + " to be reported under", path, start);
        }
        return lastIndexed;
    }

    private static boolean entriesFillExactly(byte[] b, int p, int end) {
        if (end - p < 4) {
            return false;
        }
        int count = readInt(b, p);
        p += 4;
        if (count < 0) {
            return false;
        }
        for (int i = 0; i < count; i++) {
            if (end - p < ENTRY_PREFIX_BYTES) {
                return false;
            }
            int length = readInt(b, p + 8);
            p += ENTRY_PREFIX_BYTES;
            if (length < 0 || length > end - p) {
                return false;
            }
            p += length;
        }
        return p == end;
    }

    private long indexDamaged(long offset, long filePosition, int length, Set<Long> corruptSink) {
        corruptSink.add(offset);
        index.stage(offset, filePosition, length);
        recordBytes += length;
        return offset;
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writer only: appends one RECORDS frame holding {@code records} (already validated by the log) and publishes
     * them to readers as one unit. Not durable until {@link #force()}.
     *
     * @throws IOException after cutting the file back to where it was, when the write failed (the caller decides
     *                     whether the log may continue)
     */
    void append(List<Record> records, int[] sizes, long totalRecordBytes) throws IOException {
        int n = records.size();
        long bodyLength = BODY_PREFIX_BYTES + 4 + (long) n * ENTRY_PREFIX_BYTES + totalRecordBytes;
        if (bodyLength > Integer.MAX_VALUE - FRAME_HEADER_BYTES) {
            throw new IllegalArgumentException("batch of " + n + " records is too large for one frame");
        }
        int frameLength = FRAME_HEADER_BYTES + (int) bodyLength;
        ByteBuffer frame = frameBuffer(frameLength);
        long framePosition = writePosition;
        long lastOffset = records.get(n - 1).offset();
        frame.putInt(FRAME_MAGIC).putInt((int) bodyLength).putInt(0);
        frame.put(FRAME_RECORDS).putLong(lastOffset + 1).putInt(n);
        long[] positions = new long[n];
        for (int i = 0; i < n; i++) {
            Record record = records.get(i);
            frame.putLong(record.offset()).putInt(sizes[i]);
            int before = frame.position();
            positions[i] = framePosition + before;
            RecordCodec.encode(record, frame);
            if (frame.position() - before != sizes[i]) {
                throw new IllegalStateException("record at offset " + record.offset() + " encoded to "
                        + (frame.position() - before) + " bytes, expected " + sizes[i]);
            }
        }
        CRC32C crc = new CRC32C();
        ByteBuffer body = frame.duplicate();
        body.position(FRAME_HEADER_BYTES).limit(frameLength);
        crc.update(body);
        frame.putInt(8, (int) crc.getValue());
        frame.flip();
        try {
            SegmentFiles.writeFully(channel, frame, framePosition);
        } catch (IOException e) {
            try {
                channel.truncate(framePosition);
                fileLength = framePosition;
            } catch (IOException again) {
                e.addSuppressed(again);
                throw new PartialWriteException(e);
            }
            throw e;
        }
        preallocate(framePosition + frameLength);
        for (int i = 0; i < n; i++) {
            Record record = records.get(i);
            index.stage(record.offset(), positions[i], sizes[i]);
            noteRecord(record.offset(), record.timestamp(), record, sizes[i]);
        }
        writePosition = framePosition + frameLength;
        endOffset = lastOffset + 1;
        index.publish(); // last: readers see the whole batch or none of it
    }

    /**
     * Keeps zeros written ahead of {@code end} (between half and all of {@value #PREALLOCATE_BYTES} bytes). An
     * fdatasync after a write inside blocks the file already has needs no file-system journal commit: on our disk
     * it takes 0.09 ms instead of 0.14 ms for a write that grows the file (docs/storage.md). Recovery reads zeros
     * after the last frame of the newest journal as this free space. A failure (a full disk) costs only the speed.
     */
    private void preallocate(long end) {
        long length = Math.max(fileLength, end);
        if (end + PREALLOCATE_BYTES / 2 <= length) {
            fileLength = length;
            return;
        }
        long target = end + PREALLOCATE_BYTES;
        try {
            while (length < target) {
                ByteBuffer zeros = ZEROS.duplicate();
                zeros.limit((int) (target - length));
                length += channel.write(zeros, length);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "journal {0}: cannot preallocate: {1}", path, e.getMessage());
        }
        fileLength = length;
    }

    /**
     * Writer only, for a journal that takes no more appends (rolled, or its log closing): cuts off the preallocated
     * zeros, so that only the newest journal ever ends in free space, and makes everything durable.
     */
    void trimAndForce() throws IOException {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            if (fileLength > writePosition) {
                channel.truncate(writePosition);
                fileLength = writePosition;
            }
            channel.force(false);
        }
    }

    /** The append failed and the half-written frame could not be removed: the log must stop writing. */
    static final class PartialWriteException extends IOException {
        PartialWriteException(IOException cause) {
            super("a failed write could not be cut back: " + cause.getMessage(), cause);
        }
    }

    private ByteBuffer frameBuffer(int length) {
        ByteBuffer buffer = frameBuffer;
        if (buffer == null || buffer.capacity() < length) {
            buffer = ByteBuffer.allocateDirect(Math.max(length, 64 * 1024));
            if (buffer.capacity() <= KEPT_FRAME_BUFFER_BYTES) {
                frameBuffer = buffer;
            }
        }
        buffer.clear().limit(length);
        return buffer;
    }

    /** Updates the journal's running facts for one stored record ({@code record} is null when it is damaged). */
    private void noteRecord(long offset, long timestamp, Record record, int length) {
        recordBytes += length;
        if (record != null) {
            if (firstTimestamp == Long.MIN_VALUE) {
                firstTimestamp = timestamp;
            }
            if (timestamp > maxTimestamp) {
                maxTimestamp = timestamp;
            }
            EpochStarts e = epochs;
            EpochStarts updated = e.with(record.epoch(), offset);
            if (updated != e) {
                epochs = updated;
            }
        }
        bytesSinceIndexEntry += length;
        if (bytesSinceIndexEntry >= indexIntervalBytes && maxTimestamp != Long.MIN_VALUE) {
            timeIndex.add(offset, maxTimestamp);
            bytesSinceIndexEntry = 0;
        }
    }

    /** Makes everything written so far durable. A journal already closed was forced before it was closed. */
    void force() throws IOException {
        synchronized (lifecycle) {
            if (!closed) {
                channel.force(false);
            }
        }
    }

    // ---------------------------------------------------------------- reading

    @Override
    public void scan(long from, long to, int countHint, long bytesHint, RawRecordVisitor visitor) {
        JournalIndex.View view = index.view();
        int i = view.ceiling(from);
        byte[] buffer = null;
        long wantedCount = Math.max(1, countHint);
        long wantedBytes = Math.max(1, bytesHint);
        while (i < view.size && view.offsets[i] <= to) {
            long chunkStart = view.positions[i];
            long chunkEnd = chunkStart + view.lengths[i];
            int j = i + 1;
            long count = 1;
            long bytes = view.lengths[i];
            while (j < view.size && view.offsets[j] <= to && count < wantedCount && bytes < wantedBytes
                    && view.positions[j] + view.lengths[j] - chunkStart <= READ_CHUNK_BYTES) {
                chunkEnd = view.positions[j] + view.lengths[j];
                bytes += view.lengths[j];
                count++;
                j++;
            }
            int chunkLength = (int) (chunkEnd - chunkStart);
            if (buffer == null || buffer.length < chunkLength) {
                buffer = new byte[chunkLength];
            }
            try {
                SegmentFiles.readFully(channel, ByteBuffer.wrap(buffer, 0, chunkLength), chunkStart);
            } catch (IOException e) {
                throw new LogException("cannot read " + describe() + " at position " + chunkStart + ": "
                        + e.getMessage(), e);
            }
            for (int k = i; k < j; k++) {
                if (!visitor.visit(view.offsets[k], buffer, (int) (view.positions[k] - chunkStart), view.lengths[k])) {
                    return;
                }
            }
            // Past the hinted amount the visitor evidently wants more: read whole chunks from now on.
            wantedCount = Long.MAX_VALUE;
            wantedBytes = Long.MAX_VALUE;
            i = j;
        }
    }

    @Override
    public long timestampScanStart(long timestamp) {
        return timeIndex.scanStart(timestamp, baseOffset);
    }

    /** Metadata for the sealed segment this (rolled, no longer written) journal becomes. */
    SegmentMeta sealedMeta() {
        return new SegmentMeta(baseOffset, endOffset, recordCount(), recordBytes, lastOffset(), maxTimestamp,
                timeIndex.offsets(), timeIndex.maxTimestamps(), epochs);
    }

    @Override
    public long baseOffset() {
        return baseOffset;
    }

    @Override
    public long endOffset() {
        return endOffset;
    }

    @Override
    public long recordCount() {
        return index.size();
    }

    @Override
    public long recordBytes() {
        return recordBytes;
    }

    @Override
    public long lastOffset() {
        return index.lastOffset();
    }

    @Override
    public long maxTimestamp() {
        return maxTimestamp;
    }

    /** Timestamp of the first intact record, {@link Long#MIN_VALUE} when none. */
    long firstTimestamp() {
        return firstTimestamp;
    }

    /** Clock time at which this journal was created or recovered. */
    long openedAtMs() {
        return openedAtMs;
    }

    @Override
    public long diskBytes() {
        return fileLength;
    }

    @Override
    public EpochStarts epochs() {
        return epochs;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public String describe() {
        return "journal " + path;
    }

    @Override
    public void close() {
        synchronized (lifecycle) {
            if (!closed) {
                closed = true;
                closeQuietly(channel);
            }
        }
    }

    @Override
    public String toString() {
        return describe();
    }

    // ---------------------------------------------------------------- encoding helpers

    private static ByteBuffer header(long baseOffset) {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        header.putInt(FILE_MAGIC).put(FILE_VERSION).putLong(baseOffset);
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, header.position());
        header.putInt((int) crc.getValue());
        return header.flip();
    }

    private static ByteBuffer markerFrame(long nextOffset, EpochStarts inherited) {
        int bodyLength = BODY_PREFIX_BYTES + inherited.encodedSize();
        ByteBuffer frame = ByteBuffer.allocate(FRAME_HEADER_BYTES + bodyLength);
        frame.putInt(FRAME_MAGIC).putInt(bodyLength).putInt(0);
        frame.put(FRAME_MARKER).putLong(nextOffset);
        inherited.writeTo(frame);
        return sealFrame(frame);
    }

    /** A RECORDS frame around {@code entries} (offset, length, bytes per record; position = end of data). */
    private static ByteBuffer recordsFrame(ByteBuffer entries, int count, long nextOffset) {
        int bodyLength = BODY_PREFIX_BYTES + 4 + entries.position();
        ByteBuffer frame = ByteBuffer.allocate(FRAME_HEADER_BYTES + bodyLength);
        frame.putInt(FRAME_MAGIC).putInt(bodyLength).putInt(0);
        frame.put(FRAME_RECORDS).putLong(nextOffset).putInt(count);
        frame.put(entries.array(), 0, entries.position());
        return sealFrame(frame);
    }

    private static ByteBuffer single(long offset, byte[] bytes, int from, int length) {
        ByteBuffer entry = ByteBuffer.allocate(ENTRY_PREFIX_BYTES + length);
        entry.putLong(offset).putInt(length).put(bytes, from, length);
        return entry;
    }

    private static ByteBuffer sealFrame(ByteBuffer frame) {
        CRC32C crc = new CRC32C();
        crc.update(frame.array(), FRAME_HEADER_BYTES, frame.position() - FRAME_HEADER_BYTES);
        frame.putInt(8, (int) crc.getValue());
        return frame.flip();
    }

    private static int write(FileChannel out, ByteBuffer data, long position) throws IOException {
        int length = data.remaining();
        SegmentFiles.writeFully(out, data, position);
        return length;
    }

    static int readInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    static long readLong(byte[] b, int at) {
        return (long) readInt(b, at) << 32 | (readInt(b, at + 4) & 0xffffffffL);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing left to save
            }
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            java.nio.file.Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // recovery deletes leftover temp files
        }
    }

    /** A sliding read buffer over a file for the recovery scan (no whole-file buffer, no mmap). */
    private static final class FileWindow {
        private final FileChannel channel;
        final long size;
        byte[] bytes = new byte[READ_CHUNK_BYTES];
        private long start;
        private int length;

        FileWindow(FileChannel channel, long size) {
            this.channel = channel;
            this.size = size;
        }

        /** Makes {@code [position, position + n)} available; returns its index in {@link #bytes}. */
        int ensure(long position, int n) throws IOException {
            if (position >= start && position + n <= start + length) {
                return (int) (position - start);
            }
            if (n > bytes.length) {
                bytes = new byte[n];
            }
            int wanted = (int) Math.min(bytes.length, size - position);
            if (wanted < n) {
                throw new java.io.EOFException("need " + n + " bytes at position " + position + ", file has " + size);
            }
            SegmentFiles.readFully(channel, ByteBuffer.wrap(bytes, 0, wanted), position);
            start = position;
            length = wanted;
            return 0;
        }
    }
}
