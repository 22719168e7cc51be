package io.hawser.partition;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Message ids seen within the last {@code windowMs}, with the offset of their first copy.
 * Not thread-safe: owned by the partition's append sequence.
 */
final class DedupWindow {
    record FirstCopy(long offset, long timestamp) {
    }

    private final LinkedHashMap<String, FirstCopy> seen = new LinkedHashMap<>();
    private long windowMs;

    DedupWindow(long windowMs) {
        this.windowMs = windowMs;
    }

    void setWindowMs(long windowMs) {
        this.windowMs = windowMs;
    }

    FirstCopy find(String id, long now) {
        expire(now);
        return seen.get(id);
    }

    void remember(String id, long offset, long timestamp) {
        if (windowMs > 0) {
            seen.putIfAbsent(id, new FirstCopy(offset, timestamp));
        }
    }

    /** Forgets ids at offsets above {@code lastKept} (their records were truncated away). */
    void forgetAfter(long lastKept) {
        seen.values().removeIf(c -> c.offset() > lastKept);
    }

    int size() {
        return seen.size();
    }

    private void expire(long now) {
        // Insertion order is offset order, and leader timestamps rarely go backwards: stop at the first live one.
        Iterator<Map.Entry<String, FirstCopy>> it = seen.entrySet().iterator();
        while (it.hasNext()) {
            if (it.next().getValue().timestamp() >= now - windowMs) {
                break;
            }
            it.remove();
        }
    }
}
