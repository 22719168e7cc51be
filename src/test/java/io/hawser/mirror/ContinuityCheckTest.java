package io.hawser.mirror;

import io.hawser.model.StoredMessage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
}
