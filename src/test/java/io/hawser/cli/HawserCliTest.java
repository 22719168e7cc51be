package io.hawser.cli;

import io.hawser.testkit.Expect;
import io.hawser.testkit.HttpApi;
import io.hawser.testkit.MirrorCheck;
import io.hawser.testkit.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin CLI against real in-process nodes: streams, publish, tail, cluster, and backup -> restore. */
class HawserCliTest {
    // started in this order, closed in the reverse one
    @RegisterExtension
    @Order(1)
    static final TestNode source = TestNode.perClass();
    @RegisterExtension
    @Order(2)
    static final TestNode target = TestNode.perClass();

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run cli(TestNode node, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String url = node.baseUri().toString();
        int exit = new HawserCli(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of("HAWSER_URL", url)).execute(args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Run ok(TestNode node, String... args) {
        Run r = cli(node, args);
        assertEquals(0, r.exit(), () -> String.join(" ", args) + " failed: " + r.err() + r.out());
        return r;
    }

    @Test
    void streamsPublishTailAndCluster() {
        JsonObject created = new JsonObject(ok(source, "streams", "create", "cli-s", "--partitions", "2").out());
        assertEquals(2, created.getJsonArray("partitions").size());
        assertTrue(ok(source, "streams", "list").out().contains("\"cli-s\""));
        JsonObject ack = new JsonObject(ok(source, "publish", "cli-s", "hello", "--partition", "1").out());
        assertEquals(1, ack.getInteger("partition"));
        assertEquals(0L, ack.getLong("offset"));
        ok(source, "publish", "cli-s", "world", "--partition", "1", "--key", "k");
        assertEquals("1/0\thello\n1/1\tworld\n", ok(source, "tail", "cli-s", "--partition", "1").out());
        assertEquals("1/1\tworld\n", ok(source, "tail", "cli-s", "--partition", "1", "--from", "1").out());
        assertEquals(HttpApi.b64("k"), MirrorCheck.readAll(source.api(), "cli-s", 1, 1).get(0).getString("key"));
        JsonObject describe = new JsonObject(ok(source, "streams", "describe", "cli-s").out());
        assertEquals(2L, describe.getJsonArray("partitions").getJsonObject(1).getLong("endOffset"));
        assertTrue(new JsonObject(ok(source, "cluster").out()).getJsonArray("nodes").size() >= 1);
        assertEquals("deleted cli-s\n", ok(source, "streams", "delete", "cli-s").out());
        Run missing = cli(source, "streams", "describe", "cli-s");
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("stream_not_found"), missing.err());
    }

    @Test
    void badUsageExits2WithTheUsage() {
        Run r = cli(source, "streams", "frobnicate");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("Usage: hawser"), r.err());
        assertEquals(2, cli(source, "publish").exit());
        assertEquals(0, cli(source, "help").exit());
        Run unreachable = unreachable();
        assertEquals(1, unreachable.exit());
        assertTrue(unreachable.err().contains("cannot reach"), unreachable.err());
    }

