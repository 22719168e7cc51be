package io.hawser.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Backup and restore of one stream's committed messages, over the public API.
 *
 * <p>The file is NDJSON (gzip-compressed when its name ends in {@code .gz}):
 * <pre>
 * {"format":"hawser-backup","version":1,"createdMs":..,"source":URL,"config":{..},"partitions":[{"id":0,"startOffset":0,"highWatermark":41},..]}
 * {"partition":0,"offset":0,"timestamp":..,"key":"base64"|null,"headers":{..},"value":"base64","crc32c":..}   one per message
 * {"end":{"messages":N,"perPartition":[n0,n1,..]}}
 * </pre>
 * A backup is consistent: each partition is copied from its start to the high watermark it had when the backup
 * began. Every message carries a CRC32C of its offset, timestamp, key, headers and value; the trailer's counts show
 * that the file is whole. A restore checks both before the restored stream becomes writable.
 */
final class StreamBackup {
    static final String FORMAT = "hawser-backup";
    private static final int READ_LIMIT = 10_000;
    private static final int RESTORE_CHUNK_MESSAGES = 5_000;
    private static final int RESTORE_CHUNK_BYTES = 4 * 1024 * 1024;
    private static final long PROGRESS_EVERY_NANOS = 2_000_000_000L;

    private final AdminClient api;
    private final PrintStream progress;
    private long lastProgress = System.nanoTime();

    StreamBackup(AdminClient api, PrintStream progress) {
        this.api = api;
        this.progress = progress;
    }

