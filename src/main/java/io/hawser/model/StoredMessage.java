package io.hawser.model;

import java.util.Map;

/** A committed message as readers see it. */
public record StoredMessage(long offset, long timestamp, byte[] key, Map<String, String> headers, byte[] value) {
}
