package io.livehook;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.livehook.client.LivehookClient;
import io.livehook.ingest.EventHeader;
import io.livehook.simulate.DeliveryProfile;
import io.livehook.simulate.GroundTruth;
import io.livehook.simulate.LivehookState;
import io.livehook.simulate.Simulation;
import io.livehook.simulate.StateCheck;
import io.livehook.state.StateSql;
import io.livehook.state.StateStore;
import io.livehook.state.TestPostgres;
import io.livehook.testing.KafkaTestCluster;
import io.livehook.testing.LivehookProcess;
import io.livehook.testing.TestReceiver;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three livehooks from the built jar on one Kafka topic and one PostgreSQL state: a and b run every role (one
 * of them delivers and one reconciles at a time, under leases), c only processes. LiveKit's traffic (the simulator, cloud rules) goes to both ingest URLs, as
 * LiveKit sends every webhook to every URL in {@code webhook.urls}; meanwhile livehooks are killed with
 * SIGKILL and started again. Every event answered 200 is applied once, the destination gets each in its room's
 * order (once, but for attempts a kill left unknown), and the state matches LiveKit's truth.
 */
class ClusterIT {
    private static final String KEY = "APIcluster";
    private static final String SECRET = "cluster-secret-long-enough-for-hs256";
    private static final String TOKEN = "cluster-api-token-7d1c2b3a4f5e6d7c8b9a";
    private static final int PARTITIONS = 6;
    private static final Pattern MEMBER = Pattern.compile("as member (\\S+)");

    @TempDir
    Path dir;

    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private Map<String, String> sharedEnv;
    private Path configFile;

    /** One livehook process: its name, roles, port and data directory survive its restarts. */
    private final class Node {
        final String name;
        final String roles;
        final int port;
        volatile LivehookProcess process;
        volatile String member;
        int starts;

        Node(String name, String roles) throws IOException {
            this.name = name;
            this.roles = roles;
            this.port = LivehookProcess.freePort();
        }

        void start() throws Exception {
            Map<String, String> env = new HashMap<>(sharedEnv);
            env.put("LIVEHOOK_PORT", Integer.toString(port));
            env.put("LIVEHOOK_DATA_DIR", dir.resolve(name).toString());
            env.put("LIVEHOOK_ROLES", roles);
            // Beside the build's reports, not in the temporary directory: what each livehook said stays to read.
            Path logs = Files.createDirectories(Path.of("target", "cluster-it"));
            Path log = logs.resolve(name + "-" + (++starts) + ".log");
            Files.deleteIfExists(log);
            process = LivehookProcess.start(List.of(LivehookProcess.javaBinary(), "-Xmx256m",
                    "-jar", jar().toString(), "serve", "-c", configFile.toString()), env, port, log);
            process.awaitOk("/readyz", Duration.ofSeconds(60));
            Matcher matcher = MEMBER.matcher(process.output());
            assertThat(matcher.find()).as("member id in %s's log", name).isTrue();
            member = matcher.group(1);
        }

        URI webhook() {
            return URI.create("http://127.0.0.1:" + port + "/webhook");
        }
    }

