package io.livehook.ingest;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.livehook.livekit.Verification;
import io.livehook.livekit.WebhookVerifier;
import io.livehook.log.Appended;
import io.livehook.log.EventLog;
import io.livehook.log.IncomingEvent;
import io.livehook.log.LogUnavailableException;
import io.livehook.log.Origin;
import io.livehook.metrics.LogBudget;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The webhook endpoint: verify the signature over the raw bytes, append to the event log, answer. The
 * answer is 200 only once the event is durable. Status codes follow what LiveKit's sender does with
 * them: 4xx is final (right for a request that can never be valid), 503 with Retry-After is retried
 * (right while the log cannot write).
 */
public final class WebhookIngest implements Handler {
    private static final Logger log = LoggerFactory.getLogger(WebhookIngest.class);
    private static final String RETRY_AFTER_SECONDS = "1";
    private static final String NO_REASON = "none";
    private static final int CLAIMED_FIELD_CHARS = 128;

    private final WebhookVerifier verifier;
    private final EventLog eventLog;
    private final long maxBodyBytes;
    private final Clock clock;
    private final IngestMetrics metrics;
    private final LogBudget rejectionLines;
    /** Lines any peer can cause (a body cut short) or that repeat on every request (the log cannot write). */
    private final LogBudget unreadableLines;
    private final LogBudget unavailableLines;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean accepting = true;

    public WebhookIngest(WebhookVerifier verifier, EventLog eventLog, long maxBodyBytes, Clock clock,
            MeterRegistry registry) {
        this.verifier = verifier;
        this.eventLog = eventLog;
        this.maxBodyBytes = maxBodyBytes;
        this.clock = clock;
        this.metrics = new IngestMetrics(registry);
        this.rejectionLines = new LogBudget(20, Duration.ofMinutes(1), clock);
        this.unreadableLines = new LogBudget(20, Duration.ofMinutes(1), clock);
        this.unavailableLines = new LogBudget(20, Duration.ofMinutes(1), clock);
    }

