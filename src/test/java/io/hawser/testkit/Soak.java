package io.hawser.testkit;

/**
 * The switch for long runs: {@code bin/test -Dhawser.soak=true} (or {@code mvn verify -Dhawser.soak=true}) makes the
 * crash and chaos tests repeat many more rounds than the CI default.
 */
public final class Soak {
    private Soak() {
    }

    public static boolean enabled() {
        return Boolean.getBoolean("hawser.soak");
    }

    /** {@code ciRounds} normally, {@code soakRounds} with the soak switch on. */
    public static int rounds(int ciRounds, int soakRounds) {
        return enabled() ? soakRounds : ciRounds;
    }
}
