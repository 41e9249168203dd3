package io.livehook.ingest;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http1.Http1Config;
import io.livehook.config.LivehookConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * livehook's HTTP listener: Helidon's web server with a connection limit below the open-file limit, deadlines
 * for slow peers ({@link ConnectionDeadlines}), a drain for stopping, and a watch that binds the port again
 * if the server socket stops accepting (Helidon ends its accept loop on an error such as running out of file
 * descriptors, and the process would run on deaf). If it cannot bind again, {@link #lost()} completes: the
 * process should exit non-zero so that its supervisor restarts it.
 */
public final class Listener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Listener.class);
    /** A request must be answered within this of its headers: its body and its handling together. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration WATCH_EVERY = Duration.ofSeconds(1);
    private static final Duration REBIND_FOR = Duration.ofSeconds(30);

    private final String host;
    private final int configuredMaxConnections;
    private final Consumer<HttpRouting.Builder> routes;
    private final MeterRegistry registry;
    private final ConnectionDeadlines deadlines;
    private final CompletableFuture<String> lost = new CompletableFuture<>();
    private ConnectionLimit limit;
    private volatile WebServer server;
    private volatile int port;
    private volatile boolean draining;
    private volatile boolean stopping;
    private Thread watch;

    public Listener(LivehookConfig.Server settings, Consumer<HttpRouting.Builder> routes, MeterRegistry registry) {
        this.host = settings.host();
        this.port = settings.port();
        this.configuredMaxConnections = settings.maxConnections();
        this.routes = routes;
        this.registry = registry;
        this.deadlines = new ConnectionDeadlines(settings.readTimeout(),
                REQUEST_TIMEOUT.compareTo(settings.readTimeout()) > 0 ? REQUEST_TIMEOUT : settings.readTimeout(),
                registry);
    }

    /**
     * Binds and starts accepting; throws if the port cannot be bound or the open-file limit leaves too little
     * room. Called once the rest of the process has opened its files, which the limit leaves room for.
     */
    public void start() {
        limit = ConnectionLimit.of(configuredMaxConnections, OpenFiles.limit(), OpenFiles.inUse());
        Gauge.builder("livehook.server.connections.max", limit, ConnectionLimit::connections)
                .description("Connections the listener takes at once; more wait in the kernel's backlog")
                .register(registry);
        server = newServer(port).start();
        if (!server.isRunning() || server.port() <= 0) {
            // Helidon logs a bind failure and returns; without this the process would run deaf.
            server.stop();
            deadlines.close();
            throw new IllegalStateException("cannot listen on " + host + ":" + port + " (is the port in use?)");
        }
        port = server.port();
        log.info("listening on {}:{}: at most {} connections ({}), request headers due within {} s",
                host, port, limit.connections(), limit.basis(), deadlines.headerTimeout().toSeconds());
        watch = Thread.ofPlatform().name("listener-watch").daemon(true).start(this::watch);
    }

    private WebServer newServer(int bindPort) {
        return WebServer.builder()
                .host(host)
                .port(bindPort)
                .shutdownHook(false)
                .maxTcpConnections(limit.connections())
                .connectionOptions(deadlines.socketOptions())
                .addProtocol(Http1Config.builder()
                        .addReceiveListener(deadlines.received())
                        .addSendListener(deadlines.sent())
                        .build())
                .routing(routing -> {
                    routing.addFilter(this::closeWhileDraining);
                    routes.accept(routing);
                })
                .build();
    }

    private void closeWhileDraining(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        boolean closing = draining;
        if (closing) {
            res.header(HeaderNames.CONNECTION, "close");
        }
        chain.proceed();
        if (closing) {
            deadlines.endAfterAnswer(req.remotePeer().address());
        }
    }

    public int port() {
        return port;
    }

    /**
     * The peer's answer is a stream still being written (Server-Sent Events): its connection is not idle, so its
     * deadline moves on by the read timeout. A client gone away is noticed when the stream next writes.
     */
    public void streaming(SocketAddress peer) {
        deadlines.streaming(peer);
    }

    /** Completes with what happened when the listener stopped accepting and could not be bound again. */
    public CompletableFuture<String> lost() {
        return lost;
    }

    /**
     * From now on every answer closes its connection; waits {@code period} so that requests already on their
     * way over kept-alive connections get their answer (503 from ingest) rather than a reset.
     */
    public void drain(Duration period) throws InterruptedException {
        draining = true;
        if (server != null) {
            Thread.sleep(period);
        }
    }

    private void watch() {
        while (!stopping) {
            try {
                Thread.sleep(WATCH_EVERY);
                if (!stopping && !listening()) {
                    rebind();
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Whether something listens on the port: binding it ourselves fails if so. Any other failure (no file
     * descriptor for the test itself, say) counts as listening, and is looked at again a second later.
     */
    private boolean listening() {
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            probe.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            probe.bind(new InetSocketAddress(host, port), 1);
            return false;
        } catch (BindException inUse) {
            return true;
        } catch (IOException | RuntimeException unknown) {
            return true;
        }
    }

    private void rebind() throws InterruptedException {
        log.error("the listener on {}:{} stopped accepting connections; binding it again", host, port);
        WebServer dead = server;
        dead.stop();
        long deadline = System.nanoTime() + REBIND_FOR.toNanos();
        String failure = "";
        while (!stopping && System.nanoTime() < deadline) {
            try {
                WebServer fresh = newServer(port).start();
                if (fresh.isRunning() && fresh.port() == port) {
                    server = fresh;
                    log.warn("listening on {}:{} again", host, port);
                    return;
                }
                fresh.stop();
                failure = "the port could not be bound";
            } catch (RuntimeException e) {
                failure = e.getMessage();
            }
            Thread.sleep(WATCH_EVERY);
        }
        if (!stopping) {
            String message = "the listener on " + host + ":" + port + " stopped accepting connections and could not be "
                    + "bound again for " + REBIND_FOR.toSeconds() + " s (" + failure + ")";
            log.error("{}: stopping, so that a supervisor can start livehook again", message);
            stopping = true;
            lost.complete(message);
        }
    }

    /** Stops accepting and closes the connections (after {@link #drain}, their answers said so). */
    @Override
    public void close() {
        stopping = true;
        if (watch != null) {
            watch.interrupt();
        }
        WebServer current = server;
        if (current != null) {
            current.stop();
        }
        deadlines.close();
    }

    /** For tests that stop the server under the listener, as Helidon does when its accept loop fails. */
    WebServer server() {
        return server;
    }
}
