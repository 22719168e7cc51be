package io.hawser.log;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Deterministic test records: everything about a record can be recomputed from its offset. */
public final class TestRecords {
    private TestRecords() {
    }

    /** {@code size} bytes that only this offset produces. */
    public static byte[] valueFor(long offset, int size) {
        byte[] value = new byte[size];
        new SplittableRandom(offset * 0x9E3779B97F4A7C15L + 17).nextBytes(value);
        return value;
    }

    /** A keyless, headerless record with a {@code valueSize}-byte value derived from the offset. */
    public static Record record(long offset, int epoch, long timestamp, int valueSize) {
        return new Record(offset, epoch, timestamp, null, Map.of(), valueFor(offset, valueSize));
    }

    public static Record keyed(long offset, int epoch, long timestamp, String key, int valueSize) {
        byte[] k = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
        return new Record(offset, epoch, timestamp, k, Map.of(), valueFor(offset, valueSize));
    }

    /** Records {@code from..from+count-1}, epoch as given, timestamp = base + offset. */
    public static List<Record> batch(long from, int count, int epoch, long timestampBase, int valueSize) {
        List<Record> records = new ArrayList<>(count);
        for (long o = from; o < from + count; o++) {
            records.add(record(o, epoch, timestampBase + o, valueSize));
        }
        return records;
    }

    /** A record with a key, ordered headers and a recognisable payload. */
    public static Record rich(long offset) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("zeta", "last-first " + offset);
        headers.put("alpha", "ünïcödé ✓ " + offset);
        headers.put("mid", "");
        return new Record(offset, 3, 1_700_000_000_000L + offset, ("key-" + offset).getBytes(StandardCharsets.UTF_8),
                headers, valueFor(offset, 50 + (int) (offset % 50)));
    }

    /** Checks a record is exactly {@link #record}(offset, ...) for its own offset: value derived from the offset. */
    public static boolean hasDerivedValue(Record record, int valueSize) {
        return java.util.Arrays.equals(record.value(), valueFor(record.offset(), valueSize));
    }
}
