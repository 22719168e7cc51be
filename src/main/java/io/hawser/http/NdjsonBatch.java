package io.hawser.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.PublishMessage;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses an NDJSON batch (API.md "Publish"): one object per line with {@code value} (base64) or {@code text}, and
 * optional {@code key}, {@code partition}, {@code id}, {@code headers}. Streams through the body with Jackson's
 * token parser (no tree per line) because batches carry hundreds of thousands of messages a second. Any invalid
 * line rejects the whole batch before anything is stored.
 */
final class NdjsonBatch {
    private static final JsonFactory JSON = new JsonFactory();

    private NdjsonBatch() {
    }

    static List<PublishMessage> parse(Buffer body, int maxMessages, int defaultPartition) {
        List<PublishMessage> messages = new ArrayList<>();
        try (JsonParser parser = JSON.createParser(body.getBytes())) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                if (token != JsonToken.START_OBJECT) {
                    throw invalid(parser, "each line must be a JSON object");
                }
                if (messages.size() == maxMessages) {
                    throw new HawserException(ErrorCode.REQUEST_TOO_LARGE,
                            "a batch may hold at most " + maxMessages + " messages");
                }
                messages.add(message(parser, defaultPartition));
            }
        } catch (JsonParseException e) {
            throw new HawserException(ErrorCode.INVALID_JSON, "line " + e.getLocation().getLineNr()
                    + ": invalid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new HawserException(ErrorCode.INVALID_JSON, "invalid NDJSON: " + e.getMessage());
        }
        if (messages.isEmpty()) {
            throw new HawserException(ErrorCode.BAD_REQUEST, "the batch holds no messages");
        }
        return messages;
    }

    private static PublishMessage message(JsonParser parser, int defaultPartition) throws IOException {
        int line = parser.currentLocation().getLineNr();
        byte[] value = null;
        byte[] key = null;
        String id = null;
        int partition = defaultPartition;
        Map<String, String> headers = Map.of();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken t = parser.nextToken();
            switch (field) {
                case "value" -> {
                    requireValueOnce(parser, value, line);
                    if (t != JsonToken.VALUE_STRING) {
                        throw invalid(line, "'value' must be a base64 string");
                    }
                    try {
                        value = parser.getBinaryValue();
                    } catch (JsonParseException e) {
                        throw invalid(line, "'value' is not valid base64");
                    }
                }
                case "text" -> {
                    requireValueOnce(parser, value, line);
                    if (t != JsonToken.VALUE_STRING) {
                        throw invalid(line, "'text' must be a string");
                    }
                    value = parser.getText().getBytes(StandardCharsets.UTF_8);
                }
                case "key" -> key = string(parser, t, line, "key").getBytes(StandardCharsets.UTF_8);
                case "id" -> {
                    id = string(parser, t, line, "id");
                    if (id.isEmpty() || id.length() > 256) {
                        throw invalid(line, "'id' must be 1 to 256 characters");
                    }
                }
                case "partition" -> {
                    if (t != JsonToken.VALUE_NUMBER_INT || parser.getNumberType() != JsonParser.NumberType.INT
                            || parser.getIntValue() < 0) {
                        throw invalid(line, "'partition' must be a non-negative integer");
                    }
                    partition = parser.getIntValue();
                }
                case "headers" -> headers = headers(parser, t, line);
                default -> throw invalid(line, "unknown field '" + field
                        + "'; allowed: value, text, key, partition, id, headers");
            }
        }
        if (value == null) {
            throw invalid(line, "a message needs 'value' (base64) or 'text'");
        }
        return new PublishMessage(partition, key, id, headers, value);
    }

    private static void requireValueOnce(JsonParser parser, byte[] value, int line) {
        if (value != null) {
            throw invalid(line, "give either 'value' or 'text', once");
        }
    }

    private static String string(JsonParser parser, JsonToken t, int line, String field) throws IOException {
        if (t != JsonToken.VALUE_STRING) {
            throw invalid(line, "'" + field + "' must be a string");
        }
        return parser.getText();
    }

    private static Map<String, String> headers(JsonParser parser, JsonToken t, int line) throws IOException {
        if (t != JsonToken.START_OBJECT) {
            throw invalid(line, "'headers' must be an object of strings");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            if (parser.nextToken() != JsonToken.VALUE_STRING) {
                throw invalid(line, "header '" + name + "' must be a string");
            }
            if (name.isEmpty() || name.equalsIgnoreCase(PublishMessage.MSG_ID_HEADER)) {
                throw invalid(line, "header name '" + name + "' is empty or reserved; use 'id'");
            }
            headers.put(name, parser.getText());
        }
        return headers;
    }

    private static HawserException invalid(JsonParser parser, String message) {
        return invalid(parser.currentLocation().getLineNr(), message);
    }

    private static HawserException invalid(int line, String message) {
        return new HawserException(ErrorCode.INVALID_JSON, "line " + line + ": " + message);
    }
}