    /** Writes the stream's committed messages to {@code file} (atomically: a temp file renamed at the end). */
    long backup(String stream, Path file) {
        JsonObject described = api.expect(api.get("/v1/streams/" + stream), "describe " + stream).json();
        JsonArray partitions = described.getJsonArray("partitions");
        JsonObject config = described.copy();
        config.remove("partitions");
        config.put("partitions", partitions.size());
        JsonArray ranges = new JsonArray();
        long total = 0;
        for (int p = 0; p < partitions.size(); p++) {
            JsonObject s = partitions.getJsonObject(p);
            ranges.add(new JsonObject().put("id", p).put("startOffset", s.getLong("startOffset"))
                    .put("highWatermark", s.getLong("highWatermark")));
            total += Math.max(0, s.getLong("highWatermark") + 1 - s.getLong("startOffset"));
        }
        Path temp = file.resolveSibling(file.getFileName() + ".partial");
        long written = 0;
        List<Long> perPartition = new ArrayList<>();
        try (Writer out = writer(temp, file.toString().endsWith(".gz"))) {
            line(out, new JsonObject().put("format", FORMAT).put("version", 1)
                    .put("createdMs", System.currentTimeMillis()).put("source", api.url()).put("config", config)
                    .put("partitions", ranges));
            for (int p = 0; p < partitions.size(); p++) {
                long count = backupPartition(out, stream, p, ranges.getJsonObject(p), written, total);
                perPartition.add(count);
                written += count;
            }
            line(out, new JsonObject().put("end", new JsonObject().put("messages", written)
                    .put("perPartition", new JsonArray(perPartition))));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + temp + ": " + e.getMessage(), e);
        }
        try {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rename " + temp + " to " + file + ": " + e.getMessage(), e);
        }
        progress.printf("backed up %,d messages of %s (%d partitions) to %s%n", written, stream, partitions.size(),
                file);
        return written;
    }

    private long backupPartition(Writer out, String stream, int p, JsonObject range, long before, long total)
            throws IOException {
        long offset = range.getLong("startOffset");
        long hw = range.getLong("highWatermark");
        long count = 0;
        while (offset <= hw) {
            AdminClient.Response r = api.get("/v1/streams/" + stream + "/partitions/" + p + "/messages?offset="
                    + offset + "&limit=" + READ_LIMIT);
            if (r.status() == 404 && r.body().contains("offset_out_of_range")) {
                throw new CliException("retention removed offset " + offset + " of partition " + p
                        + " while the backup ran; run it again");
            }
            JsonObject answer = api.expect(r, "read " + stream + "/" + p).json();
            JsonArray messages = answer.getJsonArray("messages");
            for (int i = 0; i < messages.size(); i++) {
                JsonObject m = messages.getJsonObject(i);
                if (m.getLong("offset") > hw) {
                    break;
                }
                JsonObject record = new JsonObject().put("partition", p).put("offset", m.getLong("offset"))
                        .put("timestamp", m.getLong("timestamp")).put("key", m.getString("key"))
                        .put("headers", m.getJsonObject("headers")).put("value", m.getString("value"));
                record.put("crc32c", crc(record));
                line(out, record);
                count++;
            }
            long next = answer.getLong("nextOffset");
            if (messages.isEmpty() || next <= offset) {
                break;
            }
            offset = next;
            report("backed up", before + count, total);
        }
        return count;
    }

    /**
     * Restores a backup into {@code name} (the backed-up stream's name when null) at the same offsets. The stream is
     * created read-only with the backed-up config ({@code replicationFactor} overridable, since the target cluster
     * may be smaller), filled, verified, then given the backed-up {@code readOnly} flag. Running it again on a
     * partly restored stream continues where it stopped.
     */
    long restore(Path file, String name, Integer replicationFactor) {
        try (BufferedReader in = reader(file)) {
            JsonObject header = parseLine(in.readLine(), file, 1);
            if (header == null || !FORMAT.equals(header.getString("format")) || header.getInteger("version", 0) != 1) {
                throw new CliException(file + " is not a Hawser backup (version 1)");
            }
            JsonObject backedUp = header.getJsonObject("config");
            String stream = name != null ? name : backedUp.getString("name");
            JsonArray ranges = header.getJsonArray("partitions");
            long[] ends = prepare(stream, createConfig(backedUp, stream, replicationFactor), ranges.size());
            long total = 0;
            for (int p = 0; p < ranges.size(); p++) {
                JsonObject range = ranges.getJsonObject(p);
                total += Math.max(0, range.getLong("highWatermark") + 1 - range.getLong("startOffset"));
            }
            long[] seen = new long[ranges.size()];
            List<List<JsonObject>> chunks = new ArrayList<>();
            int[] chunkBytes = new int[ranges.size()];
            for (int p = 0; p < ranges.size(); p++) {
                chunks.add(new ArrayList<>());
            }
            long restored = 0;
            long lineNo = 1;
            JsonObject trailer = null;
            String text;
            while ((text = in.readLine()) != null) {
                lineNo++;
                JsonObject m = parseLine(text, file, lineNo);
                if (m == null) {
                    continue;
                }
                if (m.containsKey("end")) {
                    trailer = m.getJsonObject("end");
                    break;
                }
                int p = m.getInteger("partition");
                if (p < 0 || p >= ranges.size() || m.getLong("crc32c") == null || m.getLong("crc32c") != crc(m)) {
                    throw new CliException(file + " line " + lineNo + ": checksum mismatch or bad partition; the "
                            + "backup is damaged (nothing after line " + (lineNo - 1) + " was restored)");
                }
                seen[p]++;
                restored++;
                if (m.getLong("offset") < ends[p]) {
                    continue; // restored by an earlier run
                }
                m.remove("partition");
                m.remove("crc32c");
                chunks.get(p).add(m);
                chunkBytes[p] += text.length();
                if (chunks.get(p).size() >= RESTORE_CHUNK_MESSAGES || chunkBytes[p] >= RESTORE_CHUNK_BYTES) {
                    ends[p] = send(stream, p, chunks.get(p));
                    chunkBytes[p] = 0;
                }
                report("restored", restored, total);
            }
            if (trailer == null) {
                throw new CliException(file + " ends without its trailer: the backup is truncated; " + stream
                        + " stays read-only");
            }
            for (int p = 0; p < ranges.size(); p++) {
                ends[p] = chunks.get(p).isEmpty() ? ends[p] : send(stream, p, chunks.get(p));
                long expected = trailer.getJsonArray("perPartition").getLong(p);
                if (seen[p] != expected) {
                    throw new CliException(file + ": partition " + p + " has " + seen[p] + " messages, the trailer "
                            + "says " + expected + "; " + stream + " stays read-only");
                }
            }
            verify(stream, ranges);
            api.expect(api.patchJson("/v1/streams/" + stream, new JsonObject().put("readOnly",
                    backedUp.getBoolean("readOnly", false))), "make " + stream + " writable");
            progress.printf("restored %,d messages into %s (%d partitions) at their original offsets%n", restored,
                    stream, ranges.size());
            return restored;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static JsonObject createConfig(JsonObject backedUp, String stream, Integer replicationFactor) {
        JsonObject create = new JsonObject();
        for (String key : List.of("subject", "partitions", "replicationFactor", "minInsyncReplicas", "ackPolicy",
                "retention", "compact", "dedupWindowMs", "maxMessageBytes", "republish", "paused")) {
            if (backedUp.getValue(key) != null) {
                create.put(key, backedUp.getValue(key));
            }
        }
        if (replicationFactor != null) {
            create.put("replicationFactor", replicationFactor);
            create.put("minInsyncReplicas", Math.min(create.getInteger("minInsyncReplicas", 1), replicationFactor));
        }
        return create.put("name", stream).put("readOnly", true);
    }

    /** Creates the stream (or finds the one a stopped restore left); returns each partition's end offset. */
    private long[] prepare(String stream, JsonObject config, int partitions) {
        AdminClient.Response created = api.postJson("/v1/streams", config);
        if (created.status() != 201) {
            AdminClient.Response existing = api.get("/v1/streams/" + stream);
            if (existing.status() != 200) {
                api.expect(created, "create " + stream, 201);
            }
            JsonObject d = existing.json();
            if (!d.getBoolean("readOnly", false) || d.getJsonArray("partitions").size() != partitions
                    || d.getValue("mirror") != null) {
                throw new CliException("stream " + stream + " already exists and is not a read-only stream with "
                        + partitions + " partitions left by a restore; restore into a new name with --as");
            }
        }
        JsonArray status = api.expect(api.get("/v1/streams/" + stream), "describe " + stream).json()
                .getJsonArray("partitions");
        long[] ends = new long[partitions];
        for (int p = 0; p < partitions; p++) {
            ends[p] = status.getJsonObject(p).getLong("endOffset");
        }
        return ends;
    }

    private long send(String stream, int p, List<JsonObject> chunk) {
        StringBuilder body = new StringBuilder();
        for (JsonObject m : chunk) {
            body.append(m.encode()).append('\n');
        }
        chunk.clear();
        JsonObject answer = api.expect(api.post("/v1/streams/" + stream + "/partitions/" + p + "/restore",
                "application/x-ndjson", body.toString().getBytes(StandardCharsets.UTF_8)),
                "restore into " + stream + "/" + p).json();
        return answer.getLong("endOffset");
    }

    /** Every partition ends where the backed-up one did, and everything restored is committed. */
    private void verify(String stream, JsonArray ranges) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            JsonArray status = api.expect(api.get("/v1/streams/" + stream), "describe " + stream).json()
                    .getJsonArray("partitions");
            boolean done = true;
            for (int p = 0; p < ranges.size(); p++) {
                long hw = ranges.getJsonObject(p).getLong("highWatermark");
                JsonObject s = status.getJsonObject(p);
                if (s.getLong("endOffset") > hw + 1) {
                    throw new CliException(stream + "/" + p + " ends at " + s.getLong("endOffset")
                            + ", beyond the backup's " + (hw + 1));
                }
                done &= s.getLong("highWatermark") == hw;
            }
            if (done) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new CliException(stream + " did not commit every restored message within 60 s");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException("interrupted");
            }
        }
    }

    /** CRC32C of a message's offset, timestamp, key, headers and value (as the backup line carries them). */
    static long crc(JsonObject m) {
        CRC32C crc = new CRC32C();
        StringBuilder s = new StringBuilder().append(m.getLong("offset")).append('\n').append(m.getLong("timestamp"))
                .append('\n').append(m.getString("key")).append('\n');
        JsonObject headers = m.getJsonObject("headers");
        if (headers != null) {
            for (Map.Entry<String, Object> h : headers) {
                s.append(h.getKey()).append('\0').append(h.getValue()).append('\n');
            }
        }
        s.append(m.getString("value"));
        crc.update(s.toString().getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }

    private void report(String verb, long done, long total) {
        long now = System.nanoTime();
        if (now - lastProgress >= PROGRESS_EVERY_NANOS) {
            lastProgress = now;
            progress.printf("%s %,d of %,d messages (%d%%)%n", verb, done, total, total == 0 ? 100 : done * 100 / total);
        }
    }

    private static JsonObject parseLine(String text, Path file, long lineNo) {
        if (text == null) {
            return null;
        }
        if (text.isBlank()) {
            return null;
        }
        try {
            return new JsonObject(text);
        } catch (RuntimeException e) {
            throw new CliException(file + " line " + lineNo + " is not JSON: the backup is damaged");
        }
    }

    private static void line(Writer out, JsonObject json) throws IOException {
        out.write(json.encode());
        out.write('\n');
    }

    private static Writer writer(Path file, boolean gzip) throws IOException {
        OutputStream out = Files.newOutputStream(file);
        return new BufferedWriter(new OutputStreamWriter(gzip ? new GZIPOutputStream(out, 1 << 16) : out,
                StandardCharsets.UTF_8), 1 << 16);
    }

    private static BufferedReader reader(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new CliException("no backup file " + file);
        }
        InputStream in = Files.newInputStream(file);
        return new BufferedReader(new InputStreamReader(file.toString().endsWith(".gz") ? new GZIPInputStream(in) : in,
                StandardCharsets.UTF_8), 1 << 16);
    }
}
