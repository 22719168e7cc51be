package io.hawser.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * Named checks reported by {@code /health/ready}. A required check that fails makes the node not ready; an
 * informational one (the NATS bridge: HTTP keeps working without it) is only reported. Thread-safe.
 */
public final class HealthChecks {
    private record Check(BooleanSupplier passing, boolean required) {
    }

    private final Map<String, Check> checks = new ConcurrentHashMap<>();

    public void register(String name, boolean required, BooleanSupplier passing) {
        checks.put(name, new Check(passing, required));
    }

    public void remove(String name) {
        checks.remove(name);
    }

    /** Every check's current result, by name. */
    public Map<String, Boolean> results() {
        Map<String, Boolean> results = new TreeMap<>();
        checks.forEach((name, check) -> results.put(name, check.passing().getAsBoolean()));
        return results;
    }

    public boolean ready() {
        for (Check check : checks.values()) {
            if (check.required() && !check.passing().getAsBoolean()) {
                return false;
            }
        }
        return true;
    }
}
