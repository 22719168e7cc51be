package io.hawser.log;

/** A stored record failed its CRC32C (or could not be decoded): it is an error, never returned as data. */
public class CorruptRecordException extends LogException {
    private final long offset;

    public CorruptRecordException(long offset, String message) {
        super(message);
        this.offset = offset;
    }

    public long offset() {
        return offset;
    }
}
