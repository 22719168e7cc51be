package io.hawser.delivery;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** The node's live WebSocket subscriptions, for the subscriber gauges. Thread-safe. */
public final class SubscriberRegistry {
    private final Set<Subscription> live = ConcurrentHashMap.newKeySet();

    /** Per stream: how many subscriptions, and the largest lag (committed messages not yet sent) among them. */
    public record StreamSubscribers(int count, long maxLag) {
    }

    void add(Subscription s) {
        live.add(s);
    }

    /** The current subscribers by stream; ended subscriptions are dropped here. */
    public Map<String, StreamSubscribers> snapshot() {
        live.removeIf(Subscription::ended);
        Map<String, StreamSubscribers> byStream = new TreeMap<>();
        for (Subscription s : live) {
            byStream.merge(s.stream(), new StreamSubscribers(1, s.lag()),
                    (a, b) -> new StreamSubscribers(a.count() + b.count(), Math.max(a.maxLag(), b.maxLag())));
        }
        return byStream;
    }
}
