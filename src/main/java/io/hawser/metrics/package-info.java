/**
 * Metrics: Vert.x's Micrometer integration with a Prometheus registry, served at {@code /metrics}, plus Hawser's own
 * meters. Meters are thread-safe and updated from any thread.
 */
package io.hawser.metrics;
