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
    /** {@link Messages.StreamConfigMessage} -> {@link Messages.Done}: open (or create) a stream's partitions here. */
    public static final String STORAGE_OPEN = "hawser.storage.open";
    /** {@link Messages.StreamName} -> {@link Messages.Done}: close a stream's partitions and delete their data. */
    public static final String STORAGE_DELETE = "hawser.storage.delete";
    /** {@link Messages.CursorPut} -> {@link Messages.Done}. */
    public static final String STORAGE_CURSOR_PUT = "hawser.storage.cursor.put";
    /** {@link Messages.CursorGet} -> {@link Messages.CursorPositions}. */
    public static final String STORAGE_CURSOR_GET = "hawser.storage.cursor.get";

    /** {@link Messages.StreamConfigMessage} -> {@link Messages.StreamCreated}. */
    public static final String CONTROL_CREATE = "hawser.control.create";
    /** {@link Messages.StreamPatch} -> {@link Messages.StreamConfigMessage}. */
    public static final String CONTROL_PATCH = "hawser.control.patch";
    /** {@link Messages.StreamName} -> {@link Messages.Done}. */
    public static final String CONTROL_DELETE = "hawser.control.delete";

    /** Published (not sent) by the controller after a stream was created, patched or deleted: {@link Messages.StreamName}. */
    public static final String STREAMS_CHANGED = "hawser.control.changed";

    private Addresses() {
    }
}
