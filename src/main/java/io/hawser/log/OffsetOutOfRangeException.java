package io.hawser.log;

/** A read asked for an offset before the log's start (removed by retention) . */
public class OffsetOutOfRangeException extends LogException {
    private final long requested;
    private final long startOffset;

    public OffsetOutOfRangeException(long requested, long startOffset) {
        super("offset " + requested + " is before the log start offset " + startOffset);
        this.requested = requested;
        this.startOffset = startOffset;
    }

    public long requested() {
        return requested;
    }

    public long startOffset() {
        return startOffset;
    }
}
