package io.hawser.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The binary form of one {@link Record}: what segments store and what replication ships, byte for byte.
 *
 * <pre>
 * offset in record   field
 *  0  int32          crc32c of every byte after this field
 *  4  int8           format version (1)
 *  5  int64          offset
 * 13  int32          leader epoch
 * 17  int64          timestamp (epoch millis)
 * 25  int32          key length, -1 for no key, then the key bytes
 *  .  int32          header count, then per header: int32 length + UTF-8 name, int32 length + UTF-8 value
 *  .  int32          value length, then the value bytes
 * </pre>
 * All integers are big-endian. A record is self-delimiting but carries no outer length: containers (journal frames,
 * segment files, replication batches) say where each record starts and ends. A reader that meets a version it does
 * not know reports the record as corrupt rather than guessing.
 *
 * <p>Threading: stateless; every method may be called from any thread.
 */
public final class RecordCodec {

    /** The only format written today. */
    public static final byte FORMAT_V1 = 1;

    /** Bytes of a record with no key, no headers and an empty value. */
    public static final int MIN_RECORD_BYTES = 4 + 1 + 8 + 4 + 8 + 4 + 4 + 4;

    private static final int CRC_BYTES = 4;
    private static final int VERSION_AT = 4;
    private static final int OFFSET_AT = 5;
    private static final int EPOCH_AT = 13;
    private static final int TIMESTAMP_AT = 17;
    private static final int KEY_AT = 25;

    private RecordCodec() {
    }

    /** Exact number of bytes {@link #encode(Record)} produces. */
    public static int encodedSize(Record record) {
        long size = MIN_RECORD_BYTES + (record.key() == null ? 0 : record.key().length) + record.value().length;
        for (Map.Entry<String, String> header : record.headers().entrySet()) {
            size += 8 + utf8Length(headerName(header)) + utf8Length(headerValue(header));
        }
        if (size > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("record at offset " + record.offset() + " is too large: " + size + " bytes");
        }
        return (int) size;
    }

    public static byte[] encode(Record record) {
        byte[] bytes = new byte[encodedSize(record)];
        encode(record, ByteBuffer.wrap(bytes));
        return bytes;
    }

    /**
     * Writes the record at {@code out}'s position and advances it by {@link #encodedSize(Record)} bytes.
     *
     * @throws java.nio.BufferOverflowException when {@code out} has too little room (nothing useful is written)
     * @throws IllegalArgumentException         on a null header name or value
     */
    public static void encode(Record record, ByteBuffer out) {
        int start = out.position();
        out.putInt(0); // checksum, filled in below once the rest is written
        out.put(FORMAT_V1);
        out.putLong(record.offset());
        out.putInt(record.epoch());
        out.putLong(record.timestamp());
        byte[] key = record.key();
        if (key == null) {
            out.putInt(-1);
        } else {
            out.putInt(key.length);
            out.put(key);
        }
        out.putInt(record.headers().size());
        for (Map.Entry<String, String> header : record.headers().entrySet()) {
            putString(out, headerName(header));
            putString(out, headerValue(header));
        }
        out.putInt(record.value().length);
        out.put(record.value());
        int end = out.position();
        CRC32C crc = new CRC32C();
        ByteBuffer covered = out.duplicate();
        covered.limit(end).position(start + CRC_BYTES);
        crc.update(covered);
        out.putInt(start, (int) crc.getValue());
    }

