package io.livehook.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import io.livehook.retry.BackgroundLoop;
import io.livehook.state.StateChange;
import io.livehook.state.StateQueries;
import io.livehook.state.StateStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state changes processing records (table state_changes, written in the transaction that makes them) as
 * Server-Sent Events, in id order: each event's {@code id} is the change's, so a client that reconnects with
 * {@code Last-Event-ID} resumes right after the last change it got. Changes are kept for {@code retention} and
 * at most {@code maxChanges} of them; a client resuming from before that is told with a {@code truncated} event.
 *
 * <p>Ids are given when a change is written, but transactions of different lanes may commit out of order on
 * PostgreSQL: a change is sent only once every smaller id is there, or after {@link #GAP_WAIT} (a transaction
 * rolled back leaves its ids unused for good).
 */
public final class ChangeStream implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChangeStream.class);
    static final Duration GAP_WAIT = Duration.ofSeconds(2);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration HEARTBEAT = Duration.ofSeconds(10);
    private static final Duration PRUNE_EVERY = Duration.ofMinutes(1);
    private static final int BATCH = 500;

    /** Tells the listener that a connection is busy streaming, not idle. */
    @FunctionalInterface
    public interface Streaming {
        void stillStreaming(SocketAddress peer);
    }

    private final StateStore store;
    private final Streaming streaming;
    private final StateQueries queries;
    private final Clock clock;
    private final Duration retention;
    private final long maxChanges;
    private volatile boolean running = true;
    private final BackgroundLoop pruning = new BackgroundLoop("stream-prune", Duration.ofSeconds(5));

    public ChangeStream(StateStore store, Clock clock, Duration retention, long maxChanges, Streaming streaming) {
        this.store = store;
        this.streaming = streaming;
        this.queries = new StateQueries(store, clock);
        this.clock = clock;
        this.retention = retention;
        this.maxChanges = maxChanges;
    }

    /** Starts pruning old changes, once a minute. */
    public void start() {
        pruning.start(() -> {
            while (pruning.running()) {
                prune();
                try {
                    Thread.sleep(PRUNE_EVERY);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** Drops changes older than the retention, and all but the newest {@code maxChanges}; returns how many. */
    public int prune() {
        try {
            return store.inTransaction(tx -> tx.pruneStateChanges(clock.millis() - retention.toMillis(), maxChanges));
        } catch (SQLException | RuntimeException e) {
            log.warn("pruning the state changes failed, trying again later: {}", e.toString());
            return 0;
        }
    }

    /** Streams to one client until it goes away or livehook stops; from the newest change if {@code after} is empty. */
    void serve(SocketAddress peer, ServerResponse res, Optional<String> room, Optional<Long> after) {
        long[] bounds = queries.changeBounds();
        long last = after.orElse(bounds[1]);
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        try (OutputStream out = res.outputStream()) {
            if (after.isPresent() && bounds[0] > 0 && last < bounds[0] - 1) {
                send(out, "event: truncated\ndata: {\"first_id\":" + bounds[0] + "}\n\n");
            }
            send(out, ": livehook state changes after " + last + "\n\n");
            long gapSince = 0;
            long quietSince = System.nanoTime();
            while (running) {
                streaming.stillStreaming(peer);
                List<StateChange> changes = queries.changesAfter(last, BATCH);
                boolean waiting = false;
                StringBuilder frames = new StringBuilder();
                for (StateChange c : changes) {
                    if (c.id() != last + 1) {
                        long now = System.nanoTime();
                        gapSince = gapSince == 0 ? now : gapSince;
                        if (now - gapSince < GAP_WAIT.toNanos()) {
                            waiting = true; // a smaller id may still be committing
                            break;
                        }
                    }
                    gapSince = 0;
                    last = c.id();
                    if (room.isEmpty() || room.get().equals(c.roomName()) || room.get().equals(c.roomSid())) {
                        frames.append(frame(c));
                    }
                }
                if (!frames.isEmpty()) {
                    send(out, frames.toString());
                    quietSince = System.nanoTime();
                } else if (System.nanoTime() - quietSince > HEARTBEAT.toNanos()) {
                    send(out, ": keep-alive\n\n"); // also how a client gone away is noticed
                    quietSince = System.nanoTime();
                }
                if (waiting || changes.size() < BATCH) {
                    Thread.sleep(POLL);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // the client went away; it resumes with Last-Event-ID
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String frame(StateChange c) {
        try {
            return "id: " + c.id() + "\nevent: " + c.kind() + "\ndata: " + ApiJson.MAPPER.writeValueAsString(
                    ApiJson.stateChange(c)) + "\n\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a state change always writes as JSON", e);
        }
    }

    private static void send(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Ends every stream (each within a poll) and the pruning. */
    @Override
    public void close() {
        running = false;
        pruning.close();
    }
}
