/**
 * Routing of publishes: checks the stream accepts writes, chooses each message's partition (explicit, key hash or
 * round-robin) and sends the per-partition groups to the partition leaders. Runs on an event loop; never blocks.
 */
package io.hawser.ingest;
