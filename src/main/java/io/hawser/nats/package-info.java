/**
 * The NATS edge (jnats): captures messages published on streams' subjects into the streams (queue group per stream,
 * so each message is captured once however many nodes run), answers request/reply publishers only after the ack
 * policy is met, and republishes committed messages. Translates only; no log logic. jnats dispatcher threads hand
 * work to the event bus and never block; NATS publishes run on Vert.x event loops or workers.
 */
package io.hawser.nats;
