package io.hawser.model;

/**
 * The answer to one published message: either an acknowledgement or an error.
 *
 * @param offset -1 for {@code ack=none}
 */
public record PublishAck(String stream, int partition, long offset, long timestamp, boolean duplicate,
                         ErrorCode error, String errorMessage) {

    public static PublishAck stored(String stream, int partition, long offset, long timestamp, boolean duplicate) {
        return new PublishAck(stream, partition, offset, timestamp, duplicate, null, null);
    }

    public static PublishAck accepted(String stream, int partition) {
        return new PublishAck(stream, partition, -1, 0, false, null, null);
    }

    public static PublishAck failed(String stream, int partition, HawserException e) {
        return new PublishAck(stream, partition, -1, 0, false, e.code(), e.getMessage());
    }

    public boolean isError() {
        return error != null;
    }
}
