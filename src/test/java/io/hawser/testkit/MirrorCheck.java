package io.hawser.testkit;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Waits for a mirror to catch up with its source and compares the two offset by offset, over the public API. */
public final class MirrorCheck {
    private MirrorCheck() {
    }

    /** Waits until every mirror partition's high watermark equals its source partition's. */
    public static void awaitCaughtUp(HttpApi source, String sourceStream, HttpApi mirror, String mirrorStream,
                                     Duration timeout) {
        Await.until(timeout, "mirror " + mirrorStream + " caught up with " + sourceStream, () -> {
            JsonArray s = source.describe(sourceStream).getJsonArray("partitions");
            JsonArray m = mirror.describe(mirrorStream).getJsonArray("partitions");
            for (int p = 0; p < s.size(); p++) {
                if (!s.getJsonObject(p).getLong("highWatermark").equals(m.getJsonObject(p).getLong("highWatermark"))) {
                    return false;
                }
            }
            return true;
        });
    }

    /**
     * Asserts that the mirror holds exactly the source's committed messages of every partition from
     * {@code fromOffset} on: same offsets, timestamps, keys, headers and values, nothing more, nothing less.
     * Returns the messages compared.
     */
    public static long assertIdentical(HttpApi source, String sourceStream, HttpApi mirror, String mirrorStream,
                                       long fromOffset) {
        int partitions = source.describe(sourceStream).getJsonArray("partitions").size();
        assertEquals(partitions, mirror.describe(mirrorStream).getJsonArray("partitions").size(), "partitions");
        long compared = 0;
        for (int p = 0; p < partitions; p++) {
            List<JsonObject> expected = readAll(source, sourceStream, p, fromOffset);
            List<JsonObject> actual = readAll(mirror, mirrorStream, p, fromOffset);
            assertEquals(expected.size(), actual.size(), "messages in partition " + p + " of " + mirrorStream);
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(expected.get(i), actual.get(i), "message " + i + " of partition " + p);
            }
            compared += expected.size();
        }
        return compared;
    }

    /**
     * Under a live load: waits until the mirror has committed everything the source had committed when this was
     * called, then asserts that every message the mirror has committed is the source's message at that offset (the
     * mirror is an exact prefix of the source). Returns the messages compared.
     */
    public static long awaitIdenticalPrefix(HttpApi source, String sourceStream, HttpApi mirror, String mirrorStream,
                                            Duration timeout) {
        JsonArray target = source.describe(sourceStream).getJsonArray("partitions");
        Await.until(timeout, "mirror " + mirrorStream + " reached " + sourceStream + "'s committed ends", () -> {
            JsonArray m = mirror.describe(mirrorStream).getJsonArray("partitions");
            for (int p = 0; p < target.size(); p++) {
                if (m.getJsonObject(p).getLong("highWatermark") < target.getJsonObject(p).getLong("highWatermark")) {
                    return false;
                }
            }
            return true;
        });
        long compared = 0;
        for (int p = 0; p < target.size(); p++) {
            List<JsonObject> copied = readAll(mirror, mirrorStream, p, 0);
            List<JsonObject> original = readAll(source, sourceStream, p, 0);
            assertTrue(original.size() >= copied.size(), "the mirror has more than the source in partition " + p);
            assertEquals(original.subList(0, copied.size()), copied, "partition " + p + " of " + mirrorStream
                    + " is not a prefix of " + sourceStream);
            compared += copied.size();
        }
        return compared;
    }

    /** Every committed message of a partition from {@code fromOffset} (or its start, if later). */
    public static List<JsonObject> readAll(HttpApi api, String stream, int partition, long fromOffset) {
        JsonObject status = api.partition(stream, partition);
        long hw = status.getLong("highWatermark");
        long offset = Math.max(fromOffset, status.getLong("startOffset"));
        List<JsonObject> all = new ArrayList<>();
        while (offset <= hw) {
            JsonObject answer = api.get("/v1/streams/" + stream + "/partitions/" + partition + "/messages?offset="
                    + offset + "&limit=10000").expect(200).json();
            JsonArray messages = answer.getJsonArray("messages");
            for (int i = 0; i < messages.size(); i++) {
                JsonObject m = messages.getJsonObject(i);
                if (m.getLong("offset") <= hw) {
                    all.add(m);
                }
            }
            long next = answer.getLong("nextOffset");
            if (messages.isEmpty() || next <= offset) {
                break;
            }
            offset = next;
        }
        return all;
    }
}
