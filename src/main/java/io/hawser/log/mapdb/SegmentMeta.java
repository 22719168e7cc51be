package io.hawser.log.mapdb;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * What a sealed segment file says about itself, stored next to its records in the same MapDB file and protected
 * by its own CRC32C (MapDB returns flipped bits without complaint).
 *
 * @param baseOffset      the segment's first possible offset (its file name)
 * @param endOffset       the offset after the segment: the next segment's base when it was sealed
 * @param recordCount     records stored (fewer than the offset range after compaction)
 * @param recordBytes     sum of the stored records' encoded sizes
 * @param lastOffset      the largest stored offset, -1 when empty
 * @param maxTimestamp    the largest record timestamp, {@link Long#MIN_VALUE} when empty
 * @param timeIndexOffsets       sparse timestamp index: offsets ...
 * @param timeIndexMaxTimestamps ... and the running maximum timestamp up to each
 * @param epochs          leader epochs first seen in this segment; kept as is by compaction
 */
record SegmentMeta(long baseOffset, long endOffset, long recordCount, long recordBytes, long lastOffset,
                   long maxTimestamp, long[] timeIndexOffsets, long[] timeIndexMaxTimestamps, EpochStarts epochs) {

    private static final int MAGIC = 0x4857534d; // "HWSM"
    private static final byte VERSION = 1;

    SegmentMeta {
        if (timeIndexOffsets.length != timeIndexMaxTimestamps.length) {
            throw new IllegalArgumentException("time index arrays differ in length");
        }
    }

    byte[] encode() {
        int size = 4 + 1 + 8 * 6 + 4 + timeIndexOffsets.length * 16 + epochs.encodedSize() + 4;
        ByteBuffer out = ByteBuffer.allocate(size);
        out.putInt(MAGIC).put(VERSION);
        out.putLong(baseOffset).putLong(endOffset).putLong(recordCount).putLong(recordBytes).putLong(lastOffset)
                .putLong(maxTimestamp);
        out.putInt(timeIndexOffsets.length);
        for (int i = 0; i < timeIndexOffsets.length; i++) {
            out.putLong(timeIndexOffsets[i]).putLong(timeIndexMaxTimestamps[i]);
        }
        epochs.writeTo(out);
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return out.array();
    }

    /** @throws IllegalArgumentException when the bytes are damaged or of an unknown version (message says which) */
    static SegmentMeta decode(byte[] bytes) {
        if (bytes == null || bytes.length < 4 + 1 + 4) {
            throw new IllegalArgumentException("segment metadata is missing or truncated");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        int stored = ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
        if (stored != (int) crc.getValue()) {
            throw new IllegalArgumentException("segment metadata failed its CRC32C check");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, bytes.length - 4);
        try {
            if (in.getInt() != MAGIC) {
                throw new IllegalArgumentException("segment metadata has a wrong magic number");
            }
            byte version = in.get();
            if (version != VERSION) {
                throw new IllegalArgumentException("segment metadata has unknown version " + version);
            }
            long base = in.getLong();
            long end = in.getLong();
            long count = in.getLong();
            long bytesStored = in.getLong();
            long last = in.getLong();
            long maxTs = in.getLong();
            int entries = in.getInt();
            if (entries < 0 || entries > in.remaining() / 16) {
                throw new IllegalArgumentException("segment metadata has an impossible index size " + entries);
            }
            long[] offsets = new long[entries];
            long[] maxima = new long[entries];
            for (int i = 0; i < entries; i++) {
                offsets[i] = in.getLong();
                maxima[i] = in.getLong();
            }
            EpochStarts epochs = EpochStarts.readFrom(in);
            return new SegmentMeta(base, end, count, bytesStored, last, maxTs, offsets, maxima, epochs);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("segment metadata is truncated");
        }
    }
}
