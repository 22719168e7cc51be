package io.hawser.bus;

/** Event-bus addresses, in data-flow order. */
public final class Addresses {
    /** {@link Messages.Publish} -> {@link Messages.PublishResult}: route messages to their partitions' leaders. */
    public static final String INGEST_PUBLISH = "hawser.ingest.publish";
    /** {@link Messages.Append} -> {@link Messages.PublishResult}: append to a partition this node leads. */
    public static final String STORAGE_APPEND = "hawser.storage.append";
    /** {@link Messages.Read} -> {@link Messages.ReadResult}. */
    public static final String STORAGE_READ = "hawser.storage.read";
    /** {@link Messages.StreamName} -> {@link Messages.PartitionStatuses}. */
    public static final String STORAGE_STATUS = "hawser.storage.status";
    /**
     * {@link Messages.Copy} -> {@link Messages.Copied}: records stored at the offsets they carry (a mirror puller's
     * copies, a restore), forwarded to the partition's leader like appends.
     */
    public static final String STORAGE_COPY = "hawser.storage.copy";
    /** {@link Messages.MirrorSource} -> {@link Messages.MirrorSourceInfo}: check a mirror's source before create. */
    public static final String MIRROR_SOURCE = "hawser.mirror.source";
    /** {@link Messages.CursorPut} -> {@link Messages.Done}. */
    public static final String STORAGE_CURSOR_PUT = "hawser.storage.cursor.put";
    /** {@link Messages.CursorGet} -> {@link Messages.CursorPositions}. */
    public static final String STORAGE_CURSOR_GET = "hawser.storage.cursor.get";

    /** {@link Messages.CursorSaved} -> {@link Messages.Done}: store a consumer position cluster-wide. */
    public static final String CONTROL_CURSOR_PUT = "hawser.control.cursor.put";
    /** {@link Messages.CursorSaved} -> {@link Messages.Done}: a position from this node's disk, kept if newer. */
    public static final String CONTROL_CURSOR_OFFER = "hawser.control.cursor.offer";
    /** {@link Messages.CursorSaved} -> {@link Messages.Done}: store it unless the cluster has this offset or later. */
    public static final String CONTROL_CURSOR_ADVANCE = "hawser.control.cursor.advance";
    /** {@link Messages.CursorGet} -> {@link Messages.CursorPositions}: the cluster's positions of a cursor. */
    public static final String CONTROL_CURSOR_GET = "hawser.control.cursor.get";
    /** Published node-locally when the cluster stored a position: {@link Messages.CursorSaved}; storage keeps a copy. */
    public static final String CURSOR_STORED = "hawser.control.cursor.stored";

    /** {@link Messages.StreamConfigMessage} -> {@link Messages.StreamCreated}. */
    public static final String CONTROL_CREATE = "hawser.control.create";
    /** {@link Messages.StreamPatch} -> {@link Messages.StreamConfigMessage}. */
    public static final String CONTROL_PATCH = "hawser.control.patch";
    /** {@link Messages.StreamName} -> {@link Messages.Done}. */
    public static final String CONTROL_DELETE = "hawser.control.delete";

    /** Published (not sent) by the controller after a stream was created, patched or deleted: {@link Messages.StreamName}. */
    public static final String STREAMS_CHANGED = "hawser.control.changed";

    /** {@link Messages.Lead} -> {@link Messages.Leading}. */
    public static final String STORAGE_LEAD = "hawser.storage.lead";
    /** {@link Messages.Follow} -> {@link Messages.Done}. */
    public static final String STORAGE_FOLLOW = "hawser.storage.follow";
    /** {@link Messages.HandOver} -> {@link Messages.HandOverReady}. */
    public static final String STORAGE_HAND_OVER = "hawser.storage.handover";
    /** Published node-locally by the elector: {@link Messages.NodeGone}. */
    public static final String NODE_GONE = "hawser.cluster.node-gone";
    /**
     * Published node-locally by storage when a partition leader's disk write failed: {@link Messages.StorageFailed}.
     * The elector gives up that leadership; the replica is reopened and may lead again once the disk has room.
     */
    public static final String STORAGE_FAILED = "hawser.storage.failed";
    /** {@link Messages.ReplicaCheck} -> {@link Messages.ReplicaEligibility}. */
    public static final String STORAGE_REPLICA_CHECK = "hawser.storage.replica-check";

    /**
     * The cluster-wide address of a node-local service on node {@code nodeId}: requests forwarded to the node that
     * leads a partition, or to the controller. {@code local} is one of the node-local addresses above; the same
     * message types apply, plus {@link #FETCH}.
     */
    public static String onNode(String nodeId, String local) {
        return "hawser.node." + nodeId + "." + local;
    }

    /** Only as {@code onNode(leader, FETCH)}: {@link Messages.Fetch} -> {@link Messages.FetchResult}. */
    public static final String FETCH = "hawser.replication.fetch";

    private Addresses() {
    }
}
