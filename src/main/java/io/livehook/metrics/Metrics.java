package io.livehook.metrics;

import io.livehook.BuildInfo;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;

/** The Prometheus registry every part of livehook registers its meters with, plus JVM and process meters. */
public final class Metrics {
    private static final double NANOS_PER_SECOND = 1e9;

    private Metrics() {}

    public static PrometheusMeterRegistry prometheus() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // Micrometer's ProcessorMetrics reports process CPU time in nanoseconds (process_cpu_time_ns_total);
        // Prometheus wants base units, and every other exporter calls it process_cpu_seconds_total.
        registry.config().meterFilter(MeterFilter.denyNameStartsWith("process.cpu.time"));
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        processCpuSeconds(registry);
        buildInfo(registry);
        return registry;
    }

    /** Prometheus's convention for "which build runs where": a constant 1 labelled with the build. */
    private static void buildInfo(MeterRegistry registry) {
        BuildInfo build = BuildInfo.current();
        Gauge.builder("livehook.build.info", () -> 1)
                .tags("version", build.version(), "commit", build.commit())
                .description("The running build: version and git commit as labels, value 1")
                .register(registry);
    }

    private static void processCpuSeconds(MeterRegistry registry) {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                && os.getProcessCpuTime() >= 0) {
            FunctionCounter.builder("process.cpu", os, bean -> bean.getProcessCpuTime() / NANOS_PER_SECOND)
                    .baseUnit("seconds")
                    .description("CPU time used by the JVM process")
                    .register(registry);
        }
    }
}
