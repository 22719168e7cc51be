/**
 * Every event-bus address and message type, in one place. Verticles talk only through these typed messages; no
 * address string literal appears anywhere else. Messages are immutable records: passed by reference inside a node,
 * and in a small versioned binary format ({@link io.hawser.bus.WireCodec}) between nodes.
 */
package io.hawser.bus;
