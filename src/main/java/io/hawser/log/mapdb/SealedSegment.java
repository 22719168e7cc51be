package io.hawser.log.mapdb;

import io.hawser.log.CorruptRecordException;
import io.hawser.log.LogException;
import io.hawser.log.RecordCodec;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.mapdb.volume.MappedFileVol;
import org.mapdb.volume.Volume;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A sealed segment: one MapDB file, written once and never modified, holding
 * <ul>
 *   <li>{@code records}: {@code BTreeMap<Long, byte[]>}, offset to encoded record ({@link RecordCodec}), values
 *       stored outside the B-tree nodes, bulk-loaded in offset order from a sink;</li>
 *   <li>{@code meta}: a {@link SegmentMeta} blob (counts, end offset, sparse timestamp index, leader epochs) with
 *       its own CRC32C.</li>
 * </ul>
 * The file is built under a temporary name without transactions, closed, fsynced and only then renamed into place:
 * MapDB cannot reopen a store that died before its first commit, so a half-built file must never carry a real
 * name. It is opened read-only through a memory-mapped volume of our own making, because MapDB's own read-only mode
 * maps the file in a way its cleaner cannot unmap, and the space of a deleted segment would only come back at the
 * next garbage collection. MapDB's file lock is disabled (the log holds a directory lock instead), so a file that
 * fails to open leaves no stale lock behind in this JVM.
 *
 * <p>Threading: immutable once open; reads on any thread concurrently. {@link #close()} unmaps the file, so the
 * log calls it only under its structure write lock, when no reader can be inside.
 */
final class SealedSegment implements Segment {
    private static final System.Logger LOG = System.getLogger(SealedSegment.class.getName());
    private static final String RECORDS = "records";
    private static final String META = "meta";
    private static final int SLICE_SHIFT = 20;
    private static final long SLICE_BYTES = 1L << SLICE_SHIFT;
    private static final long FLUSH_EVERY_BYTES = 8L << 20;

    private final Path path;
    private final DB db;
    private final BTreeMap<Long, byte[]> records;
    private final SegmentMeta meta;
    private final SparseTimeIndex timeIndex;
    private final long diskBytes;
    private final Object lifecycle = new Object();
    private boolean closed; // guarded by lifecycle

    private SealedSegment(Path path, DB db, BTreeMap<Long, byte[]> records, SegmentMeta meta, long diskBytes) {
        this.path = path;
        this.db = db;
        this.records = records;
        this.meta = meta;
        this.timeIndex = new SparseTimeIndex(meta.timeIndexOffsets(), meta.timeIndexMaxTimestamps());
        this.diskBytes = diskBytes;
    }

    /**
     * Builds a segment file at {@code temp}: records from {@code source} (ascending offsets, exactly
     * {@code meta.recordCount()} of them), then the metadata; closes and fsyncs it. The caller renames it.
     *
     * @param cancelled polled while loading; when it turns true the build stops and the temp file is deleted
     * @return false when cancelled
     */
    static boolean write(Path temp, SegmentMeta meta, Consumer<RawRecordVisitor> source, BooleanSupplier cancelled) {
        SegmentFiles.delete(temp);
        DB db = null;
        try {
            // One thread builds a brand-new file: no locks needed, and new file space is already zero.
            db = DBMaker.fileDB(temp.toFile()).fileMmapEnableIfSupported().fileLockDisable().cleanerHackEnable()
                    .concurrencyDisable().fileMmapPreclearDisable().make();
            DB.TreeMapSink<Long, byte[]> sink = db.treeMap(RECORDS, Serializer.LONG, Serializer.BYTE_ARRAY)
                    .valuesOutsideNodesEnable().createFromSink();
            long[] loaded = {0};
            long[] unflushedBytes = {0};
            boolean[] stopped = {false};
            try (FileChannel flusher = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                source.accept((offset, bytes, from, length) -> {
                    if ((loaded[0] & 1023) == 0 && cancelled.getAsBoolean()) {
                        stopped[0] = true;
                        return false;
                    }
                    sink.put(offset, Arrays.copyOfRange(bytes, from, from + length));
                    loaded[0]++;
                    unflushedBytes[0] += length;
                    if (unflushedBytes[0] >= FLUSH_EVERY_BYTES) {
                        // Write back as we go: one fsync of a whole segment at the end would stall the active
                        // journal's group commits (they queue behind it on the same disk) for tens of ms.
                        force(flusher, temp);
                        unflushedBytes[0] = 0;
                    }
                    return true;
                });
            } catch (IOException e) {
                throw new LogException("cannot write segment file " + temp + ": " + e.getMessage(), e);
            }
            if (stopped[0]) {
                db.close();
                db = null;
                SegmentFiles.delete(temp);
                return false;
            }
            if (loaded[0] != meta.recordCount()) {
                throw new IllegalStateException("segment " + temp + " got " + loaded[0] + " records, expected "
                        + meta.recordCount());
            }
            sink.create();
            db.atomicVar(META, Serializer.BYTE_ARRAY).create().set(meta.encode());
            db.close();
            db = null;
            SegmentFiles.fsyncFile(temp);
            return true;
        } catch (RuntimeException | InternalError e) {
            // InternalError: a page fault on the memory-mapped file, e.g. the disk filled up under it.
            if (db != null) {
                try {
                    db.close();
                } catch (RuntimeException | InternalError ignored) {
                    // the file is deleted below anyway
                }
            }
            try {
                SegmentFiles.delete(temp);
            } catch (LogException again) {
                e.addSuppressed(again);
            }
            throw e instanceof LogException le ? le
                    : new LogException("cannot build segment file " + temp + ": " + e, e);
        }
    }

    /**
     * Opens a sealed segment read-only.
     *
     * @param verify      check the CRC32C of every record (done once at log open); offsets that fail go to
     *                    {@code corruptSink} and stay readable as corrupt
     * @throws LogException naming the file when it is not a readable segment of {@code expectedBase}
     */
    static SealedSegment open(Path path, long expectedBase, boolean verify, Set<Long> corruptSink) {
        long size = SegmentFiles.sizeOf(path);
        if (size == 0 || size % SLICE_BYTES != 0) {
            throw new LogException("sealed segment " + path + " is " + size + " bytes, not a whole number of"
                    + " MapDB slices (" + SLICE_BYTES + " bytes): truncated or damaged");
        }
        Volume volume = null;
        DB db = null;
        try {
            volume = new MappedFileVol(path.toFile(), true, -1L, SLICE_SHIFT, true, 0L, false);
            // Nothing ever writes a sealed file, so concurrent readers need no store locks.
            db = DBMaker.volumeDB(volume, true).readOnly().concurrencyDisable().make();
            BTreeMap<Long, byte[]> records = db.treeMap(RECORDS, Serializer.LONG, Serializer.BYTE_ARRAY).open();
            SegmentMeta meta;
            try {
                meta = SegmentMeta.decode(db.atomicVar(META, Serializer.BYTE_ARRAY).open().get());
            } catch (IllegalArgumentException e) {
                throw new LogException("sealed segment " + path + ": " + e.getMessage());
            }
            if (meta.baseOffset() != expectedBase) {
                throw new LogException("sealed segment " + path + " says its base offset is " + meta.baseOffset()
                        + " but its name says " + expectedBase);
            }
            SealedSegment segment = new SealedSegment(path, db, records, meta, size);
            if (verify) {
                segment.verify(corruptSink);
            }
            return segment;
        } catch (RuntimeException e) {
            try {
                if (db != null) {
                    db.close();
                } else if (volume != null) {
                    volume.close();
                }
            } catch (RuntimeException again) {
                e.addSuppressed(again);
            }
            throw e instanceof LogException le ? le
                    : new LogException("cannot open sealed segment " + path + ": " + e, e);
        }
    }

    private void verify(Set<Long> corruptSink) {
        long count = 0;
        long bytes = 0;
        Iterator<Map.Entry<Long, byte[]>> it = records.entryIterator();
        while (it.hasNext()) {
            Map.Entry<Long, byte[]> entry = it.next();
            long offset = entry.getKey();
            byte[] value = entry.getValue();
            if (offset < meta.baseOffset() || offset >= meta.endOffset()) {
                throw new LogException("sealed segment " + path + " holds offset " + offset + " outside its range "
                        + meta.baseOffset() + ".." + (meta.endOffset() - 1));
            }
            count++;
            bytes += value.length;
            try {
                RecordCodec.verify(value, 0, value.length, offset);
            } catch (CorruptRecordException e) {
                corruptSink.add(offset);
                LOG.log(System.Logger.Level.ERROR, "sealed segment {0}: {1}", path, e.getMessage());
            }
        }
        if (count != meta.recordCount() || bytes != meta.recordBytes()) {
            throw new LogException("sealed segment " + path + " holds " + count + " records (" + bytes
                    + " bytes) but its metadata says " + meta.recordCount() + " (" + meta.recordBytes() + " bytes)");
        }
    }

    @Override
    public void scan(long from, long to, int countHint, long bytesHint, RawRecordVisitor visitor) {
        if (from > to) {
            return;
        }
        long next = from;
        Iterator<Map.Entry<Long, byte[]>> it;
        try {
            it = records.entryIterator(from, true, to, true);
        } catch (RuntimeException e) {
            throw damaged(next, e);
        }
        while (true) {
            long offset;
            byte[] value;
            try {
                if (!it.hasNext()) {
                    return;
                }
                Map.Entry<Long, byte[]> entry = it.next();
                offset = entry.getKey();
                value = entry.getValue();
            } catch (RuntimeException e) {
                throw damaged(next, e);
            }
            next = offset + 1;
            if (!visitor.visit(offset, value, 0, value.length)) {
                return;
            }
        }
    }

    private static void force(FileChannel channel, Path file) {
        try {
            channel.force(false);
        } catch (IOException e) {
            throw new LogException("cannot fsync " + file + ": " + e.getMessage(), e);
        }
    }

    private CorruptRecordException damaged(long offset, RuntimeException e) {
        return new CorruptRecordException(offset, "sealed segment " + path + " is damaged at or after offset "
                + offset + " (MapDB: " + e + ")");
    }

    SegmentMeta meta() {
        return meta;
    }

    @Override
    public long timestampScanStart(long timestamp) {
        return timeIndex.scanStart(timestamp, meta.baseOffset());
    }

    @Override
    public long baseOffset() {
        return meta.baseOffset();
    }

    @Override
    public long endOffset() {
        return meta.endOffset();
    }

    @Override
    public long recordCount() {
        return meta.recordCount();
    }

    @Override
    public long recordBytes() {
        return meta.recordBytes();
    }

    @Override
    public long lastOffset() {
        return meta.lastOffset();
    }

    @Override
    public long maxTimestamp() {
        return meta.maxTimestamp();
    }

    @Override
    public long diskBytes() {
        return diskBytes;
    }

    @Override
    public EpochStarts epochs() {
        return meta.epochs();
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public String describe() {
        return "sealed segment " + path;
    }

    @Override
    public void close() {
        synchronized (lifecycle) {
            if (!closed) {
                closed = true;
                db.close();
            }
        }
    }

    @Override
    public String toString() {
        return describe();
    }
}
