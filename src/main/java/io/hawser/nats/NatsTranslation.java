package io.hawser.nats;

import io.hawser.model.AckPolicy;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.PublishAck;
import io.hawser.model.PublishMessage;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** NATS messages to Hawser publishes and acks to NATS replies (API.md "NATS bridge"). Stateless. */
final class NatsTranslation {
    static final String MSG_ID = "Nats-Msg-Id";
    static final String KEY = "Hawser-Key";
    static final String ACK = "Hawser-Ack";
    /** The subject the message was published on, stored with it. */
    static final String SUBJECT = "Nats-Subject";

    private NatsTranslation() {
    }

    static PublishMessage toPublish(Message msg) {
        Headers headers = msg.getHeaders();
        byte[] key = null;
        String msgId = null;
        Map<String, String> stored = new LinkedHashMap<>();
        if (headers != null) {
            for (Map.Entry<String, List<String>> h : headers.entrySet()) {
                String name = h.getKey();
                String value = String.join(",", h.getValue());
                if (name.equalsIgnoreCase(KEY)) {
                    key = value.getBytes(StandardCharsets.UTF_8);
                } else if (name.equalsIgnoreCase(MSG_ID)) {
                    msgId = value.isEmpty() ? null : value;
                } else if (!name.equalsIgnoreCase(ACK) && !name.equalsIgnoreCase(PublishMessage.MSG_ID_HEADER)) {
                    stored.put(name, value);
                }
            }
        }
        stored.put(SUBJECT, msg.getSubject());
        byte[] data = msg.getData() == null ? new byte[0] : msg.getData();
        return new PublishMessage(-1, key, msgId, stored, data);
    }

    /** The {@code Hawser-Ack} override, or null for the stream's policy. */
    static AckPolicy ackOverride(Message msg) {
        Headers headers = msg.getHeaders();
        String value = headers == null ? null : headers.getFirst(ACK);
        return value == null ? null : AckPolicy.parse(value.trim());
    }

    static byte[] reply(PublishAck ack) {
        if (ack.isError()) {
            return error(new HawserException(ack.error(), ack.errorMessage()));
        }
        // Written directly: one reply per captured request, and the JSON encoder took 8% of the node's CPU in a
        // profile at 100 requests in flight. Stream names are [A-Za-z0-9_-] (model.Names): never escaped.
        StringBuilder json = new StringBuilder(64).append("{\"stream\":\"").append(ack.stream())
                .append("\",\"partition\":").append(ack.partition());
        if (ack.offset() >= 0) {
            json.append(",\"offset\":").append(ack.offset());
        }
        if (ack.duplicate()) {
            json.append(",\"duplicate\":true");
        }
        return json.append('}').toString().getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] error(HawserException e) {
        return new JsonObject().put("error", new JsonObject().put("code", e.code().code()).put("message",
                e.getMessage())).encode().getBytes(StandardCharsets.UTF_8);
    }

    static HawserException overloaded(int limit) {
        return new HawserException(ErrorCode.TOO_MANY_REQUESTS,
                "more than " + limit + " captured messages are waiting to be stored on this node; retry");
    }
}
