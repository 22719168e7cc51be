/**
 * Hosts this node's partition replicas: opens their logs, runs group commits on a dedicated append pool, serves
 * reads (with long-poll) and cursors, and applies retention and compaction. {@link io.hawser.storage.StorageVerticle}
 * is the thin event-bus face; every blocking call runs on the append pool or a Vert.x worker, never an event loop.
 */
package io.hawser.storage;