    private static Path jar() {
        Path jar = Path.of(System.getProperty("livehook.jar", "target/livehook.jar"));
        assertThat(jar).as("the shaded jar (built by package)").isRegularFile();
        return jar;
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void threeLivehooksSurviveKillMinus9_eachEventAppliedAndDeliveredOnceInItsRoomsOrder() throws Exception {
        TestPostgres.quiet();
        String stateUrl = TestPostgres.newDatabase();
        String topic = KafkaTestCluster.uniqueTopic("cluster");
        int closedPort = LivehookProcess.freePort(); // LiveKit's RoomService nowhere: the reconciler's lock still moves
        try (TestReceiver receiver = TestReceiver.start();
                StateStore state = StateStore.open(TestPostgres.location(stateUrl));
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(1)).build()) {
            configFile = Files.writeString(dir.resolve("livehook.yaml"), "destinations:\n  - name: app\n    url: "
                    + receiver.url() + "\n    timeout_seconds: 5\n    retry: {initial_backoff_ms: 200, "
                    + "max_backoff_ms: 1000}\n");
            sharedEnv = Map.ofEntries(Map.entry("LIVEKIT_API_KEY", KEY), Map.entry("LIVEKIT_API_SECRET", SECRET),
                    Map.entry("LIVEHOOK_HOST", "127.0.0.1"), Map.entry("LIVEHOOK_API_TOKEN", TOKEN),
                    Map.entry("LIVEHOOK_KAFKA_BOOTSTRAP_SERVERS", KafkaTestCluster.bootstrapServers()),
                    Map.entry("LIVEHOOK_KAFKA_TOPIC", topic), Map.entry("LIVEHOOK_KAFKA_QUARANTINE_TOPIC", topic + ".q"),
                    Map.entry("LIVEHOOK_KAFKA_PARTITIONS", Integer.toString(PARTITIONS)),
                    Map.entry("LIVEHOOK_STATE_URL", stateUrl), Map.entry("LIVEHOOK_STATE_USER", TestPostgres.USER),
                    Map.entry("LIVEKIT_URL", "http://127.0.0.1:" + closedPort),
                    Map.entry("LIVEHOOK_PROCESS_NICE", "0"));
            nodes.put("a", new Node("a", "ingest,process,deliver,reconcile"));
            nodes.put("b", new Node("b", "ingest,process,deliver,reconcile"));
            nodes.put("c", new Node("c", "process"));
            for (Node node : nodes.values()) {
                node.start();
            }
            await("every partition held", Duration.ofSeconds(30),
                    () -> owned(state, "process").size() == PARTITIONS);

            // LiveKit sends each webhook to every URL in webhook.urls: the fan-out answers 200 if any did.
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            try (FanOut fanOut = new FanOut(http, List.of(nodes.get("a"), nodes.get("b")), acknowledged)) {
                var traffic = new Simulation.Traffic(fanOut.url(), DeliveryProfile.cloud(), 30, 30,
                        Duration.ofSeconds(45), 7, KEY, SECRET, 0);
                // On a thread of its own: on the common pool (one thread on two cores) it would hold up every
                // asynchronous HTTP answer of this JVM until it ended.
                CompletableFuture<Simulation.Result> run = new CompletableFuture<>();
                Thread.ofPlatform().name("simulation").start(() -> {
                    try {
                        run.complete(Simulation.run(traffic, Clock.systemUTC()));
                    } catch (InterruptedException | RuntimeException e) {
                        run.completeExceptionally(e);
                    }
                });

                Random random = new Random(11);
                List<Double> failovers = new ArrayList<>();
                List<Double> reconcilerMoves = new ArrayList<>();
                String reconciler = owner(state, "reconcile", 0);
                List<Node> victims = new ArrayList<>();
                victims.add(nodes.values().stream().filter(n -> n.member.equals(reconciler)).findFirst().orElseThrow());
                victims.add(nodes.get("c"));
                victims.add(new ArrayList<>(nodes.values()).get(random.nextInt(3)));
                for (Node victim : victims) {
                    Thread.sleep(2_000 + random.nextInt(4_000));
                    Set<Integer> held = owned(state, "process").entrySet().stream()
                            .filter(e -> e.getValue().equals(victim.member)).map(Map.Entry::getKey)
                            .collect(java.util.stream.Collectors.toSet());
                    boolean heldReconcile = victim.member.equals(owner(state, "reconcile", 0));
                    long killedAt = System.nanoTime();
                    victim.process.kill();
                    if (!held.isEmpty()) {
                        await("the partitions of " + victim.name + " taken over", Duration.ofSeconds(30),
                                () -> held.stream().noneMatch(p -> victim.member.equals(owned(state, "process")
                                        .get(p))) && owned(state, "process").size() == PARTITIONS);
                        failovers.add((System.nanoTime() - killedAt) / 1e9);
                    }
                    if (heldReconcile) {
                        await("the reconciler moved", Duration.ofSeconds(30), () -> {
                            String now = owner(state, "reconcile", 0);
                            return now != null && !now.equals(victim.member);
                        });
                        reconcilerMoves.add((System.nanoTime() - killedAt) / 1e9);
                    }
                    System.out.printf("killed %s (held partitions %s%s), restarting%n", victim.name, held,
                            heldReconcile ? " and the reconciler" : "");
                    victim.start();
                }
                Simulation.Result result = run.get(120, TimeUnit.SECONDS);
                GroundTruth truth = result.truth();

                LivehookClient api = new LivehookClient(URI.create("http://127.0.0.1:" + nodes.get("b").port),
                        Optional.of(TOKEN));
                assertThat(api.awaitProcessed(Duration.ofSeconds(60)).settled()).isTrue();

                // Every event answered 200 by any livehook is applied, once (by event id; its effects below).
                Set<String> applied = new HashSet<>(StateSql.list(state, "SELECT event_id FROM events",
                        rs -> rs.getString(1)));
                assertThat(applied).containsAll(acknowledged);
                assertThat(StateSql.count(state, "SELECT count(*) FROM events")).isEqualTo(applied.size());

                StateCheck.Result check = StateCheck.compare(truth, LivehookState.read(api, truth),
                        StateCheck.roomsWithLosses(truth, result.deliveries()));
                // Mismatches only where LiveKit gave an event up (its retries ran out while livehooks restarted).
                assertThat(check.unexplained()).as(check.text()).isZero();

                // The destination: every applied event, in its room's order, once but for attempts left unknown.
                await("every applied event delivered", Duration.ofSeconds(90),
                        () -> new HashSet<>(receiver.accepted()).containsAll(applied));
                Set<String> unknown = new HashSet<>(StateSql.list(state,
                        "SELECT event_id FROM delivery_attempts WHERE outcome = 'unknown'", rs -> rs.getString(1)));
                Map<String, Integer> timesAccepted = new HashMap<>();
                receiver.accepted().forEach(id -> timesAccepted.merge(id, 1, Integer::sum));
                List<String> twice = timesAccepted.entrySet().stream().filter(e -> e.getValue() > 1)
                        .map(Map.Entry::getKey).toList();
                assertThat(unknown).as("delivered more than once only after an attempt a kill left unknown")
                        .containsAll(twice);
                Map<String, List<String>> sentByKey = new LinkedHashMap<>();
                for (GroundTruth.Event e : truth.events()) {
                    if (applied.contains(e.id())) {
                        sentByKey.computeIfAbsent(e.queueKey(), k -> new ArrayList<>()).add(e.id());
                    }
                }
                sentByKey.forEach((key, ids) -> assertThat(new ArrayList<>(new LinkedHashSet<>(
                        receiver.acceptedInRoom(key)))).as("delivered order of %s", key).isEqualTo(ids));

                System.out.printf("cluster: %d events sent, %d answered 200, %d applied, %d delivered "
                        + "(%d more than once, %d attempts unknown); verify: %d mismatches, %d unexplained; "
                        + "given up by LiveKit %d%n", truth.events().size(), acknowledged.size(), applied.size(),
                        timesAccepted.size(), twice.size(), unknown.size(), check.total(), check.unexplained(),
                        result.report().lostTotal());
                List<Long> forwardMs = new ArrayList<>(fanOut.forwardMs);
                java.util.Collections.sort(forwardMs);
                System.out.printf("cluster: forwards took %d ms (median), %d ms (most)%n",
                        forwardMs.get(forwardMs.size() / 2), forwardMs.get(forwardMs.size() - 1));
                List<Long> answerMs = new ArrayList<>(fanOut.answerMs);
                java.util.Collections.sort(answerMs);
                System.out.printf("cluster: livehooks' answers to the fan-out by status: %s; %d requests, answered in "
                        + "%d ms (median), %d ms (99th), %d ms (most)%n", fanOut.statuses, answerMs.size(),
                        answerMs.get(answerMs.size() / 2), answerMs.get(answerMs.size() * 99 / 100),
                        answerMs.get(answerMs.size() - 1));
                System.out.printf("cluster: partitions taken over after kill -9 in %s s; reconciler moved in %s s%n",
                        failovers, reconcilerMoves);
                assertThat(failovers).isNotEmpty().allMatch(s -> s <= 15);
                assertThat(reconcilerMoves).isNotEmpty().allMatch(s -> s <= 15);
            }
        } finally {
            for (Node node : nodes.values()) {
                if (node.process != null) {
                    node.process.close();
                }
            }
        }
    }

