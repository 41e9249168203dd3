package io.livehook;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.livehook.api.AccessFilter;
import io.livehook.api.ApiAuth;
import io.livehook.api.ApiErrors;
import io.livehook.api.ApiRoutes;
import io.livehook.api.ChangeStream;
import io.livehook.api.DeliveriesApi;
import io.livehook.api.OpenApiDescription;
import io.livehook.api.PresenceApi;
import io.livehook.api.ProgressApi;
import io.livehook.api.QueryApi;
import io.livehook.api.ReconcileApi;
import io.livehook.cluster.Leases;
import io.livehook.config.LivehookConfig;
import io.livehook.config.Role;
import io.livehook.dashboard.Dashboard;
import io.livehook.deliver.DeliveryService;
import io.livehook.ingest.Listener;
import io.livehook.ingest.WebhookIngest;
import io.livehook.livekit.RoomServiceClient;
import io.livehook.livekit.Twirp;
import io.livehook.livekit.WebhookVerifier;
import io.livehook.log.DataDirLock;
import io.livehook.log.EmbeddedLog;
import io.livehook.log.EventLog;
import io.livehook.log.KafkaEventLog;
import io.livehook.log.WritableGauge;
import io.livehook.metrics.Metrics;
import io.livehook.metrics.MetricsHistory;
import io.livehook.process.Processor;
import io.livehook.reconcile.Reconciler;
import io.livehook.reconcile.SilentRooms;
import io.livehook.state.StateQueries;
import io.livehook.state.StateStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One livehook process, wired in the order an event travels: LiveKit's request is verified and appended
 * to the event log by ingest; the processor reads the log into state; everything else reads state.
 */
