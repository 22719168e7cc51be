package io.hawser.cluster;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.hawser.model.PartitionState;
import io.hawser.partition.IsrStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The cluster's stream metadata: one {@link StreamEntry} per stream in a Hazelcast map, changed only by
 * compare-and-set so concurrent writers (the controller, partition leaders recording their ISR, electors) never
 * lose each other's changes. Every node mirrors the map into its {@link StreamCatalog} on disk; at start a node
 * offers its copy back, so the metadata survives a restart of the whole cluster (the newest version wins).
 *
 * <p>Threading: every method blocks on the cluster; call them off the event loops. Map events arrive on Hazelcast
 * threads; {@code onChange} is called there after the catalog took the change.
 */
public final class ClusterMetadata implements AutoCloseable {
    static final String STREAMS_MAP = "hawser.streams";
    static final String CURSORS_MAP = "hawser.cursors";
    private static final System.Logger LOG = System.getLogger(ClusterMetadata.class.getName());

    private final IMap<String, String> map;
    private final IMap<String, String> cursors;
    private final StreamCatalog catalog;
    private final Consumer<String> onChange;
    private final Consumer<CursorPosition> onCursor;
    private final java.util.UUID listener;
    private final java.util.UUID cursorListener;

    /** A consumer position as the cluster stores it (per partition), with the time it was set. */
    public record CursorPosition(String stream, long incarnation, String cursor, int partition, long offset,
                                 long updatedMs) {
        String key() {
            return stream + "\n" + incarnation + "\n" + cursor + "\n" + partition;
        }

        String value() {
            return offset + "@" + updatedMs;
        }

        static CursorPosition parse(String key, String value) {
            String[] k = key.split("\n", -1);
            String[] v = value.split("@");
            return new CursorPosition(k[0], Long.parseLong(k[1]), k[2], Integer.parseInt(k[3]), Long.parseLong(v[0]),
                    Long.parseLong(v[1]));
        }
    }

    private ClusterMetadata(IMap<String, String> map, IMap<String, String> cursors, StreamCatalog catalog,
                            Consumer<String> onChange, Consumer<CursorPosition> onCursor) {
        this.map = map;
        this.cursors = cursors;
        this.catalog = catalog;
        this.onChange = onChange;
        this.onCursor = onCursor;
        this.listener = map.addEntryListener(new Listener(), true);
        this.cursorListener = cursors.addEntryListener(new CursorListener(), true);
    }

    private final class CursorListener implements EntryAddedListener<String, String>,
            EntryUpdatedListener<String, String> {
        @Override
        public void entryAdded(EntryEvent<String, String> event) {
            onCursor.accept(CursorPosition.parse(event.getKey(), event.getValue()));
        }

        @Override
        public void entryUpdated(EntryEvent<String, String> event) {
            onCursor.accept(CursorPosition.parse(event.getKey(), event.getValue()));
        }
    }

    /**
     * Stores a consumer position cluster-wide (2 in-memory backups; every node hosting the stream also writes it to
     * its cursor log on disk through {@code onCursor}). Blocking.
     */
    public void putCursor(CursorPosition position) {
        cursors.set(position.key(), position.value());
    }

    /** Stores a position unless the cluster already has this offset or a later one. Blocking. */
    public void advanceCursor(CursorPosition position) {
        storeUnless(position, current -> current.offset() >= position.offset());
    }

    /** Offers a position from a node's disk at start: kept only when the cluster has none or an older one. */
    public void offerCursor(CursorPosition position) {
        storeUnless(position, current -> current.updatedMs() >= position.updatedMs());
    }

    /** Compare-and-set: stores {@code position} unless the cluster has one that {@code keepCurrent} prefers. */
    private void storeUnless(CursorPosition position, Predicate<CursorPosition> keepCurrent) {
        while (true) {
            String current = cursors.putIfAbsent(position.key(), position.value());
            if (current == null || keepCurrent.test(CursorPosition.parse(position.key(), current))
                    || cursors.replace(position.key(), current, position.value())) {
                return;
            }
        }
    }

    /** The stored positions of a cursor by partition; empty when it was never stored. Blocking. */
    public Map<Integer, Long> cursor(String stream, long incarnation, String cursor, int partitions) {
        java.util.Set<String> keys = new java.util.LinkedHashSet<>();
        for (int p = 0; p < partitions; p++) {
            keys.add(new CursorPosition(stream, incarnation, cursor, p, 0, 0).key());
        }
        Map<Integer, Long> result = new java.util.TreeMap<>();
        cursors.getAll(keys).forEach((k, v) -> {
            CursorPosition position = CursorPosition.parse(k, v);
            result.put(position.partition(), position.offset());
        });
        return result;
    }

    private final class Listener implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String>,
            EntryMergedListener<String, String> {
        @Override
        public void entryMerged(EntryEvent<String, String> event) {
            String now = map.get(event.getKey()); // after a split-brain heal: whatever the map holds now
            if (now != null) {
                take(now);
            }
        }

        @Override
        public void entryAdded(EntryEvent<String, String> event) {
            take(event.getValue());
        }

        @Override
        public void entryUpdated(EntryEvent<String, String> event) {
            take(event.getValue());
        }
    }