    @Override
    public void handle(ServerRequest request, ServerResponse response) {
        long start = System.nanoTime();
        inFlight.incrementAndGet();
        try {
            Answer answer = accepting ? receive(request) : Answer.unavailable("shutting_down");
            metrics.answered(answer.status().code(), answer.outcome(), answer.reason(), start);
            response.status(answer.status());
            if (answer.status() == Status.SERVICE_UNAVAILABLE_503) {
                response.header(HeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
            }
            response.send(answer.outcome() + (answer.reason().equals(NO_REASON) ? "" : " " + answer.reason()) + "\n");
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private Answer receive(ServerRequest request) {
        if (!acceptedContentType(request.headers().first(HeaderNames.CONTENT_TYPE).orElse(""))) {
            return new Answer(Status.UNSUPPORTED_MEDIA_TYPE_415, "rejected", "unsupported_media_type");
        }
        if (request.headers().contentLength().orElse(0) > maxBodyBytes) {
            return new Answer(Status.REQUEST_ENTITY_TOO_LARGE_413, "rejected", "body_too_large");
        }
        byte[] body;
        try (InputStream in = request.content().inputStream()) {
            body = in.readNBytes((int) maxBodyBytes + 1);
        } catch (IOException | RuntimeException e) {
            long left = unreadableLines.take();
            if (left >= 0) {
                log.atInfo().setMessage("webhook body could not be read: {}{}").addArgument(e.getMessage())
                        .addArgument(LogBudget.leftOut(left))
                        .addKeyValue("outcome", "rejected").addKeyValue("reason", "body_unreadable")
                        .addKeyValue("status", 400).log();
            }
            return new Answer(Status.BAD_REQUEST_400, "rejected", "body_unreadable");
        }
        if (body.length > maxBodyBytes) {
            return new Answer(Status.REQUEST_ENTITY_TOO_LARGE_413, "rejected", "body_too_large");
        }
        metrics.body(body.length);
        Instant receivedAt = clock.instant();

        Verification verification = verifier.verify(request.headers().first(HeaderNames.AUTHORIZATION).orElse(null), body);
        if (verification instanceof Verification.Rejected rejected) {
            long left = log.isInfoEnabled() ? rejectionLines.take() : -1;
            if (left >= 0) {
                // The id and queue key are what the unverified body claims: useful to find the event in
                // LiveKit's logs, not trusted for anything. Never the token itself.
                LoggingEventBuilder line = log.atInfo()
                        .setMessage(left == 0 ? "webhook rejected: {} ({})"
                                : "webhook rejected: {} ({}); " + left + " earlier rejections were not logged")
                        .addArgument(rejected.reason().label()).addArgument(rejected.detail());
                EventHeader claimed = claimedHeader(body);
                if (claimed != null) {
                    line = withEvent(line, claimed, "rejected", rejected.reason().label(), 401);
                } else {
                    line = line.addKeyValue("outcome", "rejected").addKeyValue("reason", rejected.reason().label())
                            .addKeyValue("status", 401);
                }
                line.log();
            }
            return new Answer(Status.UNAUTHORIZED_401, "rejected", rejected.reason().label());
        }
        String keyId = ((Verification.Verified) verification).keyId();

        EventHeader header;
        try {
            header = EventHeader.read(body);
        } catch (EventHeader.Unreadable unreadable) {
            return quarantine(body, receivedAt, keyId, unreadable);
        }
        try {
            Appended appended = eventLog.append(new IncomingEvent(header.eventId(), header.eventType(),
                    header.queueKey(), body, receivedAt, keyId, Origin.LIVEKIT));
            if (appended.duplicate()) {
                withEvent(log.atDebug(), header, "duplicate", NO_REASON, 200)
                        .setMessage("duplicate event {} {} room/key={}")
                        .addArgument(header.eventId()).addArgument(header.eventType()).addArgument(header.queueKey())
                        .log();
                return new Answer(Status.OK_200, "duplicate", NO_REASON);
            }
            withEvent(log.atDebug(), header, "appended", NO_REASON, 200)
                    .addKeyValue("partition", appended.partition()).addKeyValue("offset", appended.offset())
                    .setMessage("appended event {} {} room/key={} at {}")
                    .addArgument(header.eventId()).addArgument(header.eventType()).addArgument(header.queueKey())
                    .addArgument(appended.offset())
                    .log();
            return new Answer(Status.OK_200, "appended", NO_REASON);
        } catch (LogUnavailableException e) {
            long left = unavailableLines.take();
            if (left >= 0) {
                withEvent(log.atWarn(), header, "unavailable", "log_unavailable", 503)
                        .setMessage("event {} not appended, answering 503: {}{}")
                        .addArgument(header.eventId()).addArgument(e.getMessage()).addArgument(LogBudget.leftOut(left))
                        .log();
            }
            return Answer.unavailable("log_unavailable");
        }
    }

    private Answer quarantine(byte[] body, Instant receivedAt, String keyId, EventHeader.Unreadable unreadable) {
        try {
            eventLog.quarantine(body, receivedAt, keyId, unreadable.getMessage());
            log.atWarn().setMessage("signed body from key {} quarantined: {}")
                    .addArgument(keyId).addArgument(unreadable.getMessage())
                    .addKeyValue("outcome", "quarantined").addKeyValue("reason", unreadable.code())
                    .addKeyValue("status", 202).addKeyValue("key_id", keyId)
                    .log();
            return new Answer(Status.ACCEPTED_202, "quarantined", unreadable.code());
        } catch (LogUnavailableException e) {
            long left = unavailableLines.take();
            if (left >= 0) {
                log.atWarn().setMessage("quarantine not written, answering 503: {}{}").addArgument(e.getMessage())
                        .addArgument(LogBudget.leftOut(left))
                        .addKeyValue("outcome", "unavailable").addKeyValue("reason", "log_unavailable")
                        .addKeyValue("status", 503).addKeyValue("key_id", keyId)
                        .log();
            }
            return Answer.unavailable("log_unavailable");
        }
    }

    /** The fields every log line about a readable event carries, for JSON logs. */
    private static LoggingEventBuilder withEvent(LoggingEventBuilder line, EventHeader header, String outcome,
            String reason, int status) {
        return line.addKeyValue("event_id", header.eventId())
                .addKeyValue("event_type", header.eventType())
                .addKeyValue("queue_key", header.queueKey())
                .addKeyValue("outcome", outcome)
                .addKeyValue("reason", reason)
                .addKeyValue("status", status);
    }

    /** What a body that failed verification says about itself, cut short; null if it says nothing readable. */
    private static EventHeader claimedHeader(byte[] body) {
        try {
            EventHeader header = EventHeader.read(body);
            return new EventHeader(clip(header.eventId()), clip(header.eventType()), clip(header.queueKey()));
        } catch (EventHeader.Unreadable | RuntimeException e) {
            return null;
        }
    }

    private static String clip(String value) {
        return value.length() > CLAIMED_FIELD_CHARS ? value.substring(0, CLAIMED_FIELD_CHARS) + "..." : value;
    }

    static boolean acceptedContentType(String header) {
        int semicolon = header.indexOf(';');
        String type = (semicolon < 0 ? header : header.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
        return type.equals("application/webhook+json") || type.equals("application/json");
    }

    /** New requests get 503 from now on; requests already inside finish normally. */
    public void stopAccepting() {
        accepting = false;
    }

    /** Waits up to {@code grace} for requests already inside to be answered; true if none is left. */
    public boolean awaitIdle(Duration grace) throws InterruptedException {
        long deadline = System.nanoTime() + grace.toNanos();
        while (inFlight.get() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    private record Answer(Status status, String outcome, String reason) {
        static Answer unavailable(String reason) {
            return new Answer(Status.SERVICE_UNAVAILABLE_503, "unavailable", reason);
        }
    }
}