    private static Map<Integer, String> owned(StateStore state, String job) {
        Map<Integer, String> owners = new HashMap<>();
        long now = System.currentTimeMillis();
        StateSql.list(state, "SELECT log_partition, owner, lease_until_ms FROM partition_owners WHERE consumer = ?",
                rs -> {
                    if (rs.getLong(3) > now) {
                        owners.put(rs.getInt(1), rs.getString(2));
                    }
                    return null;
                }, job);
        return owners;
    }

    private static String owner(StateStore state, String job, int slot) {
        return owned(state, job).get(slot);
    }

    private static void await(String what, Duration within, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for: %s", what).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** Sends each webhook on to every ingest livehook at once; 200 if any answered 200, else 503. */
    private static final class FanOut implements AutoCloseable {
        private final HttpServer server;
        private final HttpClient http;
        private final List<Node> targets;
        private final Set<String> acknowledged;
        final Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        final List<Long> answerMs = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<Long> forwardMs = java.util.Collections.synchronizedList(new ArrayList<>());

        FanOut(HttpClient http, List<Node> targets, Set<String> acknowledged) throws IOException {
            this.http = http;
            this.targets = targets;
            this.acknowledged = acknowledged;
            this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
            server.setExecutor(Executors.newCachedThreadPool());
            server.createContext("/webhook", this::handle);
            server.start();
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/webhook");
        }

        private void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                byte[] body;
                try (InputStream in = exchange.getRequestBody()) {
                    body = in.readAllBytes();
                }
                String authorization = exchange.getRequestHeaders().getFirst("Authorization");
                List<CompletableFuture<Integer>> answers = new ArrayList<>();
                long sentAt = System.nanoTime();
                for (Node target : targets) {
                    HttpRequest request = HttpRequest.newBuilder(target.webhook()).timeout(Duration.ofMillis(2500))
                            .header("Content-Type", "application/webhook+json")
                            .header("Authorization", authorization == null ? "" : authorization)
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
                    answers.add(http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                            .thenApply(HttpResponse::statusCode).exceptionally(e -> 599)
                            .whenComplete((status, e) -> {
                                statuses.merge(status, 1, Integer::sum);
                                forwardMs.add((System.nanoTime() - sentAt) / 1_000_000);
                            }));
                }
                // Answered as soon as one livehook took it (the other's copy goes on, as LiveKit's queue for
                // that URL would), so that a slow or dead node does not hold LiveKit's attempt up.
                CompletableFuture<Boolean> anyOk = new CompletableFuture<>();
                answers.forEach(answer -> answer.thenAccept(status -> {
                    if (status == 200) {
                        anyOk.complete(true);
                    }
                }));
                CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                        .thenRun(() -> anyOk.complete(answers.stream().anyMatch(a -> a.join() == 200)));
                long start = System.nanoTime();
                boolean ok = anyOk.join();
                answerMs.add((System.nanoTime() - start) / 1_000_000);
                if (ok) {
                    try {
                        acknowledged.add(EventHeader.read(body).eventId());
                    } catch (Exception e) {
                        // a body without an id was never answered 200 by livehook
                    }
                }
                exchange.sendResponseHeaders(ok ? 200 : 503, -1);
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
