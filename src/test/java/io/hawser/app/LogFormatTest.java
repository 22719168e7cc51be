package io.hawser.app;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Node logs: one line per event, UTC timestamp, key=value (the format {@link Main} gives java.util.logging). */
class LogFormatTest {

    @Test
    void oneLinePerEventWithLevelLoggerAndMessage() {
        ZonedDateTime at = ZonedDateTime.ofInstant(Instant.parse("2026-11-24T01:02:03.456Z"), ZoneOffset.UTC);
        String line = String.format(Main.LOG_FORMAT, at, "source", "io.hawser.cluster.LeaderElector", "INFO",
                "leading orders/0 at epoch 4 (lock fence 4)", "");
        assertEquals("2026-11-24T01:02:03.456Z level=INFO logger=io.hawser.cluster.LeaderElector "
                + "msg=\"leading orders/0 at epoch 4 (lock fence 4)\"" + System.lineSeparator(), line);
    }
}