public final class Livehook implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Livehook.class);
    private static final int PROCESS_LANES = 4;
    /**
     * The job name of the lease that makes one livehook of a cluster the reconciler (or, without LiveKit's API,
     * the one that ends silent rooms).
     */
    static final String RECONCILE_LOCK = "reconcile";
    /** The job name of the lease that makes one livehook of a cluster the deliverer. */
    static final String DELIVER_LOCK = "deliver";

    private final LivehookConfig config;
    private final String member = Leases.newMemberId();
    private final DataDirLock lock;
    private final PrometheusMeterRegistry registry;
    private final EventLog eventLog;
    private final WebhookIngest ingest;
    private final StateStore state;
    private final DeliveryService deliveries;
    private final Processor processor;
    private final Optional<Reconciler> reconciler;
    private final Optional<SilentRooms> silentRooms;
    private final ChangeStream changes;
    private final AccessFilter access;
    private final ApiRoutes api;
    private final MetricsHistory history;
    private final Dashboard dashboard;
    private final Listener listener;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean ready;

    private Livehook(LivehookConfig config, Clock clock) {
        this.config = config;
        requireSharedForRoles(config);
        this.lock = DataDirLock.acquire(config.storage().dataDir(), "starting another");
        this.registry = Metrics.prometheus();
        this.eventLog = orClose(() -> openEventLog(config), lock);
        WritableGauge.register(registry, eventLog);
        var verifier = new WebhookVerifier(config.livekit().keys(), config.livekit().leeway(), clock);
        this.ingest = new WebhookIngest(verifier, eventLog, config.server().maxBodyBytes(), clock, registry);
        this.state = orClose(() -> StateStore.open(config.storage().state()), eventLog, lock);
        this.deliveries = new DeliveryService(config.destinations(), state, eventLog, clock, registry);
        this.processor = orClose(() -> new Processor(eventLog, state, PROCESS_LANES, clock, registry,
                deliveries.outbox(), config.process().nice(), member), state, eventLog, lock);
        this.reconciler = reconciler(config, clock);
        // Without LiveKit to ask, silence is the only sign that a room whose room_finished was lost has ended.
        this.silentRooms = reconciler.isPresent() ? Optional.empty()
                : Optional.of(new SilentRooms(eventLog, state, clock, config.reconcile().silenceMargin()));
        this.access = new AccessFilter(new ApiAuth(config.api().token(), config.dev(), clock));
        var queries = new StateQueries(state, clock);
        this.changes = new ChangeStream(state, clock, config.api().streamRetention(), config.api().streamMaxChanges(),
                this::streaming);
        this.api = new ApiRoutes(new QueryApi(queries, eventLog, processor), new PresenceApi(queries, changes),
                new DeliveriesApi(deliveries, clock),
                new ReconcileApi(reconciler), new ProgressApi(eventLog, processor, registry), new OpenApiDescription());
        this.history = new MetricsHistory(registry, clock);
        this.dashboard = new Dashboard(queries, deliveries, eventLog, access, history, clock);
        this.listener = new Listener(config.server(), this::routes, registry);
    }

    /**
     * Opens the next part; if it cannot be opened, closes the parts opened before it (newest first) so that a
     * failed start holds nothing, and says why in an {@link IllegalStateException}, which {@code serve} prints.
     */
    private static <T> T orClose(Supplier<T> part, AutoCloseable... opened) {
        try {
            return part.get();
        } catch (RuntimeException e) {
            for (AutoCloseable resource : opened) {
                try {
                    resource.close();
                } catch (Exception closeFailure) {
                    e.addSuppressed(closeFailure);
                }
            }
            throw e instanceof IllegalStateException ? e : new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * A process that runs only some roles works with others on the same log and state: that takes the log on
     * Kafka and the state in PostgreSQL. The file log and a SQLite state belong to the one process holding the
     * data directory, which then runs every role.
     */
    static void requireSharedForRoles(LivehookConfig config) {
        if (config.roles().equals(Role.ALL)) {
            return;
        }
        List<String> missing = new ArrayList<>();
        if (config.kafka().isEmpty()) {
            missing.add("the event log on Kafka (LIVEHOOK_KAFKA_BOOTSTRAP_SERVERS)");
        }
        if (!config.storage().state().shared()) {
            missing.add("the state in PostgreSQL (LIVEHOOK_STATE_URL)");
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("roles " + Role.describe(config.roles()) + " leave the other roles to "
                    + "other livehooks, which needs " + String.join(" and ", missing) + "; with the data directory's "
                    + "own log and state, one livehook runs every role (leave roles unset)");
        }
    }

    /** Corrections go into the log like webhooks; on only with LiveKit's address and not switched off. */
    private Optional<Reconciler> reconciler(LivehookConfig config, Clock clock) {
        var settings = config.reconcile();
        if (config.livekit().url().isEmpty() || !settings.enabled()) {
            return Optional.empty();
        }
        var key = config.livekit().keys().primary().orElseThrow();
        var service = new RoomServiceClient(config.livekit().url().get(), key.getKey(), key.getValue(),
                Twirp.Encoding.JSON, Duration.ofSeconds(10), clock);
        return Optional.of(new Reconciler(service, eventLog, state, clock, Reconciler.Settings.of(settings), registry));
    }

    /** A stream's connection is busy, not idle: the listener built last keeps it open. */
    private void streaming(SocketAddress peer) {
        listener.streaming(peer);
    }

    /** The Kafka topic when Kafka is configured, the data directory's file otherwise. */
    public static EventLog openEventLog(LivehookConfig config) {
        Path dataDir = config.storage().dataDir();
        if (config.kafka().isEmpty()) {
            return EmbeddedLog.open(dataDir);
        }
        if (Files.exists(dataDir.resolve(EmbeddedLog.FILE))) {
            // Its state records how far each partition of that log was applied, which means nothing in Kafka.
            throw new IllegalStateException("the data directory " + dataDir.toAbsolutePath() + " holds state "
                    + "made from its own event log (" + EmbeddedLog.FILE + "); with Kafka configured, point "
                    + "LIVEHOOK_DATA_DIR (storage.data_dir) at a new directory");
        }
        return KafkaEventLog.open(config.kafka().get(), config.server().maxBodyBytes());
    }

    public static Livehook start(LivehookConfig config, Clock clock) {
        requirePortFree(config.server());
        Livehook livehook = new Livehook(config, clock);
        var roles = config.roles();
        if (roles.contains(Role.DELIVER)) {
            livehook.deliveries.start(new Leases(livehook.state, DELIVER_LOCK, 1, livehook.member, clock));
        }
        if (roles.contains(Role.PROCESS)) {
            livehook.processor.start();
        }
        if (roles.contains(Role.RECONCILE)) {
            livehook.reconciler.ifPresent(r -> r.start(new Leases(livehook.state, RECONCILE_LOCK, 1, livehook.member,
                    clock)));
            livehook.silentRooms.ifPresent(s -> s.start(new Leases(livehook.state, RECONCILE_LOCK, 1, livehook.member,
                    clock)));
        }
        livehook.changes.start();
        try {
            livehook.listener.start();
        } catch (IllegalStateException e) {
            livehook.close();
            throw e;
        }
        livehook.history.start();
        livehook.ready = true;
        if (config.dev()) {
            log.warn("DEV MODE: accepting webhooks signed with LiveKit's public dev key pair (devkey/secret){}. "
                    + "Never run --dev where real LiveKit traffic arrives.",
                    config.api().token().isPresent() ? "" : " and serving the API and dashboard without a token");
        } else if (config.api().token().isEmpty()) {
            log.warn("No API token configured: the query API under /api answers 401 and the dashboard cannot be "
                    + "logged into until LIVEHOOK_API_TOKEN is set.");
        }
        var build = BuildInfo.current();
        log.info("livehook {} (commit {}) listening on {}:{}, webhooks at {}, dashboard at {}, accepting keys {}, "
                + "data in {}", build.version(), build.commit(), config.server().host(), livehook.port(),
                config.server().webhookPath(), Dashboard.BASE, config.livekit().keys().keyIds(),
                config.storage().dataDir().toAbsolutePath());
        log.info("state in {}", config.storage().state());
        log.info("roles {} as member {}{}", Role.describe(roles), livehook.member, roles.contains(Role.INGEST) ? ""
                : " (webhooks are not taken here: " + config.server().webhookPath() + " answers 404)");
        livehook.logReconcile();
        return livehook;
    }

    /**
     * Helidon reports a listener it cannot bind with a long stack trace of its own: find out before starting
     * anything, and say it in one line.
     */
    private static void requirePortFree(LivehookConfig.Server server) {
        if (server.port() == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(server.host(), server.port()));
        } catch (IOException e) {
            String reason = e instanceof BindException && String.valueOf(e.getMessage()).contains("in use")
                    ? "the port is in use by another process (another livehook?); stop it or set LIVEHOOK_PORT"
                    : e.getMessage();
            throw new IllegalStateException("cannot listen on " + server.host() + ":" + server.port() + ": " + reason);
        }
    }

    private void logReconcile() {
        var settings = config.reconcile();
        if (reconciler.isPresent()) {
            log.info("reconciliation on: LiveKit's RoomService at {} every {} s (sooner after an anomaly), grace {} s, "
                    + "settle {} ms, at most {} calls/s", config.livekit().url().get(), settings.interval().toSeconds(),
                    settings.grace().toSeconds(), settings.settle().toMillis(), settings.requestsPerSecond());
        } else {
            log.info("reconciliation off: {}; a room nobody is in is ended once silent for its timeout plus {} s",
                    config.livekit().url().isEmpty()
                            ? "set LIVEKIT_URL to let livehook correct lost events from LiveKit's RoomService"
                            : "reconcile.enabled is false", settings.silenceMargin().toSeconds());
        }
    }

    private void routes(HttpRouting.Builder routing) {
        routing.addFilter(access);
        ApiErrors.register(routing);
        if (config.roles().contains(Role.INGEST)) {
            routing.post(config.server().webhookPath(), ingest);
        }
        routing.register(ApiErrors.PREFIX, api)
                .get("/healthz", (req, res) -> res.send("ok\n"))
                .get("/readyz", (req, res) -> {
                    // Not ready while stopping, and while the log cannot take writes (disk full, I/O error).
                    boolean writable = eventLog.writeProblem().isEmpty();
                    res.status(ready && writable ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503)
                            .send(!ready ? "not ready\n" : writable ? "ready\n"
                                    : "not ready: the event log cannot take writes\n");
                })
                .get("/metrics", (req, res) -> {
                    res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                    res.send(registry.scrape());
                })
                .register(Dashboard.BASE, dashboard)
                .get("/", (req, res) -> {
                    res.status(Status.SEE_OTHER_303).header(HeaderNames.LOCATION, Dashboard.BASE).send();
                });
    }

    public int port() {
        return listener.port();
    }

    /**
     * Completes when the listener stopped accepting and could not be bound again: the process should exit
     * non-zero, so that its supervisor starts a fresh one.
     */
    public CompletableFuture<String> listenerLost() {
        return listener.lost();
    }

    public EventLog eventLog() {
        return eventLog;
    }

    public StateStore state() {
        return state;
    }

    public Processor processor() {
        return processor;
    }

    /** Every endpoint served under /api. */
    public ApiRoutes api() {
        return api;
    }

    /** Present when reconciliation is on. */
    public Optional<Reconciler> reconciler() {
        return reconciler;
    }

    public DeliveryService deliveries() {
        return deliveries;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The sampled last hour of metrics the dashboard's health page draws. */
    public MetricsHistory history() {
        return history;
    }

    /**
     * Graceful stop: refuse new webhooks with 503 (LiveKit retries those) and close each connection after its
     * answer, for a short drain so that requests already sent on kept-alive connections are answered rather
     * than reset; let requests already inside finish their appends, stop the listener, then close the log
     * after its last commit.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ready = false;
        ingest.stopAccepting();
        changes.close(); // open streams end, so that the listener can stop
        try {
            listener.drain(config.server().drain());
            if (!ingest.awaitIdle(config.server().shutdownGrace())) {
                log.warn("shutdown grace of {} ran out with webhook requests still in flight",
                        config.server().shutdownGrace());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        listener.close();
        history.close();
        reconciler.ifPresent(Reconciler::close);
        silentRooms.ifPresent(SilentRooms::close);
        processor.close();
        deliveries.close(config.server().shutdownGrace());
        eventLog.close();
        state.close();
        lock.close();
        log.info("livehook stopped");
    }
}
