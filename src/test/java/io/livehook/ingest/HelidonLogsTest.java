package io.livehook.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.livehook.metrics.LogBudget;
import java.time.Clock;
import java.time.Duration;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** What Helidon logs about single connections reaches livehook's log at DEBUG, and a few summaries at INFO. */
class HelidonLogsTest {
    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private Logger root;

    @BeforeEach
    void capture() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        captured.setContext(context);
        captured.start();
        root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(captured);
    }

    @AfterEach
    void release() {
        root.detachAppender(captured);
        captured.stop();
    }

    /** What Helidon logs for a connection dropped half-way through its headers. */
    private static LogRecord droppedConnection() {
        LogRecord record = new LogRecord(java.util.logging.Level.WARNING, "Internal server error");
        record.setLoggerName("io.helidon.webserver.http1.Http1Connection");
        record.setThrown(new RuntimeException("Internal error", new IllegalStateException("insufficient data")));
        return record;
    }

    @Test
    void aFloodOfDroppedConnectionsWritesAFewOneLineSummariesAndNoStackTraceAboveDebug() {
        HelidonLogs handler = new HelidonLogs(new LogBudget(5, Duration.ofMinutes(1), Clock.systemUTC()));
        for (int i = 0; i < 2_000; i++) {
            handler.publish(droppedConnection());
        }
        var aboveDebug = captured.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.INFO)).toList();
        assertThat(aboveDebug).hasSize(5).allSatisfy(line -> {
            assertThat(line.getThrowableProxy()).isNull();
            assertThat(line.getLoggerName()).isEqualTo(HelidonLogs.CONNECTIONS);
            assertThat(line.getFormattedMessage()).isEqualTo("a connection ended with an error: Internal server error: "
                    + "RuntimeException Internal error <- IllegalStateException insufficient data");
        });
    }

    @Test
    void helidonsOwnErrorsAndPlainWarningsPassThrough() {
        HelidonLogs handler = new HelidonLogs(new LogBudget(5, Duration.ofMinutes(1), Clock.systemUTC()));
        LogRecord listenerDied = new LogRecord(java.util.logging.Level.SEVERE,
                "Got a socket exception while listening, this server socket is terminating now");
        listenerDied.setLoggerName("io.helidon.webserver.ServerListener");
        listenerDied.setThrown(new java.net.SocketException("Too many open files"));
        handler.publish(listenerDied);
        LogRecord warning = new LogRecord(java.util.logging.Level.WARNING, "a configuration warning");
        warning.setLoggerName("io.helidon.webserver.LoomServer");
        handler.publish(warning);

        assertThat(captured.list).extracting(ILoggingEvent::getLoggerName)
                .containsExactly("io.helidon.webserver.ServerListener", "io.helidon.webserver.LoomServer");
        assertThat(captured.list.get(0).getLevel()).isEqualTo(Level.ERROR);
        assertThat(captured.list.get(0).getThrowableProxy()).isNotNull();
    }
}
