/**
 * The domain vocabulary shared by every layer: stream configuration, messages, acknowledgements and the one error
 * catalogue ({@link io.hawser.model.ErrorCode}). Plain immutable Java; no Vert.x, Hazelcast or NATS imports.
 */
package io.hawser.model;
