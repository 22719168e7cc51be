/**
 * Per-partition storage: an append-only log of {@link io.hawser.log.Record}s made of segments.
 *
 * <p>Owns: record format ({@link io.hawser.log.RecordCodec}, CRC32C per record), durability (journal + fsync),
 * segment files, retention, compaction, truncation and recovery. Implementations: {@code log.mapdb} (on disk) and
 * {@code log.memory}; both pass one contract test. Formats and rules: {@code docs/storage.md}.
 *
 * <p>Knows nothing about Vert.x, Hazelcast, NATS or HTTP; every call is blocking and synchronous, so callers run it
 * on worker threads, never on an event loop.
 */
package io.hawser.log;