    private static Run unreachable() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = new HawserCli(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true,
                StandardCharsets.UTF_8), Map.of()).execute(new String[]{"cluster", "--url", "http://127.0.0.1:9"});
        return new Run(exit, "", err.toString(StandardCharsets.UTF_8));
    }

    /** Messages with keys, headers and ids over 3 partitions. */
    private static void fill(HttpApi api, String stream, int count) {
        List<JsonObject> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            JsonObject line = new JsonObject().put("text", "message " + i + " ünïcode").put("partition", i % 3);
            if (i % 2 == 0) {
                line.put("key", "key-" + (i % 11));
            }
            if (i % 3 == 0) {
                line.put("headers", new JsonObject().put("Trace", "t-" + i).put("Other", "o"));
            }
            if (i % 7 == 0) {
                line.put("id", "id-" + i);
            }
            lines.add(line);
            if (lines.size() == 1000 || i == count - 1) {
                api.batch(stream, lines).expect(200);
                lines.clear();
            }
        }
    }

    @Test
    void backupAndRestoreReproduceTheStreamAtTheSameOffsets() throws Exception {
        source.api().createStream(new JsonObject().put("name", "orders").put("partitions", 3)
                .put("retention", new JsonObject().put("maxAgeMs", 86_400_000L)));
        fill(source.api(), "orders", 6_000);
        for (String file : List.of("orders.backup", "orders.backup.gz")) {
            Path backup = dir.resolve(file);
            ok(source, "backup", "orders", backup.toString());
            String restoredName = "orders-" + (file.endsWith(".gz") ? "gz" : "plain");
            Run restored = ok(target, "restore", backup.toString(), "--as", restoredName);
            assertTrue(restored.err().contains("restored 6,000 messages into " + restoredName), restored.err());
            assertEquals(6_000, MirrorCheck.assertIdentical(source.api(), "orders", target.api(), restoredName, 0));
            JsonObject d = target.api().describe(restoredName);
            assertFalse(d.getBoolean("readOnly"), "writable again after the restore");
            assertEquals(86_400_000L, d.getJsonObject("retention").getLong("maxAgeMs"), "the config came along");
            JsonObject next = target.api().publishOk(restoredName, "partition=0", "after restore");
            assertEquals(2_000L, next.getLong("offset"), "new messages continue after the restored ones");
        }
        assertTrue(Files.size(dir.resolve("orders.backup.gz")) < Files.size(dir.resolve("orders.backup")) / 2);
    }

    @Test
    void aDamagedOrTruncatedBackupIsRefusedAndTheStreamStaysReadOnly() throws Exception {
        source.api().createStream("damaged", 1);
        source.api().fill("damaged", 0, 100, i -> "m" + i);
        Path backup = dir.resolve("damaged.backup");
        ok(source, "backup", "damaged", backup.toString());
        List<String> lines = Files.readAllLines(backup);

        List<String> flipped = new ArrayList<>(lines);
        JsonObject m = new JsonObject(flipped.get(50));
        m.put("value", HttpApi.b64("tampered"));
        flipped.set(50, m.encode());
        Path bad = dir.resolve("bad.backup");
        Files.write(bad, flipped);
        Run r = cli(target, "restore", bad.toString(), "--as", "damaged-1");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("checksum mismatch"), r.err());
        assertTrue(target.api().describe("damaged-1").getBoolean("readOnly"));
        Expect.error(target.api().publish("damaged-1", "x"), 409, "stream_read_only");

        Path truncated = dir.resolve("truncated.backup");
        Files.write(truncated, lines.subList(0, lines.size() - 1));
        Run t = cli(target, "restore", truncated.toString(), "--as", "damaged-2");
        assertEquals(1, t.exit());
        assertTrue(t.err().contains("truncated"), t.err());
        assertTrue(target.api().describe("damaged-2").getBoolean("readOnly"));

        // Run again with the whole file: it continues where the refused one stopped.
        ok(target, "restore", backup.toString(), "--as", "damaged-2");
        assertEquals(100, MirrorCheck.assertIdentical(source.api(), "damaged", target.api(), "damaged-2", 0));
    }

    @Test
    void theRestoreEndpointOnlyWritesIntoReadOnlyStreamsAfterTheirEnd() {
        HttpApi api = target.api();
        api.createStream("writable", 1);
        String line = new JsonObject().put("offset", 5).put("timestamp", 1_000).put("value", HttpApi.b64("v"))
                .encode() + "\n";
        Map<String, String> ndjson = Map.of("Content-Type", HttpApi.NDJSON);
        Expect.error(api.request("POST", "/v1/streams/writable/partitions/0/restore", line, ndjson), 409,
                "stream_not_read_only");
        api.patchStream("writable", new JsonObject().put("readOnly", true)).expect(200);
        api.request("POST", "/v1/streams/writable/partitions/0/restore", line, ndjson).expect(200);
        Expect.error(api.request("POST", "/v1/streams/writable/partitions/0/restore", line, ndjson), 409,
                "offset_mismatch");
        Expect.error(api.request("POST", "/v1/streams/writable/partitions/0/restore", "{\"offset\":9}\n", ndjson),
                400, "bad_request");
        assertEquals(5L, api.partition("writable", 0).getLong("startOffset"));
        assertEquals(6L, api.partition("writable", 0).getLong("endOffset"));
    }
}