    /** Decodes a record that occupies the whole array; the offset it claims is trusted. */
    public static Record decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length, -1);
    }

    /** Decodes the record occupying {@code buffer}'s remaining bytes and consumes them. */
    public static Record decode(ByteBuffer buffer) {
        int length = buffer.remaining();
        Record record;
        if (buffer.hasArray()) {
            record = decode(buffer.array(), buffer.arrayOffset() + buffer.position(), length, -1);
        } else {
            byte[] copy = new byte[length];
            buffer.duplicate().get(copy);
            record = decode(copy, 0, length, -1);
        }
        buffer.position(buffer.limit());
        return record;
    }

    /**
     * Decodes the record in {@code bytes[from, from + length)}, checking its CRC32C first.
     *
     * @param expectedOffset the offset the container filed this record under, or -1 when unknown; a record claiming
     *                       another offset is corrupt
     * @throws CorruptRecordException when the checksum fails, the framing is impossible, the version is unknown or
     *                                the offset is not the expected one; the exception carries {@code expectedOffset}
     *                                (or the claimed offset when none was expected)
     */
    public static Record decode(byte[] bytes, int from, int length, long expectedOffset) {
        verify(bytes, from, length, expectedOffset);
        long offset = readLong(bytes, from + OFFSET_AT);
        Reader in = new Reader(bytes, from + KEY_AT, from + length, offset);
        int epoch = readInt(bytes, from + EPOCH_AT);
        long timestamp = readLong(bytes, from + TIMESTAMP_AT);
        byte[] key = in.bytesOrNull("key");
        int headerCount = in.count("header count");
        Map<String, String> headers;
        if (headerCount == 0) {
            headers = Collections.emptyMap();
        } else {
            headers = new LinkedHashMap<>(Math.max(4, headerCount * 2));
            for (int i = 0; i < headerCount; i++) {
                String name = in.string("header name");
                headers.put(name, in.string("header value"));
            }
        }
        byte[] value = in.bytes("value");
        if (in.position != from + length) {
            throw in.corrupt((from + length - in.position) + " trailing bytes after the value");
        }
        return new Record(offset, epoch, timestamp, key, headers, value);
    }

    /**
     * Checks the CRC32C, version and offset of the record in {@code bytes[from, from + length)} without decoding
     * its contents.
     *
     * @throws CorruptRecordException as {@link #decode(byte[], int, int, long)} does
     */
    public static void verify(byte[] bytes, int from, int length, long expectedOffset) {
        if (from < 0 || length < 0 || from > bytes.length - length) {
            throw new IndexOutOfBoundsException("range " + from + "+" + length + " of " + bytes.length + " bytes");
        }
        if (length < MIN_RECORD_BYTES) {
            throw new CorruptRecordException(expectedOffset, describe(expectedOffset)
                    + " is " + length + " bytes, shorter than any record (" + MIN_RECORD_BYTES + ")");
        }
        long claimed = readLong(bytes, from + OFFSET_AT);
        CRC32C crc = new CRC32C();
        crc.update(bytes, from + CRC_BYTES, length - CRC_BYTES);
        int stored = readInt(bytes, from);
        int computed = (int) crc.getValue();
        long reported = expectedOffset >= 0 ? expectedOffset : claimed;
        if (stored != computed) {
            throw new CorruptRecordException(reported, describe(reported) + " failed its CRC32C check (stored "
                    + hex(stored) + ", computed " + hex(computed) + ", " + length + " bytes)");
        }
        byte version = bytes[from + VERSION_AT];
        if (version != FORMAT_V1) {
            throw new CorruptRecordException(reported, describe(reported) + " has unknown format version " + version);
        }
        if (expectedOffset >= 0 && claimed != expectedOffset) {
            throw new CorruptRecordException(expectedOffset, describe(expectedOffset) + " holds a record for offset "
                    + claimed);
        }
    }

    private static String describe(long offset) {
        return offset >= 0 ? "record at offset " + offset : "record";
    }

    private static String hex(int value) {
        return String.format("0x%08x", value);
    }

    private static String headerName(Map.Entry<String, String> header) {
        if (header.getKey() == null) {
            throw new IllegalArgumentException("null header name");
        }
        return header.getKey();
    }

    private static String headerValue(Map.Entry<String, String> header) {
        if (header.getValue() == null) {
            throw new IllegalArgumentException("null value for header " + header.getKey());
        }
        return header.getValue();
    }

    private static int utf8Length(String s) {
        int bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3; // an unpaired surrogate: putString rejects it, so the count only has to differ
            }
        }
        return bytes;
    }

    private static void putString(ByteBuffer out, String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        if (utf8.length != utf8Length(s)) {
            throw new IllegalArgumentException("header text is not valid UTF-16 (unpaired surrogate): " + s);
        }
        out.putInt(utf8.length);
        out.put(utf8);
    }

    static int readInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    static long readLong(byte[] b, int at) {
        return (long) readInt(b, at) << 32 | (readInt(b, at + 4) & 0xffffffffL);
    }

    /** Bounds-checked cursor over a record whose checksum already passed (a bad length is still possible). */
    private static final class Reader {
        private final byte[] bytes;
        private final int end;
        private final long offset;
        private int position;

        Reader(byte[] bytes, int position, int end, long offset) {
            this.bytes = bytes;
            this.position = position;
            this.end = end;
            this.offset = offset;
        }

        int count(String what) {
            if (end - position < 4) {
                throw corrupt(what + " runs past the end");
            }
            int n = readInt(bytes, position);
            position += 4;
            if (n < 0) {
                throw corrupt("negative " + what + " " + n);
            }
            return n;
        }

        byte[] bytesOrNull(String what) {
            if (end - position >= 4 && readInt(bytes, position) == -1) {
                position += 4;
                return null;
            }
            return bytes(what);
        }

        byte[] bytes(String what) {
            int n = count(what + " length");
            if (n > end - position) {
                throw corrupt(what + " length " + n + " runs past the end");
            }
            byte[] out = new byte[n];
            System.arraycopy(bytes, position, out, 0, n);
            position += n;
            return out;
        }

        String string(String what) {
            int n = count(what + " length");
            if (n > end - position) {
                throw corrupt(what + " length " + n + " runs past the end");
            }
            String s = new String(bytes, position, n, StandardCharsets.UTF_8);
            position += n;
            return s;
        }

        CorruptRecordException corrupt(String why) {
            return new CorruptRecordException(offset, describe(offset) + " has impossible framing: " + why);
        }
    }
}
