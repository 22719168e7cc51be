/**
 * The on-disk {@link io.hawser.log.PartitionLog}: {@link io.hawser.log.mapdb.MapDbPartitionLog}.
 *
 * <p>Owns: the active segment's CRC-framed journal and its group-committed fsync, the conversion of rolled journals
 * into sealed MapDB files, recovery (torn tails, leftover temp files, damaged records), truncation, retention and
 * compaction on disk. See {@code docs/storage.md}.
 *
 * <p>Threads: callers' threads (storage workers, never an event loop: every call blocks on I/O) plus one daemon
 * "hawser-sealer-*" thread per log that seals rolled journals in the background.
 */
package io.hawser.log.mapdb;
