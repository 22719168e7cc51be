package io.hawser.partition;

import java.util.function.LongSupplier;

/**
 * How long this node may still act as a partition's leader, on the monotonic clock. The elector renews it after each
 * successful check that it still holds the partition's lock; a leader that was frozen (GC, SIGSTOP) wakes with an
 * expired lease and acknowledges nothing until a renewal succeeds, which it never does once a new leader exists.
 */
public final class LeaderLease {
    private final long leaseNanos;
    private final LongSupplier nanoTicker;
    private volatile long validUntilNanos;

    /** A lease valid for {@code leaseMs} from {@code acquiredAtNanos} (taken before the lock was requested). */
    public LeaderLease(long leaseMs, long acquiredAtNanos, LongSupplier nanoTicker) {
        this.leaseNanos = leaseMs * 1_000_000L;
        this.nanoTicker = nanoTicker;
        this.validUntilNanos = acquiredAtNanos + leaseNanos;
    }

    /** A lease that never runs out: a partition whose leadership no other node can take (tests of one node). */
    public static LeaderLease permanent() {
        return new LeaderLease(Long.MAX_VALUE / 4_000_000L, System.nanoTime(), System::nanoTime);
    }

    /** Extends the lease after a renewal that was <em>started</em> at {@code startedNanos}. */
    public void renewed(long startedNanos) {
        long until = startedNanos + leaseNanos;
        if (until - validUntilNanos > 0) {
            validUntilNanos = until;
        }
    }

    /** Ends the lease at once (leadership lost or handed over). */
    public void revoke() {
        validUntilNanos = nanoTicker.getAsLong() - 1;
    }

    public boolean isValid() {
        return validUntilNanos - nanoTicker.getAsLong() > 0;
    }

    public long nanoTime() {
        return nanoTicker.getAsLong();
    }
}
