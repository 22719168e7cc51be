/**
 * The partition leader's state machine: sequencing (offsets, epochs, timestamps), de-duplication, expected-offset
 * checks, group commit and the high watermark. Plain Java over {@link io.hawser.log.PartitionLog}; no Vert.x,
 * Hazelcast or NATS imports. Appends run serially on an injected executor; reads run on the caller's thread.
 */
package io.hawser.partition;