    private void take(String json) {
        try {
            StreamEntry entry = StreamEntry.decode(json);
            if (catalog.apply(entry)) {
                onChange.accept(entry.name());
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot apply a stream metadata change: " + e.getMessage(), e);
        }
    }

    /** Joins the cluster's metadata: offers this node's copy, then takes the cluster's. Blocking. */
    public static ClusterMetadata start(ClusterMembership membership, StreamCatalog catalog,
                                        Consumer<String> onChange, Consumer<CursorPosition> onCursor) {
        ClusterMetadata metadata = new ClusterMetadata(membership.hazelcast().getMap(STREAMS_MAP),
                membership.hazelcast().getMap(CURSORS_MAP), catalog, onChange, onCursor);
        for (StreamEntry local : catalog.entries()) {
            metadata.offer(local);
        }
        for (Map.Entry<String, String> e : metadata.map.entrySet()) {
            metadata.take(e.getValue());
        }
        return metadata;
    }

    /**
     * Takes every entry of the map again. Events can be missed (a split-brain heal, a member that was paused), so
     * each node re-reads the map periodically; a no-op when nothing differs. Blocking.
     */
    public void resync() {
        for (Map.Entry<String, String> e : map.entrySet()) {
            take(e.getValue());
        }
    }

    /** Hands every stored cursor position to {@code onCursor} again (a node keeps what it lacks). Blocking. */
    public void resyncCursors() {
        for (Map.Entry<String, String> e : cursors.entrySet()) {
            onCursor.accept(CursorPosition.parse(e.getKey(), e.getValue()));
        }
    }

    private void offer(StreamEntry stored) {
        // Leaders named on disk led in an earlier life of the cluster: a copy taken from disk names none, so no
        // request is routed to a node before it has been elected again.
        List<PartitionState> leaderless = new ArrayList<>();
        for (PartitionState p : stored.partitions()) {
            leaderless.add(p.withLeader(null, p.epoch()));
        }
        StreamEntry local = new StreamEntry(stored.name(), stored.version(), stored.incarnation(), stored.config(),
                leaderless);
        String encoded = local.encode();
        while (true) {
            String current = map.putIfAbsent(local.name(), encoded);
            if (current == null || !local.supersedes(StreamEntry.decode(current))
                    || map.replace(local.name(), current, encoded)) {
                return;
            }
        }
    }

    /**
     * Changes one stream's entry with compare-and-set, retrying on conflicts. {@code change} gets the current entry
     * (null when the stream never existed) and returns the next one, or the same instance for no change. Returns
     * the entry in force afterwards (null if none); this node's catalog has taken it when this returns.
     */
    public StreamEntry update(String stream, UnaryOperator<StreamEntry> change) {
        while (true) {
            String current = map.get(stream);
            StreamEntry before = current == null ? null : StreamEntry.decode(current);
            StreamEntry after = change.apply(before);
            if (after == before) {
                return before;
            }
            String encoded = after.encode();
            boolean written = current == null ? map.putIfAbsent(stream, encoded) == null
                    : map.replace(stream, current, encoded);
            if (written) {
                if (catalog.applyOwnWrite(after)) {
                    onChange.accept(stream);
                }
                return after;
            }
        }
    }

    /**
     * Records {@code leader} as the partition's leader at {@code epoch}, unless the metadata already has a newer
     * epoch. Returns whether it did.
     */
    public boolean setLeader(String stream, int partition, String leader, long epoch) {
        StreamEntry result = update(stream, e -> {
            PartitionState s = partitionOf(e, partition);
            if (s == null || s.epoch() > epoch) {
                return e;
            }
            List<String> isr = s.isr();
            if (!isr.contains(leader)) {
                isr = new ArrayList<>(isr);
                isr.add(leader);
            }
            return e.withPartition(partition, new PartitionState(s.replicas(), leader, epoch, isr));
        });
        PartitionState now = partitionOf(result, partition);
        return now != null && leader.equals(now.leader()) && now.epoch() == epoch;
    }

    /** The leader at {@code epoch} gives the partition up (hand-over): no leader until the next one is elected. */
    public void clearLeader(String stream, int partition, long epoch) {
        update(stream, e -> {
            PartitionState s = partitionOf(e, partition);
            return s == null || s.epoch() != epoch ? e : e.withPartition(partition, s.withLeader(null, epoch));
        });
    }

    /** Records the ISR of the leader at {@code epoch} (see {@link IsrStore.Outcome}). */
    public IsrStore.Outcome writeIsr(String stream, int partition, long epoch, List<String> isr) {
        IsrStore.Outcome[] outcome = {IsrStore.Outcome.DEPOSED};
        update(stream, e -> {
            PartitionState s = partitionOf(e, partition);
            if (s == null || s.epoch() > epoch) {
                outcome[0] = IsrStore.Outcome.DEPOSED;
                return e;
            }
            if (s.epoch() < epoch) {
                outcome[0] = IsrStore.Outcome.NOT_YET;
                return e;
            }
            outcome[0] = IsrStore.Outcome.WRITTEN;
            List<String> ordered = s.replicas().stream().filter(isr::contains).toList();
            return ordered.equals(s.isr()) ? e : e.withPartition(partition, s.withIsr(ordered));
        });
        return outcome[0];
    }

    /** A live stream's partition in {@code e}; null when the stream is gone or has no such partition. */
    private static PartitionState partitionOf(StreamEntry e, int partition) {
        return e == null || e.deleted() || partition >= e.partitions().size() ? null : e.partitions().get(partition);
    }

    @Override
    public void close() {
        try {
            map.removeEntryListener(listener);
            cursors.removeEntryListener(cursorListener);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "metadata listener already gone: " + e.getMessage());
        }
    }
}
