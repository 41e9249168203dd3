package io.livehook.ingest;

import io.helidon.common.socket.SocketOptions;
import io.helidon.http.Headers;
import io.helidon.http.Status;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Closes connections that take too long: a connection must send a request's whole headers within
 * {@code headerTimeout} of being accepted or of its last answer (a header-read and keep-alive idle
 * timeout), and a request must be answered within {@code requestTimeout} of its headers. A read timeout
 * alone cannot do this: a peer that sends a byte a second never lets a read time out, and a few thousand
 * such peers would hold every connection the listener takes. Helidon tells this class when it accepts a
 * socket (through the socket options it configures every accepted socket with) and when headers and answers
 * pass (through HTTP/1 connection listeners); connections are known by their peer's address.
 */
final class ConnectionDeadlines implements AutoCloseable {
    private static final Duration SWEEP_EVERY = Duration.ofMillis(250);

    private final Duration headerTimeout;
    private final long headerNanos;
    private final long requestNanos;
    private final SocketOptions socketOptions;
    private final Map<SocketAddress, Tracked> open = new ConcurrentHashMap<>();
    private final Counter timedOut;
    private final Thread sweeper;
    private volatile boolean closed;

    private static final class Tracked {
        final SocketChannel channel;
        volatile long deadline;

        Tracked(SocketChannel channel, long deadline) {
            this.channel = channel;
            this.deadline = deadline;
        }
    }

    ConnectionDeadlines(Duration headerTimeout, Duration requestTimeout, MeterRegistry registry) {
        this.headerTimeout = headerTimeout;
        this.headerNanos = headerTimeout.toNanos();
        this.requestNanos = requestTimeout.toNanos();
        this.socketOptions = new Accepting(SocketOptions.builder().readTimeout(headerTimeout).build());
        this.timedOut = Counter.builder("livehook.server.connections.timed.out")
                .description("Connections closed because headers or an answer took too long (slow or stalled peers)")
                .register(registry);
        Gauge.builder("livehook.server.connections", open, Map::size)
                .description("TCP connections open on the listener (closed ones leave within a second)")
                .register(registry);
        this.sweeper = Thread.ofPlatform().name("connection-deadlines").daemon(true).start(this::sweep);
    }

    Duration headerTimeout() {
        return headerTimeout;
    }

    /** The options Helidon configures each accepted connection with; they start its header deadline. */
    SocketOptions socketOptions() {
        return socketOptions;
    }

    /** Headers read: the request now has until its answer. */
    Http1ConnectionListener received() {
        return new Http1ConnectionListener() {
            @Override
            public void headers(ConnectionContext ctx, Headers headers) {
                extend(ctx, requestNanos);
            }
        };
    }

    /** Answered: the next request's headers are due within the header timeout. */
    Http1ConnectionListener sent() {
        return new Http1ConnectionListener() {
            @Override
            public void status(ConnectionContext ctx, Status status) {
                extend(ctx, headerNanos);
            }
        };
    }

    void streaming(SocketAddress peer) {
        Tracked tracked = open.get(peer);
        if (tracked != null) {
            tracked.deadline = System.nanoTime() + headerNanos;
        }
    }

    private void extend(ConnectionContext ctx, long nanos) {
        Tracked tracked = open.get(ctx.remotePeer().address());
        if (tracked != null) {
            tracked.deadline = System.nanoTime() + nanos;
        }
    }

    /**
     * Ends the peer's connection after the answer just written: the server's side is shut, so the peer reads
     * the answer and then the end (Helidon keeps a connection open whatever its answer's {@code Connection}
     * header says), and nothing it still sends can turn into a reset before it has read the answer.
     */
    void endAfterAnswer(SocketAddress peer) {
        Tracked tracked = open.get(peer);
        if (tracked != null) {
            try {
                tracked.channel.shutdownOutput();
            } catch (IOException | RuntimeException closedAlready) {
                // Gone already: nothing to end.
            }
        }
    }

    private void accepted(SocketChannel channel) {
        try {
            open.put(channel.getRemoteAddress(), new Tracked(channel, System.nanoTime() + headerNanos));
        } catch (IOException closedAlready) {
            // Nothing to watch.
        }
    }

    private void sweep() {
        while (!closed) {
            try {
                Thread.sleep(SWEEP_EVERY);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            open.entrySet().removeIf(entry -> {
                Tracked tracked = entry.getValue();
                if (!tracked.channel.isOpen()) {
                    return true;
                }
                if (now - tracked.deadline < 0) {
                    return false;
                }
                try {
                    tracked.channel.close();
                } catch (IOException | RuntimeException e) {
                    // Closed or closing: either way it is no longer ours to watch.
                }
                timedOut.increment();
                return true;
            });
        }
    }

    @Override
    public void close() {
        closed = true;
        sweeper.interrupt();
    }

    /** Helidon's socket options, which also start each accepted connection's deadline. */
    private final class Accepting implements SocketOptions {
        private final SocketOptions options;

        Accepting(SocketOptions options) {
            this.options = options;
        }

        @Override
        public void configureSocket(SocketChannel channel) {
            options.configureSocket(channel);
            accepted(channel);
        }

        @Override
        public void configureSocket(Socket socket) {
            options.configureSocket(socket);
            if (socket.getChannel() != null) {
                accepted(socket.getChannel());
            }
        }

        @Override
        public Map<SocketOption<?>, Object> socketOptions() {
            return options.socketOptions();
        }

        @Override
        public Duration connectTimeout() {
            return options.connectTimeout();
        }

        @Override
        public Duration readTimeout() {
            return options.readTimeout();
        }

        @Override
        public Optional<Integer> socketReceiveBufferSize() {
            return options.socketReceiveBufferSize();
        }

        @Override
        public Optional<Integer> socketSendBufferSize() {
            return options.socketSendBufferSize();
        }

        @Override
        public boolean socketReuseAddress() {
            return options.socketReuseAddress();
        }

        @Override
        public boolean socketKeepAlive() {
            return options.socketKeepAlive();
        }

        @Override
        public boolean tcpNoDelay() {
            return options.tcpNoDelay();
        }
    }
}
