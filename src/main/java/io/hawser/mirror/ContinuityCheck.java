package io.hawser.mirror;

import io.hawser.model.StoredMessage;

import java.util.Arrays;
import java.util.List;

/**
 * The rules every batch a mirror receives must pass before it is stored.
 *
 * <p>A batch is read from the <em>anchor</em>, the last message already copied, so its first message must be the
 * anchor again, unchanged: a source stream that was deleted and created again, or restored from an older state,
 * shows up here instead of being continued as if it were the same stream. After the anchor, offsets go up by
 * exactly one from the mirror's next offset. A compacted source legitimately has holes (the anchor itself may be
 * compacted away), so there the rule is "strictly increasing, at or after the next offset". Anything else (a source
 * that skipped, repeated or reordered) is rejected whole.
 */
public final class ContinuityCheck {
    private ContinuityCheck() {
    }

    /**
     * @param fresh     the messages to store (the batch without the anchor) when the batch passed
     * @param violation why the batch was rejected, else null
     * @param diverged  the source's copy of the anchor differs: it is no longer the stream this mirror copied
     */
    public record Verdict(List<StoredMessage> fresh, String violation, boolean diverged) {
        public boolean passed() {
            return violation == null;
        }
    }

    /**
     * @param anchor     the last message copied (the batch was read from its offset), or null when the batch was
     *                   read from {@code nextOffset}
     * @param nextOffset the mirror's next offset
     */
    public static Verdict check(StoredMessage anchor, long nextOffset, boolean compactedSource,
                                List<StoredMessage> batch) {
        List<StoredMessage> fresh = batch;
        if (anchor != null) {
            StoredMessage first = batch.isEmpty() ? null : batch.get(0);
            if (first != null && first.offset() == anchor.offset()) {
                if (!same(first, anchor)) {
                    return new Verdict(List.of(), "the source's message at offset " + anchor.offset() + " differs "
                            + "from this mirror's copy: the source stream was deleted and created again, or restored "
                            + "from an older state", true);
                }
                fresh = batch.subList(1, batch.size());
            } else if (!compactedSource) {
                return new Verdict(List.of(), first == null
                        ? "the source no longer has offset " + anchor.offset() + ", which this mirror copied"
                        : "expected the copied offset " + anchor.offset() + " first but the source sent "
                        + first.offset(), false);
            }
        }
        String violation = violation(nextOffset, compactedSource, fresh);
        return new Verdict(violation == null ? fresh : List.of(), violation, false);
    }

    /** Null when the batch, read from {@code requestedOffset}, may be stored, else why not. */
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

    /** Same content: timestamp, key, headers and value. */
    public static boolean same(StoredMessage a, StoredMessage b) {
        return a.timestamp() == b.timestamp() && Arrays.equals(a.key(), b.key())
                && a.headers().equals(b.headers()) && Arrays.equals(a.value(), b.value());
    }
}
