package io.hawser.log;

/** Limits after which whole sealed segments are deleted, oldest first. 0 means unlimited. */
public record RetentionPolicy(long maxMessages, long maxBytes, long maxAgeMs) {

    public static final RetentionPolicy UNLIMITED = new RetentionPolicy(0, 0, 0);

    public RetentionPolicy {
        if (maxMessages < 0 || maxBytes < 0 || maxAgeMs < 0) {
            throw new IllegalArgumentException("retention limits must be >= 0");
        }
    }

    public boolean isUnlimited() {
        return maxMessages == 0 && maxBytes == 0 && maxAgeMs == 0;
    }
}
