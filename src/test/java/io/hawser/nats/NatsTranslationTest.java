package io.hawser.nats;

import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.PublishAck;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The reply bytes a NATS requester gets, parsed back as any JSON client would. */
class NatsTranslationTest {
    private static JsonObject parse(byte[] reply) {
        return new JsonObject(new String(reply, StandardCharsets.UTF_8));
    }

    @Test
    void aStoredMessageIsAnsweredWithStreamPartitionAndOffset() {
        JsonObject reply = parse(NatsTranslation.reply(PublishAck.stored("orders-1_a", 3, 9_000_000_000L, 1L, false)));
        assertEquals(new JsonObject().put("stream", "orders-1_a").put("partition", 3).put("offset", 9_000_000_000L),
                reply);
    }

    @Test
    void aDuplicateSaysSo() {
        JsonObject reply = parse(NatsTranslation.reply(PublishAck.stored("s", 0, 7, 1L, true)));
        assertEquals(new JsonObject().put("stream", "s").put("partition", 0).put("offset", 7L).put("duplicate", true),
                reply);
    }

    @Test
    void anAckWithoutOffsetHasNone() {
        assertEquals(new JsonObject().put("stream", "s").put("partition", 1),
                parse(NatsTranslation.reply(PublishAck.accepted("s", 1))));
    }

    @Test
    void aFailureIsAnErrorObjectWithItsMessageEscaped() {
        JsonObject reply = parse(NatsTranslation.reply(PublishAck.failed("s", 0,
                new HawserException(ErrorCode.NO_LEADER, "no \"leader\" for s/0"))));
        assertEquals(ErrorCode.NO_LEADER.code(), reply.getJsonObject("error").getString("code"));
        assertEquals("no \"leader\" for s/0", reply.getJsonObject("error").getString("message"));
    }
}
