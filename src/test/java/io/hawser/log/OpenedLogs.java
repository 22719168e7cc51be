package io.hawser.log;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * The logs a test opened, closed after it: {@code @RegisterExtension final OpenedLogs opened = new OpenedLogs();}
 * and {@code opened.track(log)}. A failing close is ignored, as the test may have closed or broken the log on
 * purpose.
 */
public final class OpenedLogs implements AfterEachCallback {
    private final List<PartitionLog> opened = new ArrayList<>();

    /** Remembers {@code log} for closing after the test; returns it. */
    public <L extends PartitionLog> L track(L log) {
        opened.add(log);
        return log;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        for (PartitionLog log : opened) {
            try {
                log.close();
            } catch (RuntimeException ignored) {
                // closed or broken on purpose
            }
        }
        opened.clear();
    }
}
