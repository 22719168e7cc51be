package io.hawser.model;

import java.util.Locale;

/** When a publish is acknowledged. */
public enum AckPolicy {
    /** Answered once accepted for storage; no offset, no durability promise. */
    NONE,
    /** Stored and fsynced on the partition leader. */
    LEADER,
    /** Stored on every in-sync replica and committed (readable). */
    ALL;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static AckPolicy parse(String s) {
        if (s != null) {
            for (AckPolicy p : values()) {
                if (p.wireName().equals(s)) {
                    return p;
                }
            }
        }
        throw new HawserException(ErrorCode.BAD_REQUEST, "ack must be one of none, leader, all (got '" + s + "')");
    }
}
