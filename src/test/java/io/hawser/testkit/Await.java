package io.hawser.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polling with deadlines instead of bare sleeps. */
public final class Await {
    private Await() {
    }

    /** Polls {@code condition} every few ms until it holds or {@code timeout} passes, then fails with {@code what}. */
    public static void until(Duration timeout, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 5;
        RuntimeException last = null;
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
                last = null;
            } catch (RuntimeException e) {
                last = e;
            }
            if (System.nanoTime() - deadline > 0) {
                AssertionError error = new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for: "
                        + what);
                if (last != null) {
                    error.initCause(last);
                }
                throw error;
            }
            pauseMs(pause);
            pause = Math.min(100, pause * 2);
        }
    }

    /** Polls {@code value} until {@code accept} likes it, returns that value (fails after the timeout). */
    public static <T> T value(Duration timeout, String what, Supplier<T> value,
            java.util.function.Predicate<T> accept) {
        Object[] holder = new Object[1];
        until(timeout, what, () -> {
            T v = value.get();
            holder[0] = v;
            return accept.test(v);
        });
        @SuppressWarnings("unchecked")
        T result = (T) holder[0];
        return result;
    }

    public static void pauseMs(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
