package io.hawser.mirror;

import io.hawser.model.StoredMessage;

import java.util.List;

/**
 * The rule every batch a mirror receives must pass before it is stored: offsets start exactly at the requested
 * offset and go up by one. A compacted source legitimately has holes, so there the rule is "at or after the requested
 * offset, strictly increasing". Anything else (a source that skipped, repeated or reordered) is rejected whole.
 */
public final class ContinuityCheck {
    private ContinuityCheck() {
    }

    /** Null when the batch may be stored, else why not. */
    public static String violation(long requestedOffset, boolean compactedSource, List<StoredMessage> batch) {
        long expected = requestedOffset;
        for (StoredMessage m : batch) {
            boolean ok = compactedSource ? m.offset() >= expected : m.offset() == expected;
            if (!ok) {
                return "expected offset " + (compactedSource ? ">= " : "") + expected + " but the source sent "
                        + m.offset() + " (batch requested from offset " + requestedOffset + ")";
            }
            expected = m.offset() + 1;
        }
        return null;
    }
}
