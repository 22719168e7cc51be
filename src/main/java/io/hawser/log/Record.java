package io.hawser.log;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * One stored message. Offsets are assigned by the partition leader; the epoch is the leader epoch that wrote it.
 *
 * @param key     null when the message has no key
 * @param headers never null; insertion order is preserved by implementations
 */
public record Record(long offset, int epoch, long timestamp, byte[] key, Map<String, String> headers, byte[] value) {

    public Record {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(value, "value");
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
    }

    /** Approximate stored size, used for byte-based limits. */
    public int sizeInBytes() {
        int size = 40 + value.length + (key == null ? 0 : key.length);
        for (Map.Entry<String, String> h : headers.entrySet()) {
            size += 8 + h.getKey().length() + h.getValue().length();
        }
        return size;
    }

    /** The same message at another offset and epoch (the leader stamps both when it appends). */
    public Record withPosition(long newOffset, int newEpoch) {
        return new Record(newOffset, newEpoch, timestamp, key, headers, value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Record r
                && offset == r.offset
                && epoch == r.epoch
                && timestamp == r.timestamp
                && Arrays.equals(key, r.key)
                && headers.equals(r.headers)
                && Arrays.equals(value, r.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(offset, epoch, timestamp, Arrays.hashCode(key), headers, Arrays.hashCode(value));
    }

    @Override
    public String toString() {
        return "Record[offset=" + offset + ", epoch=" + epoch + ", timestamp=" + timestamp
                + ", key=" + (key == null ? "null" : key.length + "B") + ", headers=" + headers.keySet()
                + ", value=" + value.length + "B]";
    }
}
