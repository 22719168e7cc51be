package io.hawser.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.hawser.model.StoredMessage;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * Renders stored messages in the API's JSON shape. Hand-written because replay renders hundreds of thousands of
 * messages a second on an event loop; the output is plain JSON any parser reads.
 */
final class MessageJson {
    private static final JsonStringEncoder ESCAPER = JsonStringEncoder.getInstance();
    private static final Base64.Encoder BASE64 = Base64.getEncoder();

    private MessageJson() {
    }

    /**
     * Appends one message object.
     *
     * @param stream null to leave out {@code stream} and {@code partition} (reads); set for subscription frames
     */
    static void append(StringBuilder out, StoredMessage m, boolean text, String stream, int partition) {
        out.append('{');
        if (stream != null) {
            out.append("\"stream\":");
            quote(out, stream);
            out.append(",\"partition\":").append(partition).append(',');
        }
        out.append("\"offset\":").append(m.offset())
                .append(",\"timestamp\":").append(m.timestamp())
                .append(",\"key\":");
        if (m.key() == null) {
            out.append("null");
        } else {
            out.append('"').append(BASE64.encodeToString(m.key())).append('"');
        }
        out.append(",\"headers\":{");
        boolean first = true;
        for (Map.Entry<String, String> h : m.headers().entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            quote(out, h.getKey());
            out.append(':');
            quote(out, h.getValue());
        }
        out.append('}');
        if (text) {
            out.append(",\"text\":");
            quote(out, new String(m.value(), StandardCharsets.UTF_8));
        } else {
            out.append(",\"value\":\"").append(BASE64.encodeToString(m.value())).append('"');
        }
        out.append('}');
    }

    static void quote(StringBuilder out, String s) {
        out.append('"');
        ESCAPER.quoteAsString(s, out);
        out.append('"');
    }
}
