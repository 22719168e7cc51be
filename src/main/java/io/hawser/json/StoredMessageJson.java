package io.hawser.json;

import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.StoredMessage;
import io.vertx.core.json.JsonObject;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A stored message as the read API renders it ({@code offset}, {@code timestamp}, {@code key} and {@code value} in
 * base64, {@code headers}), read back: by a mirror from its source, and by a restore from a backup.
 */
public final class StoredMessageJson {
    private static final Base64.Decoder BASE64 = Base64.getDecoder();

    private StoredMessageJson() {
    }

    /** @throws HawserException {@code bad_request} naming what is missing or malformed */
    public static StoredMessage decode(JsonObject m) {
        try {
            Long offset = m.getLong("offset");
            Long timestamp = m.getLong("timestamp");
            String value = m.getString("value");
            if (offset == null || offset < 0 || timestamp == null || value == null) {
                throw new HawserException(ErrorCode.BAD_REQUEST, "a message needs offset (>= 0), timestamp and value");
            }
            String key = m.getString("key");
            Map<String, String> headers = new LinkedHashMap<>();
            JsonObject h = m.getJsonObject("headers");
            if (h != null) {
                h.forEach(e -> headers.put(e.getKey(), String.valueOf(e.getValue())));
            }
            return new StoredMessage(offset, timestamp, key == null ? null : BASE64.decode(key), headers,
                    BASE64.decode(value));
        } catch (ClassCastException | IllegalArgumentException e) {
            throw new HawserException(ErrorCode.BAD_REQUEST, "not a message: " + e.getMessage());
        }
    }
}
