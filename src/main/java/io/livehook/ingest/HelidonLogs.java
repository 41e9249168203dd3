package io.livehook.ingest;

import io.livehook.metrics.LogBudget;
import java.time.Clock;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Routes Helidon's java.util.logging records to SLF4J, except the exceptions of single connections: any
 * peer can cause those (a connection dropped half-way through its headers is a 16-line stack trace at
 * WARNING), so they go to DEBUG with their stack trace, and at most a few one-line summaries a minute go to
 * INFO. Helidon's errors (its listener failing, say) pass through as they are.
 */
public final class HelidonLogs extends SLF4JBridgeHandler {
    static final String CONNECTIONS = "io.livehook.ingest.Connections";
    private static final Logger connections = LoggerFactory.getLogger(CONNECTIONS);

    private final LogBudget summaries;

    HelidonLogs(LogBudget summaries) {
        this.summaries = summaries;
    }

    /** Replaces java.util.logging's root handlers with this one; call once, first thing in main. */
    public static void install() {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        LogManager.getLogManager().getLogger("").addHandler(
                new HelidonLogs(new LogBudget(5, Duration.ofMinutes(1), Clock.systemUTC())));
    }

    @Override
    public void publish(LogRecord record) {
        if (record == null || !fromOneConnection(record)) {
            super.publish(record);
            return;
        }
        Throwable thrown = record.getThrown();
        String summary = record.getMessage() + ": " + describe(thrown) + causes(thrown);
        connections.debug("{} (from {})", summary, record.getLoggerName(), thrown);
        long left = summaries.take();
        if (left >= 0) {
            connections.info("a connection ended with an error: {}{}", summary, LogBudget.leftOut(left));
        }
    }

    /** What Helidon logs below SEVERE with an exception attached is about one connection. */
    static boolean fromOneConnection(LogRecord record) {
        return record.getThrown() != null && record.getLevel().intValue() < Level.SEVERE.intValue()
                && record.getLoggerName() != null && record.getLoggerName().startsWith("io.helidon.webserver");
    }

    private static String describe(Throwable t) {
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : " " + t.getMessage());
    }

    private static String causes(Throwable t) {
        StringBuilder because = new StringBuilder();
        for (Throwable cause = t.getCause(); cause != null && cause != t; t = cause, cause = cause.getCause()) {
            because.append(" <- ").append(describe(cause));
        }
        return because.toString();
    }
}
