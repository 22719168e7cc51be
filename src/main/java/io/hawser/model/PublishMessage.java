package io.hawser.model;

import java.util.Map;

/**
 * One message to publish, before it has an offset.
 *
 * @param partition explicit partition, or -1 to choose by key (or round-robin when there is no key)
 * @param key       null when absent
 * @param msgId     de-duplication id, or null
 * @param headers   user headers, never null
 */
public record PublishMessage(int partition, byte[] key, String msgId, Map<String, String> headers, byte[] value) {
    /** Stored header carrying the de-duplication id, so the window survives restarts and leader moves. */
    public static final String MSG_ID_HEADER = "Hawser-Msg-Id";

    public PublishMessage {
        headers = Map.copyOf(headers);
    }

    public int sizeInBytes() {
        int size = value.length + (key == null ? 0 : key.length) + (msgId == null ? 0 : msgId.length());
        for (Map.Entry<String, String> h : headers.entrySet()) {
            size += h.getKey().length() + h.getValue().length();
        }
        return size;
    }
}
