package io.hawser.log;

import java.util.Collections;
import java.util.List;
import java.util.NavigableMap;
import java.util.SortedSet;

/**
 * The log of one partition replica.
 *
 * <p>Threading: every method is thread-safe. Mutations (append, sync, truncate, retention, compaction) are
 * serialised internally; reads run concurrently with them and are never blocked by an in-progress {@link #sync()}.
 * A read only ever sees whole records that an append has completed.
 */
public interface PartitionLog extends AutoCloseable {

    /**
     * Appends records at the offsets they carry. Offsets must be strictly increasing and the first must be
     * {@code >= endOffset()} (gaps are allowed: compacted sources and mirrors copy them). The records are
     * readable when this returns but durable only after {@link #sync()}. A batch is stored as one unit: readers see
     * all of it or none of it. When the log holds no record at all, a first offset beyond {@code endOffset()} moves
     * {@link #startOffset()} there (a mirror that starts mid-stream).
     *
     * @throws IllegalArgumentException on offsets that break the rule above, or a null header name/value
     *                                  (nothing is appended)
     */
    void append(List<Record> records);

    /**
     * Makes every record appended so far durable (fsync). One call covers many appends: group commit. Callers that
     * arrive while another sync is in flight and are covered by it return without a second fsync.
     *
     * @throws LogException when the fsync failed; the log then refuses further writes (what reached the disk is
     *                      unknown, so only a reopen, which re-verifies the files, may continue)
     */
    void sync();

    /**
     * Records with {@code offset >= fromOffset} and {@code offset <= maxOffset}, in offset order, at most
     * {@code maxRecords} of them, stopping once {@code maxBytes} is reached (but always at least one record
     * when one exists). Empty when {@code fromOffset >= endOffset()} or {@code maxOffset < fromOffset}. Byte
     * limits use {@link Record#sizeInBytes()}. A read that meets a corrupt record after collecting some records
     * returns those (ending just before the corrupt one); the read that starts at it throws.
     *
     * @throws OffsetOutOfRangeException when {@code fromOffset < startOffset()}
     * @throws CorruptRecordException    when the first record to be returned fails its checksum
     * @throws IllegalArgumentException  when {@code maxRecords} or {@code maxBytes} is not positive
     */
    List<Record> read(long fromOffset, long maxOffset, int maxRecords, int maxBytes);

    /**
     * The offset of the first record (in offset order) whose timestamp is {@code >= timestamp}, or
     * {@code endOffset()} if none. Timestamps need not grow with offsets.
     */
    long offsetForTimestamp(long timestamp);

    /**
     * First offset still stored: the base of the oldest segment. Reads below it throw
     * {@link OffsetOutOfRangeException}. Retention and truncation move it; compaction does not (the record at the
     * start offset may be compacted away, and a read from there returns the next one).
     */
    long startOffset();

    /** The next offset to be written. */
    long endOffset();

    LogStats stats();

    /**
     * Removes every record with {@code offset > lastKept}; afterwards {@code endOffset() == lastKept + 1}
     * (a follower truncating the suffix that diverged from its leader). Durable when it returns. Nothing changes
     * when {@code lastKept >= endOffset() - 1}. When {@code lastKept < startOffset()} the log is emptied and both
     * {@code startOffset()} and {@code endOffset()} become {@code lastKept + 1} (Kafka's truncate-fully-and-start-at).
     *
     * @throws IllegalArgumentException when {@code lastKept < -1}
     */
    void truncateAfter(long lastKept);

    /**
     * The leader epochs present in this log and the first offset written in each (Kafka's leader-epoch cache,
     * KIP-101): followers use it to find where their log diverges from the leader's. Only an epoch greater than
     * the latest one starts an entry (a record with a lower epoch is stored but starts none, as in Kafka). Truncation
     * drops entries past the new end; retention moves the oldest surviving entry up to the new start offset;
     * compaction changes nothing. Survives restarts. The returned map is an unmodifiable snapshot.
     */
    NavigableMap<Integer, Long> epochStartOffsets();

    /**
     * Deletes whole sealed segments, oldest first, that the policy no longer keeps (Kafka semantics: by size or
     * count a segment goes while what remains would still be {@code >=} the limit; by age a segment goes when its
     * newest timestamp is older than {@code now - maxAgeMs}). An active segment that is entirely too old is sealed
     * first so it can go too. Sizes are the encoded record bytes ({@link RecordCodec#encodedSize(Record)}).
     * Returns records removed.
     */
    long enforceRetention(RetentionPolicy policy);

    /**
     * Rewrites sealed segments so that only the newest record per key remains (keyless records are kept, offsets
     * are preserved, the active segment is untouched). "Newest" is judged over the whole log, the active segment
     * included. Returns records removed.
     */
    long compact();

    /**
     * Offsets of records this log has found failing their checksum (at open or by a read) and still holds. A replica
     * with any is damaged: the partition layer quarantines it and refetches rather than electing it.
     */
    default SortedSet<Long> knownCorruptOffsets() {
        return Collections.emptySortedSet();
    }

    /** Syncs and releases files; the log is unusable afterwards. */
    @Override
    void close();

    /** Closes the log and deletes all its files. */
    void delete();
}
