package io.livehook.bench;

import io.livehook.testing.LivehookFixture;
import io.livehook.testing.LivehookProcess;
import io.livehook.testing.TestJwt;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Ingest load benchmark (not a test). Starts the real livehook jar and a do-nothing Helidon baseline as separate
 * processes on 127.0.0.1 and drives each with pre-signed, distinct LiveKit-shaped webhooks over raw keep-alive
 * HTTP/1.1 sockets:
 *
 * <ul>
 *   <li>closed loop: a fixed number of connections, each sending its next event as soon as the previous one
 *       is answered, for a fixed time: throughput and ACK latency;
 *   <li>open loop: events scheduled at a fixed rate, latency measured from each event's <em>scheduled</em> send
 *       time, so that a server (or client) falling behind shows up as queueing instead of being hidden.
 * </ul>
 *
 * Each run starts fresh servers (livehook on a fresh data directory); the medians over runs are printed last.
 * Driven by {@code bench/ingest-load}; {@code --help} lists the options.
 */
public final class IngestLoad {
    private static final String KEY = LivehookFixture.API_KEY;
    private static final String SECRET = LivehookFixture.API_SECRET;

    // ------------------------------------------------------------------ options

    record Options(Path jar, Path testClasses, int durationSeconds, int warmupSeconds, int concurrency, int rate,
            int openConnections, int runs, List<String> serverJvm, boolean keepData, String only, int processingRate,
            int soakSeconds) {

        static Options parse(String[] args) {
            Map<String, String> o = new LinkedHashMap<>(Map.of(
                    "--jar", "target/livehook.jar", "--test-classes", "target/test-classes",
                    "--duration", "10", "--warmup", "20", "--concurrency", "32", "--rate", "5000",
                    "--open-connections", "64", "--runs", "3", "--server-jvm", "", "--only", "both"));
            o.put("--processing-rate", "1000");
            o.put("--soak", "0");
            boolean keep = false;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--help") || a.equals("-h")) {
                    usage(0);
                } else if (a.equals("--keep-data")) {
                    keep = true;
                } else if (o.containsKey(a) && i + 1 < args.length) {
                    o.put(a, args[++i]);
                } else if (a.contains("=") && o.containsKey(a.substring(0, a.indexOf('=')))) {
                    o.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
                } else {
                    System.err.println("unknown or incomplete option: " + a);
                    usage(2);
                }
            }
            String only = o.get("--only");
            if (!List.of("both", "livehook", "baseline").contains(only)) {
                System.err.println("--only must be both, livehook or baseline");
                usage(2);
            }
            return new Options(Path.of(o.get("--jar")), Path.of(o.get("--test-classes")),
                    positive(o, "--duration"), Integer.parseInt(o.get("--warmup")), positive(o, "--concurrency"),
                    positive(o, "--rate"), positive(o, "--open-connections"), positive(o, "--runs"),
                    o.get("--server-jvm").isBlank() ? List.of() : List.of(o.get("--server-jvm").trim().split("\\s+")),
                    keep, only, positive(o, "--processing-rate"), Integer.parseInt(o.get("--soak")));
        }

        private static int positive(Map<String, String> o, String name) {
            int v = Integer.parseInt(o.get(name));
            if (v <= 0) {
                System.err.println(name + " must be > 0");
                usage(2);
            }
            return v;
        }

        static void usage(int exit) {
            System.err.println("""
                    usage: bench/ingest-load [options]
                      --duration S          seconds of each measured phase (default 10)
                      --warmup S            seconds of closed-loop warm-up per server start (default 20:
                                            on 2 cores the JIT still took a third of livehook's CPU
                                            8-14 s after its start, under 2 % after 30 s)
                      --concurrency N       closed-loop connections (default 32)
                      --rate R              open-loop events per second (default 5000)
                      --processing-rate R   open-loop rate of the phase that measures ACK-to-applied
                                            (default 1000: what processing keeps up with)
                      --open-connections N  open-loop connections (default 64)
                      --runs N              fresh server starts per target; medians are reported (default 3)
                      --server-jvm "OPTS"   JVM options for both server processes (default none)
                      --only T              both | livehook | baseline (default both)
                      --soak S              instead of the phases: livehook alone, an open loop at --rate
                                            for S seconds, with its ACK latency, resident memory, heap and
                                            processing lag printed every 30 s
                      --keep-data           keep livehook's data directories
                      --jar PATH            livehook jar (default target/livehook.jar)
                    """);
            System.exit(exit);
        }
    }

    // ------------------------------------------------------------------ pre-signed requests

    /** A request on the wire: head and body in one array, written with one call. */
    record Request(byte[] bytes) {}

    private static final AtomicLong ID_SEQUENCE = new AtomicLong(ThreadLocalRandom.current().nextLong(1L << 40));

    /** {@code n} distinct, correctly signed participant_joined webhooks, built in parallel. */
    static Request[] generate(int n) {
        long first = ID_SEQUENCE.getAndAdd(n);
        Instant now = Instant.now();
        Request[] out = new Request[n];
        IntStream.range(0, n).parallel().forEach(i -> out[i] = request(first + i, now));
        return out;
    }

    private static Request request(long sequence, Instant now) {
        byte[] bodyBytes = body(sequence, now).getBytes(StandardCharsets.UTF_8);
        String token = TestJwt.webhook(KEY, SECRET, bodyBytes, now);
        byte[] head = ("POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: LiveKit\r\n"
                + "Content-Type: application/webhook+json\r\nAuthorization: " + token + "\r\nContent-Length: "
                + bodyBytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = Arrays.copyOf(head, head.length + bodyBytes.length);
        System.arraycopy(bodyBytes, 0, bytes, head.length, bodyBytes.length);
        return new Request(bytes);
    }

    /** A participant_joined body as LiveKit sends it, distinct per {@code sequence}; the benchmarks share it. */
    static String body(long sequence, Instant now) {
        String id = "EV_" + base57(sequence, 12);
        long secs = now.getEpochSecond();
        int room = (int) (sequence % 500);
        return "{\"event\":\"participant_joined\",\"room\":{\"sid\":\"RM_" + base57(room, 12) + "\",\"name\":\"room-"
                + room + "\",\"emptyTimeout\":300,\"departureTimeout\":20,\"creationTime\":\"" + (secs - 600)
                + "\",\"creationTimeMs\":\"" + (secs - 600) * 1000 + "\",\"turnPassword\":\"x\",\"enabledCodecs\":[{\"mime\":"
                + "\"audio/opus\"},{\"mime\":\"video/VP8\"}],\"numParticipants\":3},\"participant\":{\"sid\":\"PA_"
                + base57(sequence * 7 + 3, 12) + "\",\"identity\":\"user-" + sequence + "\",\"state\":\"ACTIVE\",\"joinedAt\":\""
                + secs + "\",\"joinedAtMs\":\"" + secs * 1000 + "\",\"name\":\"User " + sequence + "\",\"version\":2,"
                + "\"permission\":{\"canSubscribe\":true,\"canPublish\":true,\"canPublishData\":true},\"kind\":\"STANDARD\"},"
                + "\"id\":\"" + id + "\",\"createdAt\":\"" + secs + "\"}";
    }

    private static final char[] BASE57 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".toCharArray();

    private static String base57(long value, int width) {
        char[] out = new char[width];
        long v = value;
        for (int i = width - 1; i >= 0; i--) {
            out[i] = BASE57[(int) Math.floorMod(v, 57L)];
            v = Math.floorDiv(v, 57L);
        }
        return new String(out);
    }

    // ------------------------------------------------------------------ a raw keep-alive HTTP/1.1 connection

    static final class Connection implements Closeable {
        private final int port;
        private Socket socket;
        private OutputStream out;
        private InputStream in;
        private final byte[] buffer = new byte[16 * 1024];
        private int position;
        private int limit;

        Connection(int port) {
            this.port = port;
        }

        /** Sends one request and reads its whole response; returns the status code. */
        int exchange(byte[] request) throws IOException {
            if (socket == null) {
                open();
            }
            out.write(request);
            out.flush();
            return readResponse();
        }

        private void open() throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(30_000);
            out = socket.getOutputStream();
            in = socket.getInputStream();
            position = 0;
            limit = 0;
        }

        private int readResponse() throws IOException {
            String statusLine = line();
            if (statusLine.length() < 12 || !statusLine.startsWith("HTTP/1.")) {
                throw new IOException("bad status line: " + statusLine);
            }
            int status = Integer.parseInt(statusLine, 9, 12, 10);
            long length = -1;
            boolean close = false;
            for (String header = line(); !header.isEmpty(); header = line()) {
                int colon = header.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = header.substring(colon + 1).trim();
                if (name.equals("content-length")) {
                    length = Long.parseLong(value);
                } else if (name.equals("connection") && value.equalsIgnoreCase("close")) {
                    close = true;
                } else if (name.equals("transfer-encoding")) {
                    throw new IOException("chunked responses are not expected here");
                }
            }
            if (length < 0) {
                throw new IOException("response without Content-Length");
            }
            skip(length);
            if (close) {
                close();
            }
            return status;
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            while (true) {
                if (position == limit && !fill()) {
                    throw new IOException("connection closed by the server");
                }
                byte b = buffer[position++];
                if (b == '\n') {
                    int n = sb.length();
                    return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
                }
                sb.append((char) b);
            }
        }

        private void skip(long n) throws IOException {
            long left = n;
            while (left > 0) {
                if (position == limit && !fill()) {
                    throw new IOException("connection closed in a response body");
                }
                int take = (int) Math.min(left, limit - position);
                position += take;
                left -= take;
            }
        }

        private boolean fill() throws IOException {
            int n = in.read(buffer);
            if (n <= 0) {
                return false;
            }
            position = 0;
            limit = n;
            return true;
        }

        @Override
        public void close() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
                socket = null;
            }
        }
    }

    // ------------------------------------------------------------------ results

    /** Latencies in nanoseconds, appended by one thread. */
    static final class Samples {
        long[] values = new long[1 << 14];
        int size;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        static long[] merge(List<Samples> all) {
            long[] out = new long[all.stream().mapToInt(s -> s.size).sum()];
            int at = 0;
            for (Samples s : all) {
                System.arraycopy(s.values, 0, out, at, s.size);
                at += s.size;
            }
            Arrays.sort(out);
            return out;
        }
    }

    record Phase(long completed, double seconds, long[] sortedLatencies, long[] sortedServiceTimes,
            Map<String, Integer> outcomes, boolean ranOut, double serverCpuMicrosPerEvent,
            double clientCpuMicrosPerEvent) {
        double throughput() {
            return completed / seconds;
        }

        Phase withCpu(Duration server, Duration client) {
            return new Phase(completed, seconds, sortedLatencies, sortedServiceTimes, outcomes, ranOut,
                    server.toNanos() / 1e3 / completed, client.toNanos() / 1e3 / completed);
        }

        double percentileMs(double q) {
            return percentile(sortedLatencies, q);
        }

        static double percentile(long[] sorted, double q) {
            if (sorted.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.ceil(q * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
        }
    }

    // ------------------------------------------------------------------ the two loads

    /** Every connection sends its next request as soon as the previous one is answered. */
    static Phase closedLoop(int port, Request[] requests, int connections, Duration duration, boolean mayReuse)
            throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        Map<String, Integer> outcomes = new ConcurrentHashMap<>();
        List<Samples> samples = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        boolean[] ranOut = {false};
        for (int c = 0; c < connections; c++) {
            Samples mine = new Samples();
            samples.add(mine);
            threads.add(Thread.ofPlatform().name("closed-" + c).start(() -> {
                try (Connection connection = new Connection(port)) {
                    while (System.nanoTime() < end) {
                        int i = next.getAndIncrement();
                        if (i >= requests.length) {
                            if (!mayReuse) {
                                ranOut[0] = true;
                                return;
                            }
                            i %= requests.length;
                        }
                        long sent = System.nanoTime();
                        String outcome;
                        try {
                            outcome = Integer.toString(connection.exchange(requests[i].bytes()));
                        } catch (IOException e) {
                            outcome = "error: " + e.getMessage();
                            connection.close();
                        }
                        mine.add(System.nanoTime() - sent);
                        outcomes.merge(outcome, 1, Integer::sum);
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] latencies = Samples.merge(samples);
        return new Phase(latencies.length, seconds, latencies, latencies, outcomes, ranOut[0], Double.NaN, Double.NaN);
    }

    /**
     * Request i is due at start + i/rate. Connection w sends requests w, w+K, w+2K, ... each at its due time, or
     * at once if it is already late (because its previous request took long). Latency counts from the due time.
     */
    static Phase openLoop(int port, Request[] requests, int connections, int rate) throws InterruptedException {
        int total = requests.length;
        double intervalNanos = 1e9 / rate;
        Map<String, Integer> outcomes = new ConcurrentHashMap<>();
        List<Samples> latencySamples = new ArrayList<>();
        List<Samples> serviceSamples = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        for (int c = 0; c < connections; c++) {
            int first = c;
            Samples latencies = new Samples();
            Samples services = new Samples();
            latencySamples.add(latencies);
            serviceSamples.add(services);
            threads.add(Thread.ofPlatform().name("open-" + c).start(() -> {
                try (Connection connection = new Connection(port)) {
                    for (int i = first; i < total; i += connections) {
                        long due = start + (long) (i * intervalNanos);
                        long wait;
                        while ((wait = due - System.nanoTime()) > 0) {
                            LockSupport.parkNanos(wait);
                        }
                        long sent = System.nanoTime();
                        String outcome;
                        try {
                            outcome = Integer.toString(connection.exchange(requests[i].bytes()));
                        } catch (IOException e) {
                            outcome = "error: " + e.getMessage();
                            connection.close();
                        }
                        long done = System.nanoTime();
                        latencies.add(done - due);
                        services.add(done - sent);
                        outcomes.merge(outcome, 1, Integer::sum);
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] latencies = Samples.merge(latencySamples);
        return new Phase(latencies.length, seconds, latencies, Samples.merge(serviceSamples), outcomes, false,
                Double.NaN, Double.NaN);
    }

    // ------------------------------------------------------------------ one target, one run

    /**
     * What processing did on livehook (NaN on the baseline): the rate at which it applied the backlog the
     * closed loop left (ingest outruns it), with no ingest beside it; and the time from ACK to state committed
     * during an open-loop phase at a rate processing keeps up with, from livehook's own {@code livehook_process_delay_seconds} histogram (bucket
     * upper bounds).
     */
    record Processing(long backlog, double drainPerSecond, int steadyRate, double delayP50Ms, double delayP99Ms) {
        static final Processing NONE = new Processing(0, Double.NaN, 0, Double.NaN, Double.NaN);
    }

    record TargetRun(Phase closed, Phase open, Processing processing) {}

    interface ServerStarter {
        LivehookProcess start(Path workDir) throws IOException;
    }

    /** Events per closed-loop pool at most (about 1.1 kB each). */
    private static final int MAX_POOL = 1_000_000;

    /** {@code dedupes}: the target stores each event id once, so every request must carry a new one. */
    static TargetRun measure(String name, ServerStarter starter, Options options, Path workDir, boolean dedupes)
            throws Exception {
        try (LivehookProcess server = starter.start(workDir)) {
            server.awaitOk("/readyz", Duration.ofSeconds(30));
            int port = server.port();

            // Warm-up, also used to size the closed-loop pool: the measured phase must not run out of events.
            // A target that does not dedupe may see the same events again: its pools wrap around.
            int warmupRequests = dedupes ? Math.min(MAX_POOL, Math.max(20_000, options.warmupSeconds() * 30_000)) : 20_000;
            Phase warmup = closedLoop(port, generate(warmupRequests), options.concurrency(),
                    Duration.ofSeconds(options.warmupSeconds()), !dedupes);
            check(name + " warm-up", warmup);
            // Four times what the (colder) warm-up managed, so that the measured phase does not run out.
            int closedRequests = dedupes
                    ? (int) Math.min(MAX_POOL, Math.max(40_000L * options.durationSeconds(),
                            warmup.throughput() * options.durationSeconds() * 4))
                    : 100_000;
            Request[] closedPool = generate(closedRequests);
            System.gc();
            CpuClock cpu = new CpuClock(server.process());
            Phase closed = closedLoop(port, closedPool, options.concurrency(), Duration.ofSeconds(options.durationSeconds()),
                    !dedupes);
            closed = cpu.charge(closed);
            check(name + " closed loop", closed);
            closedPool = null;

            Request[] openPool = generate(options.rate() * options.durationSeconds());
            System.gc();
            Thread.sleep(500);
            double[] drain = dedupes ? drainBacklog(port) : new double[] {0, Double.NaN};
            cpu = new CpuClock(server.process());
            Phase open = cpu.charge(openLoop(port, openPool, options.openConnections(), options.rate()));
            check(name + " open loop", open);
            if (!dedupes) {
                return new TargetRun(closed, open, Processing.NONE);
            }
            // Lag is measured at a rate processing keeps up with: above it, lag only says how long the run was.
            drainBacklog(port);
            Request[] steadyPool = generate(options.processingRate() * options.durationSeconds());
            Map<Double, Double> delayBefore = delayBuckets(port);
            Phase steady = openLoop(port, steadyPool, options.openConnections(), options.processingRate());
            check(name + " processing phase", steady);
            drainBacklog(port);
            Map<Double, Double> delayAfter = delayBuckets(port);
            return new TargetRun(closed, open, new Processing((long) drain[0], drain[1], options.processingRate(),
                    bucketQuantileMs(delayBefore, delayAfter, 0.50), bucketQuantileMs(delayBefore, delayAfter, 0.99)));
        }
    }

    // ------------------------------------------------------------------ processing figures

    private static final HttpClient METRICS = HttpClient.newHttpClient();

    private static String metrics(int port) throws IOException, InterruptedException {
        return METRICS.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /**
     * Waits (at most five minutes) until processing has applied everything in the log: [backlog it started
     * from, events applied per second meanwhile].
     */
    private static double[] drainBacklog(int port) throws IOException, InterruptedException {
        long start = System.nanoTime();
        long deadline = start + Duration.ofMinutes(5).toNanos();
        String first = metrics(port);
        double backlog = sum(first, "livehook_process_lag_events{");
        double appliedBefore = sum(first, "livehook_process_events_total{");
        while (true) {
            String now = metrics(port);
            if (sum(now, "livehook_process_lag_events{") == 0) {
                double seconds = (System.nanoTime() - start) / 1e9;
                return new double[] {backlog, (sum(now, "livehook_process_events_total{") - appliedBefore) / seconds};
            }
            if (System.nanoTime() > deadline) {
                System.out.println("  WARNING processing did not catch up within five minutes");
                return new double[] {backlog, Double.NaN};
            }
            Thread.sleep(100);
        }
    }

    private static double sum(String metrics, String prefix) {
        return metrics.lines().filter(l -> l.startsWith(prefix)).mapToDouble(IngestLoad::sampleValue).sum();
    }

    /** Cumulative counts of the ACK-to-applied histogram, by bucket upper bound in seconds. */
    private static Map<Double, Double> delayBuckets(int port) throws IOException, InterruptedException {
        Map<Double, Double> buckets = new TreeMap<>();
        for (String line : metrics(port).lines().filter(l -> l.startsWith("livehook_process_delay_seconds_bucket{")).toList()) {
            int le = line.indexOf("le=\"") + 4;
            String bound = line.substring(le, line.indexOf('"', le));
            buckets.merge(bound.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(bound),
                    sampleValue(line), Double::sum);
        }
        return buckets;
    }

    private static double sampleValue(String line) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    /** The upper bound of the bucket holding quantile {@code q} of what was observed between the two scrapes. */
    static double bucketQuantileMs(Map<Double, Double> before, Map<Double, Double> after, double q) {
        double total = after.getOrDefault(Double.POSITIVE_INFINITY, 0.0) - before.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
        if (total <= 0) {
            return Double.NaN;
        }
        for (Map.Entry<Double, Double> bucket : new TreeMap<>(after).entrySet()) {
            if (bucket.getValue() - before.getOrDefault(bucket.getKey(), 0.0) >= q * total) {
                return bucket.getKey() * 1000;
            }
        }
        return Double.POSITIVE_INFINITY;
    }

    /**
     * CPU time used by the server process and by this load generator over a phase. Unlike wall-clock figures it
     * stays meaningful on a machine shared with other work: it is what each event costs, not how long it waited.
     */
    static final class CpuClock {
        private static final com.sun.management.OperatingSystemMXBean OS =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        private final Process server;
        private final Duration serverStart;
        private final long clientStart;

        CpuClock(Process server) {
            this.server = server;
            this.serverStart = serverCpu();
            this.clientStart = OS.getProcessCpuTime();
        }

        private Duration serverCpu() {
            return server.info().totalCpuDuration().orElse(Duration.ZERO);
        }

        Phase charge(Phase phase) {
            return phase.withCpu(serverCpu().minus(serverStart), Duration.ofNanos(OS.getProcessCpuTime() - clientStart));
        }
    }

    private static void check(String what, Phase phase) {
        boolean allOk = phase.outcomes().keySet().stream().allMatch(k -> k.equals("200"));
        if (!allOk) {
            System.out.println("  WARNING " + what + ": answers other than 200: " + new TreeMap<>(phase.outcomes()));
        }
        if (phase.ranOut()) {
            System.out.println("  WARNING " + what + ": ran out of pre-generated events before the end");
        }
    }

    // ------------------------------------------------------------------ main

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        if (!Files.isRegularFile(options.jar())) {
            System.err.println("livehook jar not found at " + options.jar() + " (bench/ingest-load builds it)");
            System.exit(2);
        }
        System.out.printf("ingest-load: %d run(s); closed loop %d connections x %d s; open loop %d/s over %d connections"
                        + " x %d s; warm-up %d s; %d CPUs; java %s%n",
                options.runs(), options.concurrency(), options.durationSeconds(), options.rate(),
                options.openConnections(), options.durationSeconds(), options.warmupSeconds(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));

        Path root = Files.createTempDirectory("livehook-bench-");
        ServerStarter livehook = dir -> LivehookProcess.startJar(options.jar().toAbsolutePath(), KEY, SECRET,
                dir.resolve("data"), dir.resolve("livehook.log"), options.serverJvm());
        if (options.soakSeconds() > 0) {
            soak(livehook, options, Files.createDirectories(root.resolve("soak")));
            deleteTree(root);
            return;
        }
        ServerStarter baseline = dir -> {
            int port = LivehookProcess.freePort();
            List<String> command = new ArrayList<>();
            command.add(LivehookProcess.javaBinary());
            command.addAll(options.serverJvm());
            command.addAll(List.of("-cp", options.jar().toAbsolutePath() + java.io.File.pathSeparator
                    + options.testClasses().toAbsolutePath(), BaselineServer.class.getName(), Integer.toString(port)));
            return LivehookProcess.start(command, Map.of(), port, dir.resolve("baseline.log"));
        };

        List<TargetRun> durable = new ArrayList<>();
        List<TargetRun> base = new ArrayList<>();
        for (int run = 1; run <= options.runs(); run++) {
            Path runDir = Files.createDirectories(root.resolve("run-" + run));
            // Alternate which target goes first, so that drift on a shared machine does not favour one.
            List<String> order = run % 2 == 1 ? List.of("livehook", "baseline") : List.of("baseline", "livehook");
            for (String target : order) {
                if (!options.only().equals("both") && !options.only().equals(target)) {
                    continue;
                }
                TargetRun result = target.equals("livehook")
                        ? measure(target, livehook, options, Files.createDirectories(runDir.resolve("livehook")), true)
                        : measure(target, baseline, options, Files.createDirectories(runDir.resolve("baseline")), false);
                (target.equals("livehook") ? durable : base).add(result);
                printRun(run, target, result);
            }
            if (!options.keepData()) {
                deleteTree(runDir.resolve("livehook").resolve("data"));
            }
        }
        printSummary(options, durable, base);
        if (!options.keepData()) {
            deleteTree(root);
        } else {
            System.out.println("data kept in " + root);
        }
    }

    /**
     * Livehook alone under a steady open loop for a long time: does its memory stay flat, does processing keep up,
     * does the ACK tail hold. Requests are made in 30 s slices (the generator's memory), each measured on its own.
     */
    static void soak(ServerStarter starter, Options options, Path workDir) throws Exception {
        try (LivehookProcess server = starter.start(workDir)) {
            server.awaitOk("/readyz", Duration.ofSeconds(30));
            int port = server.port();
            check("soak warm-up", closedLoop(port, generate(Math.max(20_000, options.warmupSeconds() * 5_000)),
                    options.concurrency(), Duration.ofSeconds(options.warmupSeconds()), false));
            drainBacklog(port);
            System.out.println("   s   events/s  ACK p50 ms  p99 ms  p99.9 ms  RSS MB  heap used MB  lag events  load");
            int slice = 30;
            for (int at = slice; at <= options.soakSeconds(); at += slice) {
                Request[] pool = generate(options.rate() * slice);
                Phase phase = openLoop(port, pool, options.openConnections(), options.rate());
                check("soak", phase);
                String metrics = metrics(port);
                System.out.printf(Locale.ROOT, "%4d  %9.0f  %10.2f  %6.2f  %8.2f  %6.0f  %12.0f  %10.0f  %s%n", at,
                        phase.throughput(), phase.percentileMs(0.50), phase.percentileMs(0.99),
                        phase.percentileMs(0.999), residentMb(server.process()),
                        sum(metrics, "jvm_memory_used_bytes{area=\"heap\"") / 1e6,
                        sum(metrics, "livehook_process_lag_events{"), load());
            }
        }
    }

    /** The process's resident set (VmRSS), in MB; NaN where /proc does not tell. */
    private static double residentMb(Process process) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone
        }
        return Double.NaN;
    }

    /** The 1-minute load average, to show how busy the (possibly shared) machine was. */
    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static void printRun(int run, String target, TargetRun r) {
        System.out.printf(Locale.ROOT, "run %d %-8s  closed: %8.0f ev/s  p50 %6.2f  p99 %6.2f  p99.9 %6.2f ms"
                        + "  |  open: %6.0f ev/s  p50 %6.2f  p99 %6.2f  p99.9 %7.2f  max %7.2f ms (service p99 %5.2f)"
                        + "  [server CPU/event %.1f us closed, %.1f us open; load %s]%n",
                run, target, r.closed().throughput(), r.closed().percentileMs(0.50), r.closed().percentileMs(0.99),
                r.closed().percentileMs(0.999), r.open().throughput(), r.open().percentileMs(0.50),
                r.open().percentileMs(0.99), r.open().percentileMs(0.999), r.open().percentileMs(1.0),
                Phase.percentile(r.open().sortedServiceTimes(), 0.99), r.closed().serverCpuMicrosPerEvent(),
                r.open().serverCpuMicrosPerEvent(), load());
        if (!Double.isNaN(r.processing().drainPerSecond()) || !Double.isNaN(r.processing().delayP99Ms())) {
            System.out.printf(Locale.ROOT, "      processing: backlog of %d applied at %.0f ev/s; ACK to applied at %d/s"
                            + " p50 <= %.1f ms, p99 <= %.1f ms%n", r.processing().backlog(), r.processing().drainPerSecond(),
                    r.processing().steadyRate(), r.processing().delayP50Ms(), r.processing().delayP99Ms());
        }
    }

    private static double median(List<TargetRun> runs, java.util.function.ToDoubleFunction<TargetRun> figure) {
        if (runs.isEmpty()) {
            return Double.NaN;
        }
        double[] values = runs.stream().mapToDouble(figure).sorted().toArray();
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    private static void printSummary(Options o, List<TargetRun> durable, List<TargetRun> base) {
        record Row(String label, java.util.function.ToDoubleFunction<TargetRun> figure, String format) {}
        List<Row> rows = List.of(
                new Row("closed loop, " + o.concurrency() + " connections: throughput (ev/s)", r -> r.closed().throughput(), "%10.0f"),
                new Row("  ACK latency p50 (ms)", r -> r.closed().percentileMs(0.50), "%10.2f"),
                new Row("  ACK latency p99 (ms)", r -> r.closed().percentileMs(0.99), "%10.2f"),
                new Row("  ACK latency p99.9 (ms)", r -> r.closed().percentileMs(0.999), "%10.2f"),
                new Row("  server CPU per event (us)", r -> r.closed().serverCpuMicrosPerEvent(), "%10.1f"),
                new Row("  load generator CPU per event (us)", r -> r.closed().clientCpuMicrosPerEvent(), "%10.1f"),
                new Row("open loop at " + o.rate() + "/s: achieved (ev/s)", r -> r.open().throughput(), "%10.0f"),
                new Row("  latency from schedule p50 (ms)", r -> r.open().percentileMs(0.50), "%10.2f"),
                new Row("  latency from schedule p99 (ms)", r -> r.open().percentileMs(0.99), "%10.2f"),
                new Row("  latency from schedule p99.9 (ms)", r -> r.open().percentileMs(0.999), "%10.2f"),
                new Row("  latency from schedule max (ms)", r -> r.open().percentileMs(1.0), "%10.2f"),
                new Row("  service time p99 (ms, from actual send)",
                        r -> Phase.percentile(r.open().sortedServiceTimes(), 0.99), "%10.2f"),
                new Row("  server CPU per event (us)", r -> r.open().serverCpuMicrosPerEvent(), "%10.1f"),
                new Row("processing alone: closed loop's backlog (events)", r -> r.processing().backlog(), "%10.0f"),
                new Row("  applied at (ev/s)", r -> r.processing().drainPerSecond(), "%10.0f"),
                new Row("processing at " + o.processingRate() + "/s open loop: ACK to applied p50 (ms, bucket bound)",
                        r -> r.processing().delayP50Ms(), "%10.1f"),
                new Row("  ACK to applied p99 (ms, bucket bound)", r -> r.processing().delayP99Ms(), "%10.1f"));
        int width = rows.stream().map(Row::label).max(Comparator.comparingInt(String::length)).orElseThrow().length();
        String line = "-".repeat(width + 34);
        System.out.println();
        System.out.printf(Locale.ROOT, "medians of %d run(s)%n%s%n%-" + width + "s  %10s  %10s  %8s%n%s%n",
                Math.max(durable.size(), base.size()), line, "", "durable", "baseline", "ratio", line);
        for (Row row : rows) {
            double d = median(durable, row.figure());
            double b = median(base, row.figure());
            String ratio = row.label().contains("throughput") && !Double.isNaN(d) && !Double.isNaN(b)
                    ? String.format(Locale.ROOT, "%7.1f%%", 100 * d / b) : "";
            System.out.printf(Locale.ROOT, "%-" + width + "s  " + row.format() + "  " + row.format() + "  %8s%n",
                    row.label(), d, b, ratio);
        }
        System.out.println(line);
        double ratio = median(durable, r -> r.closed().throughput()) / median(base, r -> r.closed().throughput());
        double p99 = median(durable, r -> r.open().percentileMs(0.99));
        if (!durable.isEmpty() && !base.isEmpty()) {
            System.out.printf(Locale.ROOT, "target durable >= 50%% of baseline throughput: %s (%.1f%%)%n",
                    ratio >= 0.5 ? "met" : "MISSED", 100 * ratio);
        }
        if (!durable.isEmpty()) {
            System.out.printf(Locale.ROOT, "target ACK p99 <= 2 ms at %d/s open loop: %s (%.2f ms)%n", o.rate(),
                    p99 <= 2.0 ? "met" : "MISSED", p99);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
