package io.hawser.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;

/** One Prometheus registry per node, shared by Vert.x's own metrics and Hawser's. */
public final class Metrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    public Metrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
    }

    /** Vert.x options that report HTTP, event-bus and pool metrics into this registry. */
    public VertxOptions vertxOptions() {
        return new VertxOptions().setMetricsOptions(
                new io.vertx.micrometer.MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(false));
    }

    public MicrometerMetricsFactory vertxMetricsFactory() {
        return new MicrometerMetricsFactory(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }
}
