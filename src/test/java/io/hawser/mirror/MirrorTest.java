package io.hawser.mirror;

import io.hawser.config.ConfigKey;
import io.hawser.testkit.Await;
import io.hawser.testkit.Expect;
import io.hawser.testkit.HttpApi;
import io.hawser.testkit.MirrorCheck;
import io.hawser.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mirrors between two real one-node clusters in this JVM (a hub and a leaf) and inside one cluster, over the real
 * HTTP API. The separate-JVM cases (kill -9, leader failover, three clusters) are in {@code MirrorClustersIT}.
 */
class MirrorTest {
    private static final Duration CATCH_UP = Duration.ofSeconds(30);
    private static final AtomicInteger SEQ = new AtomicInteger();
    // started in this order, closed in the reverse one
    @RegisterExtension
    @Order(1)
    static final TestNode hub = TestNode.perClass(c -> c.withSegmentBytes(4096).withRetentionCheckMs(100));
    @RegisterExtension
    @Order(2)
    static final TestNode leaf = TestNode.perClass();

    private static String name(String prefix) {
        return prefix + "-" + SEQ.incrementAndGet();
    }

    private static String hubUrl() {
        return hub.baseUri().toString().replaceAll("/$", "");
    }

    /** Messages with keys, headers and message ids over several partitions. */
    private static void publishVaried(HttpApi api, String stream, int count, int partitions) {
        List<JsonObject> lines = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            int i = SEQ.incrementAndGet();
            JsonObject line = new JsonObject().put("text", "message " + i).put("partition", i % partitions);
            if (i % 3 == 0) {
                line.put("key", "key-" + (i % 7));
            }
            if (i % 4 == 0) {
                line.put("headers", new JsonObject().put("Trace", "t-" + i));
            }
            if (i % 5 == 0) {
                line.put("id", "id-" + stream + "-" + i);
            }
            lines.add(line);
            if (lines.size() == 500 || n == count - 1) {
                api.batch(stream, lines).expect(200);
                lines.clear();
            }
        }
    }

    /** Waits until the leaf's {@code mirror} has caught up with the hub's {@code source}; both hold {@code count}. */
    private static void awaitMirroredFromHub(String source, String mirror, long count) {
        MirrorCheck.awaitCaughtUp(hub.api(), source, leaf.api(), mirror, CATCH_UP);
        assertEquals(count, MirrorCheck.assertIdentical(hub.api(), source, leaf.api(), mirror, 0));
    }

    /** A new stream of {@code partitions} partitions holding {@code count} messages from {@link #publishVaried}. */
    private static String variedStream(HttpApi api, String prefix, int partitions, int count) {
        String stream = name(prefix);
        api.createStream(stream, partitions);
        publishVaried(api, stream, count, partitions);
        return stream;
    }

    private static JsonObject createMirror(HttpApi api, String name, String source, String url) {
        JsonObject mirror = new JsonObject().put("stream", source);
        if (url != null) {
            mirror.put("url", url);
        }
        return api.postJson("/v1/streams", new JsonObject().put("name", name).put("mirror", mirror)).expect(201).json();
    }

    @Test
    void remoteMirrorCopiesOffsetsTimestampsKeysAndHeadersThenFollowsLive() {
        String source = variedStream(hub.api(), "orders", 3, 3_000);

        String mirror = name("orders-copy");
        JsonObject created = createMirror(leaf.api(), mirror, source, hubUrl());
        assertEquals(3, created.getJsonArray("partitions").size(), "a mirror takes its source's partitions");
        awaitMirroredFromHub(source, mirror, 3_000);

        publishVaried(hub.api(), source, 1_000, 3); // live: the puller is waiting on a long poll
        awaitMirroredFromHub(source, mirror, 4_000);

        JsonObject status = Await.value(CATCH_UP, "mirror status active", () -> leaf.api().describe(mirror)
                .getJsonObject("mirror"), m -> "active".equals(m.getString("state")));
        assertEquals(0L, status.getLong("lag"));
        assertNotNull(status.getLong("lastContactMs"));
        assertTrue(System.currentTimeMillis() - status.getLong("lastContactMs") < 10_000, status.encode());
        assertEquals(source, status.getString("stream"));
        assertEquals(hubUrl(), status.getString("url"));
        JsonObject partition = leaf.api().partition(mirror, 1).getJsonObject("mirror");
        assertEquals("active", partition.getString("state"));
        assertEquals(hub.api().partition(source, 1).getLong("highWatermark"), partition.getLong("sourceHighWatermark"));
        Await.until(CATCH_UP, "mirror gauges in /metrics", () -> {
            String metrics = leaf.api().get("/metrics").expect(200).body();
            return metrics.contains("hawser_mirror_lag{partition=\"0\",stream=\"" + mirror + "\"} 0.0")
                    && metrics.contains("hawser_mirror_state{partition=\"0\",state=\"active\",stream=\""
                    + mirror + "\"} 1.0");
        });
    }

    @Test
    void mirrorIsReadOnly() {
        String source = name("ro");
        hub.api().createStream(source, 1);
        String mirror = name("ro-copy");
        createMirror(leaf.api(), mirror, source, hubUrl());
        HttpApi.Response publish = leaf.api().publish(mirror, "x");
        JsonObject error = Expect.error(publish, 409, "mirror_read_only");
        assertTrue(error.getString("message").contains(source) && error.getString("message").contains(hubUrl()),
                error.encode());
        Expect.error(leaf.api().batch(mirror, List.of(new JsonObject().put("text", "x"))), 409, "mirror_read_only");
        assertEquals(0L, leaf.api().partition(mirror, 0).getLong("endOffset"), "nothing was stored");
    }

    @Test
    void sameClusterMirrorAndMirrorOfMirror() {
        String source = variedStream(leaf.api(), "local", 2, 2_000);
        String first = name("local-copy");
        createMirror(leaf.api(), first, source, null);
        String second = name("local-copy-copy");
        createMirror(leaf.api(), second, first, null);
        publishVaried(leaf.api(), source, 500, 2);
        MirrorCheck.awaitCaughtUp(leaf.api(), source, leaf.api(), first, CATCH_UP);
        MirrorCheck.awaitCaughtUp(leaf.api(), first, leaf.api(), second, CATCH_UP);
        assertEquals(2_500, MirrorCheck.assertIdentical(leaf.api(), source, leaf.api(), first, 0));
        assertEquals(2_500, MirrorCheck.assertIdentical(leaf.api(), source, leaf.api(), second, 0));
    }

    @Test
    void sourceOutageIsReportedAndResumesWithoutGapOrDuplicate() {
        String source = variedStream(hub.api(), "outage", 2, 1_000);
        String mirror = name("outage-copy");
        createMirror(leaf.api(), mirror, source, hubUrl());
        MirrorCheck.awaitCaughtUp(hub.api(), source, leaf.api(), mirror, CATCH_UP);

        hub.stop();
        try {
            JsonObject status = Await.value(CATCH_UP, "source_unavailable reported",
                    () -> leaf.api().describe(mirror).getJsonObject("mirror"),
                    m -> "source_unavailable".equals(m.getString("state")));
            assertNotNull(status.getLong("lastContactMs"));
            String problem = leaf.api().partition(mirror, 0).getJsonObject("mirror").getString("lastProblem");
            assertTrue(problem != null && problem.contains("cannot reach the source"), problem);
            // Readers of the mirror do not notice.
            assertEquals(500, MirrorCheck.readAll(leaf.api(), mirror, 0, 0).size());
            Expect.error(leaf.api().publish(mirror, "x"), 409, "mirror_read_only");
        } finally {
            hub.startAgain();
        }
        publishVaried(hub.api(), source, 1_000, 2);
        awaitMirroredFromHub(source, mirror, 2_000);
        Await.until(CATCH_UP, "active again", () -> "active".equals(leaf.api().describe(mirror)
                .getJsonObject("mirror").getString("state")));
    }

    @Test
    void sourceRetentionGapIsReportedAndTheMirrorContinuesFromTheSourceStart() {
        String source = name("short");
        hub.api().createStream(new JsonObject().put("name", source).put("retention",
                new JsonObject().put("maxMessages", 200)));
        hub.api().fill(source, 0, 100, i -> "first " + i);
        String mirror = name("short-copy");
        createMirror(leaf.api(), mirror, source, hubUrl());
        MirrorCheck.awaitCaughtUp(hub.api(), source, leaf.api(), mirror, CATCH_UP);
        leaf.api().patchStream(mirror, new JsonObject().put("paused", true)).expect(200);
        Await.pauseMs(1_500); // the puller's long poll ends and it sees the pause

        hub.api().fill(source, 0, 2_000, 100, i -> "second " + i);
        Await.until(CATCH_UP, "source retention removed offset 100",
                () -> hub.api().partition(source, 0).getLong("startOffset") > 100);
        leaf.api().patchStream(mirror, new JsonObject().put("paused", false)).expect(200);
        MirrorCheck.awaitCaughtUp(hub.api(), source, leaf.api(), mirror, CATCH_UP);

        String problem = leaf.api().partition(mirror, 0).getJsonObject("mirror").getString("lastProblem");
        assertTrue(problem != null && problem.matches(".* offsets 100\\.\\.\\d+ were removed by the source's retention "
                + "before this mirror copied them; continuing at \\d+"), problem);
        long sourceStart = hub.api().partition(source, 0).getLong("startOffset");
        assertEquals(100, MirrorCheck.readAll(leaf.api(), mirror, 0, 0).stream()
                .filter(m -> m.getLong("offset") < 100).count(), "what was copied before stays");
        MirrorCheck.assertIdentical(hub.api(), source, leaf.api(), mirror, sourceStart);
        long continuedAt = Long.parseLong(problem.substring(problem.lastIndexOf(' ') + 1));
        assertEquals(continuedAt, MirrorCheck.readAll(leaf.api(), mirror, 0, 100).get(0).getLong("offset"),
                "no offset is invented for the gap");
        assertTrue(leaf.api().get("/metrics").expect(200).body()
                .contains("hawser_mirror_problems_total{kind=\"skipped\",stream=\"" + mirror + "\"} 1.0"));
    }

    /** A one-partition hub stream with {@code count} messages and its leaf mirror, caught up: {source, mirror}. */
    private static String[] caughtUpMirror(String prefix, int count) {
        String source = name(prefix);
        hub.api().createStream(source, 1);
        hub.api().fill(source, 0, count, i -> "first life " + i);
        String mirror = name(prefix + "-copy");
        createMirror(leaf.api(), mirror, source, hubUrl());
        MirrorCheck.awaitCaughtUp(hub.api(), source, leaf.api(), mirror, CATCH_UP);
        return new String[]{source, mirror};
    }

    @Test
    void deletingTheSourceKeepsTheMirror() {
        String[] names = caughtUpMirror("gone", 50);
        String source = names[0];
        String mirror = names[1];
        hub.api().delete("/v1/streams/" + source).expect(204);
        Await.until(CATCH_UP, "source_unavailable", () -> "source_unavailable".equals(
                leaf.api().describe(mirror).getJsonObject("mirror").getString("state")));
        assertEquals(50, MirrorCheck.readAll(leaf.api(), mirror, 0, 0).size());
    }

    @Test
    void aSourceDeletedAndCreatedAgainIsNotContinued() {
        String[] names = caughtUpMirror("reborn", 50);
        String source = names[0];
        String mirror = names[1];
        List<JsonObject> before = MirrorCheck.readAll(leaf.api(), mirror, 0, 0);

        hub.api().delete("/v1/streams/" + source).expect(204);
        hub.api().createStream(source, 1);
        hub.api().fill(source, 0, 80, i -> "second life " + i);
        JsonObject status = Await.value(CATCH_UP, "the divergence reported", () -> leaf.api().partition(mirror, 0)
                .getJsonObject("mirror"), m -> m.getString("lastProblem") != null
                && m.getString("lastProblem").contains("differs from this mirror's copy"));
        assertEquals("source_unavailable", status.getString("state"));
        Await.pauseMs(1_500);
        assertEquals(before, MirrorCheck.readAll(leaf.api(), mirror, 0, 0), "nothing of the new stream was copied");
        assertEquals(50L, leaf.api().partition(mirror, 0).getLong("endOffset"));
    }

    @Test
    void createChecksTheSource() {
        // Unknown source stream.
        JsonObject missing = Expect.error(leaf.api().postJson("/v1/streams", new JsonObject().put("name", name("m"))
                .put("mirror", new JsonObject().put("stream", "no-such-stream").put("url", hubUrl()))), 400,
                "invalid_config");
        assertTrue(missing.getString("message").contains("no-such-stream"), missing.encode());
        // Unreachable source: nothing to learn the partitions from.
        HttpApi.Response unreachable = leaf.api().postJson("/v1/streams", new JsonObject().put("name", name("m"))
                .put("mirror", new JsonObject().put("stream", "x").put("url", "http://127.0.0.1:9")));
        Expect.error(unreachable, 503, "source_unavailable");
        Expect.retryAfter(unreachable);
        // Partitions that contradict the source.
        String source = name("three");
        hub.api().createStream(source, 3);
        Expect.error(leaf.api().postJson("/v1/streams", new JsonObject().put("name", name("m")).put("partitions", 2)
                .put("mirror", new JsonObject().put("stream", source).put("url", hubUrl()))), 400, "invalid_config");
        // The same create again is idempotent, even with the partitions left out.
        String mirror = name("again");
        createMirror(leaf.api(), mirror, source, hubUrl());
        leaf.api().postJson("/v1/streams", new JsonObject().put("name", mirror)
                .put("mirror", new JsonObject().put("stream", source).put("url", hubUrl()))).expect(200);
    }

    @Test
    void operatorsRestrictUpstreamUrls() {
        try (TestNode restricted = TestNode.start(c -> c.with(ConfigKey.MIRROR_ALLOWED_URLS,
                "http://127.0.0.1:1/,http://hub.example:8080"))) {
            String source = name("guarded");
            hub.api().createStream(source, 1);
            JsonObject error = Expect.error(restricted.api().postJson("/v1/streams", new JsonObject()
                    .put("name", name("m")).put("mirror", new JsonObject().put("stream", source).put("url", hubUrl()))),
                    403, "mirror_url_not_allowed");
            assertTrue(error.getString("message").contains(hubUrl()), error.encode());
            assertEquals(new JsonArray(), restricted.api().get("/v1/streams").expect(200).json()
                    .getJsonArray("streams"), "nothing was created");
            // A mirror inside the cluster needs no URL and is always allowed.
            restricted.api().createStream("local", 1);
            createMirror(restricted.api(), "local-copy", "local", null);
        }
    }

    @Test
    void ordinaryStreamsHaveNoMirrorStatus() {
        String s = name("plain");
        leaf.api().createStream(s, 1);
        JsonObject d = leaf.api().describe(s);
        assertNull(d.getValue("mirror"));
        assertNull(d.getJsonArray("partitions").getJsonObject(0).getValue("mirror"));
    }
}
