/**
 * The benchmark tool ({@code bin/bench}): drives a Hawser node over its public HTTP/WebSocket
 * API (API.md) and reports throughput and latency against the targets of DESIGN.md section 4.
 * The NATS workloads ({@link io.hawser.bench.NatsBench}) publish through the node's NATS bridge and,
 * side by side in the same run with the same jnats client, to a NATS JetStream server, and report
 * the ratio with each side's CPU and memory.
 *
 * <p>Owns nothing of the server: it only talks to it over loopback like any user would, and
 * may start one node and two nats-servers as child processes (stopped by PID). The main thread
 * orchestrates and blocks on futures with deadlines; HTTP load is generated on Vert.x event loops
 * ({@link io.hawser.bench.PublishLoop}, {@link io.hawser.bench.ReplayReader}), whose state is
 * confined to their own event loop; NATS load on one thread and jnats connection per publisher
 * ({@link io.hawser.bench.NatsDriver}).
 */
package io.hawser.bench;
