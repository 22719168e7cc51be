package io.hawser.mirror;

import io.hawser.model.StoredMessage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ContinuityCheckTest {

    private static List<StoredMessage> at(long... offsets) {
        List<StoredMessage> batch = new ArrayList<>();
        for (long o : offsets) {
            batch.add(new StoredMessage(o, 1_000 + o, null, Map.of(), new byte[]{(byte) o}));
        }
        return batch;
    }

    @Test
    void exactlyTheNextOffsetsPass() {
        assertNull(ContinuityCheck.violation(10, false, at(10, 11, 12)));
        assertNull(ContinuityCheck.violation(10, false, at()));
    }

    @Test
    void aGapADuplicateOrAReorderIsRejected() {
        String gap = ContinuityCheck.violation(10, false, at(10, 12));
        assertNotNull(gap);
        assertTrue(gap.contains("expected offset 11 but the source sent 12"), gap);
        assertNotNull(ContinuityCheck.violation(10, false, at(11, 12)), "a skipped first offset");
        assertNotNull(ContinuityCheck.violation(10, false, at(9, 10)), "a duplicate of what is already copied");
        assertNotNull(ContinuityCheck.violation(10, false, at(10, 10)), "a repeated offset");
        assertNotNull(ContinuityCheck.violation(10, false, at(11, 10)), "a reorder");
    }

    @Test
    void aCompactedSourceMayHaveHolesButNeverGoesBack() {
        assertNull(ContinuityCheck.violation(10, true, at(12, 15, 16)));
        assertNotNull(ContinuityCheck.violation(10, true, at(9)));
        assertNotNull(ContinuityCheck.violation(10, true, at(12, 12)));
        assertNotNull(ContinuityCheck.violation(10, true, at(12, 11)));
    }

    @Test
    void anAnchoredBatchStartsWithTheUnchangedAnchor() {
        StoredMessage anchor = at(9).get(0);
        ContinuityCheck.Verdict ok = ContinuityCheck.check(anchor, 10, false, at(9, 10, 11));
        assertTrue(ok.passed());
        assertEquals(List.of(10L, 11L), ok.fresh().stream().map(StoredMessage::offset).toList());
        assertTrue(ContinuityCheck.check(anchor, 10, false, at(9)).fresh().isEmpty(), "nothing new yet");

        StoredMessage changed = new StoredMessage(9, 5, null, Map.of(), new byte[]{9});
        ContinuityCheck.Verdict reborn = ContinuityCheck.check(anchor, 10, false, List.of(changed));
        assertTrue(reborn.diverged());
        assertTrue(reborn.violation().contains("differs from this mirror's copy"), reborn.violation());

        ContinuityCheck.Verdict missing = ContinuityCheck.check(anchor, 10, false, at(10, 11));
        assertFalse(missing.passed());
        assertFalse(missing.diverged());
        assertFalse(ContinuityCheck.check(anchor, 10, false, at()).passed(), "the source lost the anchor");
        assertFalse(ContinuityCheck.check(anchor, 10, false, at(9, 11)).passed(), "a gap after the anchor");
    }

    @Test
    void aCompactedSourceMayHaveCompactedTheAnchorAway() {
        StoredMessage anchor = at(9).get(0);
        ContinuityCheck.Verdict ok = ContinuityCheck.check(anchor, 10, true, at(12, 13));
        assertTrue(ok.passed());
        assertEquals(2, ok.fresh().size());
        assertTrue(ContinuityCheck.check(anchor, 10, true, at()).passed());
        assertTrue(ContinuityCheck.check(anchor, 10, true, List.of(
                new StoredMessage(9, 5, null, Map.of(), new byte[]{1}))).diverged());
    }
}
