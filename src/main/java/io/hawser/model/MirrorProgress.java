package io.hawser.model;

/**
 * How far a mirror partition's puller has got with its source.
 *
 * @param lag                 source offsets not copied yet: the source's committed end minus the mirror's next
 *                            offset, as of the last contact (0 when caught up)
 * @param lastContactMs       when the source last answered (epoch ms), 0 before the first answer
 * @param sourceHighWatermark the source partition's last committed offset at that contact, -1 when unknown or empty
 * @param lastProblem         the last thing that went wrong or was skipped (unreachable source, continuity
 *                            violation, offsets removed by the source's retention), or null
 */
public record MirrorProgress(State state, long lag, long lastContactMs, long sourceHighWatermark,
                             String lastProblem) {

    public enum State {
        ACTIVE, CATCHING_UP, SOURCE_UNAVAILABLE;

        /** {@code catching_up} for {@code CATCHING_UP}. */
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
