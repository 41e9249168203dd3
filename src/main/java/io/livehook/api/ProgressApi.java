package io.livehook.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.ServerRequest;
import io.livehook.log.EventLog;
import io.livehook.process.Processor;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/**
 * {@code GET /api/progress}: how far processing is behind the log, per partition and in total. {@code head} is
 * the newest logged offset, {@code applied} the offset below which every event is in state, {@code lag_events}
 * their difference, {@code lag_seconds} the age of the oldest event waiting (the same numbers /metrics shows).
 * Totals add up the events; their {@code lag_seconds} is the largest partition's.
 */
public final class ProgressApi {
    private final EventLog eventLog;
    private final Processor processor;
    private final MeterRegistry registry;

    public ProgressApi(EventLog eventLog, Processor processor, MeterRegistry registry) {
        this.eventLog = eventLog;
        this.processor = processor;
        this.registry = registry;
    }

    List<ApiRoute> routes() {
        return List.of(ApiRoute.get("/progress", this::progress));
    }

    private ObjectNode progress(ServerRequest req) {
        new QueryParameters(req.query());
        ObjectNode node = ApiJson.object();
        ArrayNode partitions = node.putArray("partitions");
        long head = 0;
        long applied = 0;
        double lagSeconds = 0;
        for (int p = 0; p < eventLog.partitions(); p++) {
            long partitionHead = eventLog.head(p);
            long partitionApplied = Math.min(partitionHead, processor.appliedUpTo(p));
            double partitionLagSeconds = lagSeconds(p);
            partitions.addObject()
                    .put("partition", p)
                    .put("head", partitionHead)
                    .put("applied", partitionApplied)
                    .put("lag_events", partitionHead - partitionApplied)
                    .put("lag_seconds", partitionLagSeconds);
            head += partitionHead;
            applied += partitionApplied;
            lagSeconds = Math.max(lagSeconds, partitionLagSeconds);
        }
        node.putObject("total")
                .put("head", head)
                .put("applied", applied)
                .put("lag_events", head - applied)
                .put("lag_seconds", lagSeconds);
        return node;
    }

    private double lagSeconds(int partition) {
        Gauge gauge = registry.find("livehook.process.lag.seconds").tag("partition", Integer.toString(partition))
                .gauge();
        double value = gauge == null ? 0 : gauge.value();
        return Double.isNaN(value) ? 0 : value;
    }
}
