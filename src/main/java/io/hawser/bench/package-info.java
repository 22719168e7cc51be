/**
 * The benchmark tool ({@code bin/bench}): drives a Hawser node over its public HTTP/WebSocket
 * API (API.md) and reports throughput and latency against the targets of DESIGN.md section 4.
 *
 * <p>Owns nothing of the server: it only talks to it over loopback like any user would, and
 * may start one node as a child process. The main thread orchestrates and blocks on futures
 * with deadlines; load is generated on Vert.x event loops ({@link io.hawser.bench.PublishLoop},
 * {@link io.hawser.bench.ReplayReader}), whose state is confined to their own event loop.
 */
package io.hawser.bench;
