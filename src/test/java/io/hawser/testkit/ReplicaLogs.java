package io.hawser.testkit;

import io.hawser.log.LogConfig;
import io.hawser.log.Record;
import io.hawser.log.mapdb.MapDbPartitionLog;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Offline checks of replicas: once a node is stopped, its partition logs are opened straight from its data dir
 * ({@code <dataDir>/streams/<stream>/<p>/log}) and compared record by record. Opening runs the log's normal
 * recovery (a torn tail is cut, a journal may be created), so only call this on a data dir whose node is stopped
 * (the log's directory lock makes it fail otherwise) and will not be compared byte-wise again.
 */
public final class ReplicaLogs {
    private static final int PAGE_RECORDS = 10_000;
    private static final int PAGE_BYTES = 64 << 20;

    private ReplicaLogs() {
    }

    /** {@code <dataDir>/streams/<stream>/<p>/log}. */
    public static Path logDir(Path dataDir, String stream, int p) {
        return dataDir.resolve("streams").resolve(stream).resolve(String.valueOf(p)).resolve("log");
    }

    /** Every record of the partition's log on a stopped node, in offset order; fails when there is no log. */
    public static List<Record> read(Path dataDir, String stream, int p) {
        Path dir = logDir(dataDir, stream, p);
        if (!Files.isDirectory(dir)) {
            fail("no log of " + stream + "/" + p + " at " + dir);
        }
        List<Record> all = new ArrayList<>();
        try (MapDbPartitionLog log = MapDbPartitionLog.open(dir, LogConfig.defaults())) {
            if (!log.knownCorruptOffsets().isEmpty()) {
                fail("log " + dir + " holds corrupt records at " + log.knownCorruptOffsets());
            }
            long offset = log.startOffset();
            long end = log.endOffset();
            while (offset < end) {
                List<Record> page = log.read(offset, end - 1, PAGE_RECORDS, PAGE_BYTES);
                if (page.isEmpty()) {
                    break;
                }
                all.addAll(page);
                offset = page.get(page.size() - 1).offset() + 1;
            }
        }
        return all;
    }

    /** {@link #read} for each of {@code dataDirs}, keyed by a label (node id). */
    public static Map<String, List<Record>> readAll(Map<String, Path> dataDirs, String stream, int p) {
        Map<String, List<Record>> logs = new java.util.LinkedHashMap<>();
        dataDirs.forEach((label, dir) -> logs.put(label, read(dir, stream, p)));
        return logs;
    }

    /**
     * The offline check of a stopped cluster (every node DOWN) for a stream whose partitions are replicated on every
     * node: per partition, every node's log is contiguous from 0 and identical to the others, no value is stored
     * twice, and every ack in {@code acks} is at its acknowledged offset with its value. Returns the records of each
     * partition (node-1's copy).
     */
    public static Map<Integer, List<Record>> verifyStoppedCluster(ChildCluster cluster, String stream, int partitions,
            Collection<AckedLoad.Ack> acks) {
        Map<String, Path> dirs = new java.util.LinkedHashMap<>();
        for (int i = 0; i < cluster.size(); i++) {
            if (cluster.state(i) != ChildCluster.State.DOWN) {
                fail(cluster.nodeId(i) + " is still " + cluster.state(i) + "; stop every node before reading logs");
            }
            dirs.put(cluster.nodeId(i), cluster.dataDir(i));
        }
        Map<Integer, List<Record>> result = new TreeMap<>();
        for (int p = 0; p < partitions; p++) {
            String what = stream + "/" + p;
            Map<String, List<Record>> logs = readAll(dirs, stream, p);
            assertReplicasIdentical(what, logs);
            List<Record> records = logs.values().iterator().next();
            assertNoDuplicateValues(what, records);
            assertAcked(what, acks, p, records);
            result.put(p, records);
            System.out.println(cluster.name() + ": " + what + " holds " + records.size() + " identical records on "
                    + logs.keySet());
        }
        return result;
    }

    /** Offsets run {@code from, from+1, ...} without a gap or a repeat. */
    public static void assertContiguous(String what, List<Record> records, long from) {
        long expected = from;
        for (Record r : records) {
            if (r.offset() != expected) {
                fail(what + ": offset " + r.offset() + " where " + expected + " was expected (" + records.size()
                        + " records from " + from + ")");
            }
            expected++;
        }
    }

    /**
     * The two replicas hold the same records: same count, and at each position the same offset, epoch, timestamp,
     * key, headers and value (byte arrays by content).
     */
    public static void assertIdentical(String what, List<Record> expected, List<Record> actual) {
        int common = Math.min(expected.size(), actual.size());
        for (int i = 0; i < common; i++) {
            String diff = difference(expected.get(i), actual.get(i));
            if (diff != null) {
                fail(what + ": replicas differ at position " + i + " (offset " + expected.get(i).offset() + "): "
                        + diff);
            }
        }
        if (expected.size() != actual.size()) {
            List<Record> longer = expected.size() > actual.size() ? expected : actual;
            fail(what + ": replicas hold " + expected.size() + " vs " + actual.size() + " records; first extra: "
                    + longer.get(common));
        }
    }

    /** Every replica in {@code logs} is identical to the first and contiguous from offset 0. */
    public static void assertReplicasIdentical(String what, Map<String, List<Record>> logs) {
        String firstLabel = null;
        List<Record> first = null;
        for (Map.Entry<String, List<Record>> e : logs.entrySet()) {
            assertContiguous(what + " on " + e.getKey(), e.getValue(), 0);
            if (first == null) {
                firstLabel = e.getKey();
                first = e.getValue();
            } else {
                assertIdentical(what + " (" + firstLabel + " vs " + e.getKey() + ")", first, e.getValue());
            }
        }
    }

    /** Null when equal, else what differs. */
    public static String difference(Record a, Record b) {
        if (a.offset() != b.offset()) {
            return "offset " + a.offset() + " vs " + b.offset();
        }
        if (a.epoch() != b.epoch()) {
            return "epoch " + a.epoch() + " vs " + b.epoch();
        }
        if (a.timestamp() != b.timestamp()) {
            return "timestamp " + a.timestamp() + " vs " + b.timestamp();
        }
        if (!Arrays.equals(a.key(), b.key())) {
            return "key " + show(a.key()) + " vs " + show(b.key());
        }
        if (!a.headers().equals(b.headers())) {
            return "headers " + a.headers() + " vs " + b.headers();
        }
        if (!Arrays.equals(a.value(), b.value())) {
            return "value " + show(a.value()) + " vs " + show(b.value());
        }
        return null;
    }

    /** No two records carry the same value (the load's values are unique, so a repeat is a duplicate write). */
    public static void assertNoDuplicateValues(String what, List<Record> records) {
        Map<String, Long> seen = new HashMap<>();
        for (Record r : records) {
            Long before = seen.putIfAbsent(text(r), r.offset());
            if (before != null) {
                fail(what + ": value " + show(r.value()) + " stored twice, at offsets " + before + " and "
                        + r.offset());
            }
        }
    }

    /**
     * Every ack of partition {@code p} is in {@code records} at its acknowledged offset with its value, and its value
     * is nowhere else. Lists up to 20 violations.
     */
    public static void assertAcked(String what, Collection<AckedLoad.Ack> acks, int p, List<Record> records) {
        Map<Long, Record> byOffset = new HashMap<>();
        Map<String, List<Long>> offsetsByValue = new HashMap<>();
        for (Record r : records) {
            byOffset.put(r.offset(), r);
            offsetsByValue.computeIfAbsent(text(r), v -> new ArrayList<>()).add(r.offset());
        }
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (AckedLoad.Ack ack : acks) {
            if (ack.partition() != p) {
                continue;
            }
            checked++;
            Record r = byOffset.get(ack.offset());
            List<Long> where = offsetsByValue.getOrDefault(ack.value(), List.of());
            if (r == null) {
                problems.add(ack + ": offset missing (value found at " + where + ")");
            } else if (!text(r).equals(ack.value())) {
                problems.add(ack + ": offset holds " + show(r.value()) + " (acked value found at " + where + ")");
            } else if (where.size() != 1) {
                problems.add(ack + ": value stored at " + where);
            }
        }
        if (!problems.isEmpty()) {
            fail(what + ": " + problems.size() + " of " + checked + " acknowledged messages of partition " + p
                    + " are not where acknowledged (log holds " + records.size() + " records): "
                    + problems.subList(0, Math.min(20, problems.size())));
        }
    }

    /** None of {@code values} (UTF-8 text) is in {@code records}. */
    public static void assertAbsent(String what, Collection<String> values, List<Record> records) {
        for (Record r : records) {
            if (values.contains(text(r))) {
                fail(what + ": " + show(r.value()) + " is stored at offset " + r.offset());
            }
        }
    }

    /** The value as UTF-8 text (the load's values are text). */
    public static String text(Record r) {
        return new String(r.value(), StandardCharsets.UTF_8);
    }

    private static String show(byte[] bytes) {
        if (bytes == null) {
            return "null";
        }
        String s = new String(bytes, 0, Math.min(bytes.length, 60), StandardCharsets.UTF_8);
        return "'" + s + (bytes.length > 60 ? "...' (" + bytes.length + " bytes)" : "'");
    }
}
