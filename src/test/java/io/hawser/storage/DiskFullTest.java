package io.hawser.storage;

import io.hawser.testkit.Await;
import io.hawser.testkit.HttpApi;
import io.hawser.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node whose data directory is a small tmpfs that fills up: publishes fail with 503/504 (never a 5xx bug, never a
 * 2xx for a message that is not stored), the partition goes offline with a metric, nothing acknowledged is lost or
 * corrupt, and service resumes by itself once space returns, also after a restart. Needs {@code mount -t tmpfs}
 * (root); skipped with the reason logged where the machine cannot mount.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DiskFullTest {
    private static final System.Logger LOG = System.getLogger(DiskFullTest.class.getName());
    private static final int VALUE_BYTES = 1000;
    private static Path mount;
    private static boolean mounted;
    private static TestNode node;

    @BeforeAll
    static void mountTmpfs() throws Exception {
        mount = Files.createTempDirectory("hawser-diskfull-");
        String why = run("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mount.toString());
        mounted = why == null;
        if (!mounted) {
            LOG.log(System.Logger.Level.WARNING, "DiskFullTest skipped: cannot mount a tmpfs here: " + why);
        }
        Assumptions.assumeTrue(mounted, "cannot mount a tmpfs: " + why);
    }

    @AfterAll
    static void unmount() throws Exception {
        try {
            if (node != null) {
                node.close();
            }
        } finally {
            if (mounted) {
                String failed = run("umount", "-l", mount.toString()); // lazy: mapped files may still be open
                if (failed != null) {
                    LOG.log(System.Logger.Level.WARNING, "cannot unmount " + mount + ": " + failed);
                }
            }
            Files.deleteIfExists(mount);
        }
    }

    /** Null when the command succeeded, else its output. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return e.getMessage();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "timed out";
        }
        return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + out.trim();
    }

    private static String value(int i) {
        String head = "value-" + i + "-";
        return head + "x".repeat(VALUE_BYTES - head.length());
    }

    @Test
    void aFullDiskStopsThePartitionCleanlyAndItResumesWhenSpaceReturns() throws Exception {
        node = TestNode.start(c -> c.withDataDir(mount.resolve("data")).withSegmentBytes(256 * 1024));
        HttpApi api = node.api();
        api.createStream(new JsonObject().put("name", "full").put("ackPolicy", "leader"));
        // Leave about 3 MB of the 24 MB free.
        Path filler = mount.resolve("filler");
        long free = Files.getFileStore(mount).getUsableSpace();
        try (RandomAccessFile f = new RandomAccessFile(filler.toFile(), "rw")) {
            byte[] chunk = new byte[1 << 20];
            for (long written = 0; written < free - 3 * (1 << 20); written += chunk.length) {
                f.write(chunk);
            }
        }

        TreeMap<Long, String> acked = new TreeMap<>();
        List<String> errors = new ArrayList<>();
        int next = 0;
        for (int round = 0; round < 200 && errors.isEmpty(); round++) {
            List<JsonObject> lines = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                lines.add(new JsonObject().put("text", value(next + i)));
            }
            HttpApi.Response r = api.batch("full", lines);
            assertTrue(r.status() == 200 || r.status() == 503 || r.status() == 504, r::describe);
            if (r.status() != 200) {
                errors.add(r.errorCode());
                break;
            }
            JsonArray acks = r.json().getJsonArray("acks");
            for (int i = 0; i < acks.size(); i++) {
                JsonObject ack = acks.getJsonObject(i);
                if (ack.containsKey("error")) {
                    errors.add(ack.getJsonObject("error").getString("code"));
                } else {
                    acked.put(ack.getLong("offset"), value(next + i));
                }
            }
            next += lines.size();
        }
        assertTrue(!errors.isEmpty(), "the disk never filled up");
        assertTrue(Set.of("storage_unavailable", "ack_timeout", "no_leader").containsAll(errors), errors::toString);

        // Offline (no leader until the disk has room), with a metric.
        Await.until(Duration.ofSeconds(15), "the partition is offline", () ->
                api.partition("full", 0).getValue("leader") == null);
        String metrics = api.get("/metrics").expect(200).body();
        assertTrue(metrics.contains("hawser_storage_failures_total{stream=\"full\"} 1.0"), metrics);
        assertEquals(false, api.get("/health/ready").json().getJsonObject("checks").getBoolean("diskSpace"));
        HttpApi.Response refused = api.publish("full", "timeoutMs=500", "while full", java.util.Map.of());
        assertEquals(503, refused.status(), refused::describe);

        // Space returns: the partition is elected again and takes writes, with nothing lost or invented.
        Files.delete(filler);
        JsonObject ack = Await.value(Duration.ofSeconds(30), "publishes succeed again",
                () -> api.publish("full", "timeoutMs=1000", "after", java.util.Map.of()),
                resp -> resp.status() == 201).json();
        assertTrue(ack.getLong("offset") > (acked.isEmpty() ? -1 : acked.lastKey()), ack::encode);
        acked.put(ack.getLong("offset"), "after");
        assertCommitted(api, acked);

        node.stop();
        node.startAgain();
        assertCommitted(node.api(), acked);
    }

    /** Every acknowledged message is readable at its offset with its value, and the log reads cleanly to its end. */
    private static void assertCommitted(HttpApi api, TreeMap<Long, String> acked) {
        long hw = api.partition("full", 0).getLong("highWatermark");
        assertTrue(acked.isEmpty() || hw >= acked.lastKey(), "hw " + hw + " < last ack " + acked.lastKey());
        TreeMap<Long, String> found = new TreeMap<>();
        long offset = 0;
        while (offset <= hw) {
            JsonObject answer = api.get("/v1/streams/full/partitions/0/messages?format=text&limit=5000&offset="
                    + offset).expect(200).json();
            JsonArray messages = answer.getJsonArray("messages");
            for (int i = 0; i < messages.size(); i++) {
                found.put(messages.getJsonObject(i).getLong("offset"), messages.getJsonObject(i).getString("text"));
            }
            if (messages.isEmpty()) {
                break;
            }
            offset = answer.getLong("nextOffset");
        }
        acked.forEach((o, v) -> assertEquals(v, found.get(o), "acknowledged offset " + o));
    }
}
