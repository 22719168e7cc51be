/**
 * {@link io.hawser.log.memory.InMemoryPartitionLog}: a {@link io.hawser.log.PartitionLog} without a disk that
 * behaves like the MapDB one (same segment boundaries, retention and compaction results), for tests and tools.
 *
 * <p>Threads: callers' threads only; all methods are thread-safe.
 */
package io.hawser.log.memory;
