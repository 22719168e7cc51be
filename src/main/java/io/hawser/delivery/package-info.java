/**
 * Delivery of committed messages to consumers: WebSocket subscriptions (and later NATS republish and mirrors).
 * A subscription pulls batches from the partition leaders in offset order and applies the consumer's back-pressure
 * to its pulling, so memory stays bounded and nothing is dropped. Runs on the event loop of its connection.
 */
package io.hawser.delivery;
