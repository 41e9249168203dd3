package io.livehook.bench.chaos;

import io.livehook.bench.chaos.Chaos.Result;
import io.livehook.bench.chaos.Chaos.Settings;
import io.livehook.log.EmbeddedLog;
import io.livehook.log.LogFileContents;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The chaos scenarios; each returns its figures and the promises it saw broken. */
final class Scenarios {
    private static final Duration START = Duration.ofSeconds(90);
    private static final Duration CATCH_UP = Duration.ofSeconds(180);
    private static final int SIGKILL_EXIT = 128 + 9;
    private static final int SENDERS = 8;

    private Scenarios() {}

    /**
     * Starts livehook again on the data directory, lets processing catch up, stops it and checks the ledger;
     * returns how long the start took to be ready.
     */
    private static long settleAndCheck(Settings s, Path data, Path output, Ledger ledger, Result result)
            throws Exception {
        long readyMs;
        try (Target last = Target.start(s.jar(), data, output)) {
            long started = System.nanoTime();
            last.awaitReady(START);
            readyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            result.expect(last.awaitProcessed(CATCH_UP), "processing did not catch up with the log");
            result.expect(last.stop() != SIGKILL_EXIT, "a graceful stop was needed, not a kill");
        }
        Ledger.Check check = ledger.check(data);
        result.figure("events sent", ledger.sent.size()).figure("answered 200", check.acked())
                .figure("lost (answered 200, not in the log)", check.lostFromLog())
                .figure("stored twice", check.twiceInLog())
                .figure("not applied", check.notApplied()).figure("applied twice", check.appliedTwice());
        result.expect(check.clean(), "ledger: " + check);
        return readyMs;
    }

    static Result killNine(Settings s) throws Exception {
        Result result = Result.of("kill-9");
        Path dir = s.dir("kill-9");
        Path data = dir.resolve("data");
        Ledger ledger = new Ledger();
        Random random = new Random(20261202);
        List<Long> readyMs = new ArrayList<>();
        for (int run = 1; run <= s.killRuns(); run++) {
            long started = System.nanoTime();
            try (Target target = Target.start(s.jar(), data, dir.resolve("livehook.out"))) {
                target.awaitReady(START);
                readyMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                Senders senders = Senders.start(ledger, target, SENDERS, "k" + run + "x");
                Thread.sleep(300 + random.nextInt(2_700));
                int exit = target.kill();
                senders.close();
                result.expect(exit == SIGKILL_EXIT, "run " + run + ": exit " + exit + " is not a SIGKILL's");
            }
        }
        result.figure("kill -9 runs", s.killRuns())
                .figure("start to ready after a kill (median)", median(readyMs) + " ms");
        settleAndCheck(s, data, dir.resolve("livehook.out"), ledger, result);
        return result;
    }

    static Result sigterm(Settings s) throws Exception {
        Result result = Result.of("sigterm");
        Path dir = s.dir("sigterm");
        Path data = dir.resolve("data");
        Ledger ledger = new Ledger();
        Map<String, Integer> afterSignal = new TreeMap<>();
        List<Long> stopMs = new ArrayList<>();
        for (int run = 1; run <= s.sigtermRuns(); run++) {
            try (Target target = Target.start(s.jar(), data, dir.resolve("livehook.out"))) {
                target.awaitReady(START);
                Senders senders = Senders.start(ledger, target, SENDERS, "t" + run + "x");
                Thread.sleep(3_000);
                senders.takeAnswers();
                long signalled = System.nanoTime();
                target.process.process().destroy();
                Integer exit = target.awaitExit(Duration.ofSeconds(60));
                stopMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled));
                senders.close();
                senders.takeAnswers().forEach((k, v) -> afterSignal.merge(k, v, Integer::sum));
                result.expect(exit != null && exit != SIGKILL_EXIT, "run " + run + ": no graceful stop (" + exit + ")");
            }
        }
        result.figure("SIGTERM runs", s.sigtermRuns())
                .figure("answers to requests sent after SIGTERM", afterSignal)
                .figure("SIGTERM to exit (median)", median(stopMs) + " ms");
        settleAndCheck(s, data, dir.resolve("livehook.out"), ledger, result);
        return result;
    }

    static Result tornTail(Settings s) throws Exception {
        Result result = Result.of("torn-tail");
        Path dir = s.dir("torn-tail");
        Path data = dir.resolve("data");
        Ledger ledger = new Ledger();
        try (Target target = Target.start(s.jar(), data, dir.resolve("livehook.out"))) {
            target.awaitReady(START);
            Senders senders = Senders.start(ledger, target, SENDERS, "tt");
            Thread.sleep(2_000);
            target.kill();
            senders.close();
        }
        // What a crash in the middle of a commit leaves: its first bytes, never synced, never answered.
        int torn = LogFileContents.appendTornCommit(data.resolve(EmbeddedLog.FILE));
        result.figure("torn bytes appended", torn);
        long readyMs = settleAndCheck(s, data, dir.resolve("livehook.out"), ledger, result);
        result.figure("start to ready with a torn tail", readyMs + " ms");
        try (Stream<Path> files = Files.list(data)) {
            result.expect(files.anyMatch(f -> f.getFileName().toString().startsWith(EmbeddedLog.FILE + ".torn-")),
                    "the torn tail was not moved aside");
        }
        return result;
    }

    static Result flippedByte(Settings s) throws Exception {
        Result result = Result.of("flipped-byte");
        Path dir = s.dir("flipped-byte");
        Path data = dir.resolve("data");
        Path output = dir.resolve("livehook.out");
        Ledger ledger = new Ledger();
        try (Target target = Target.start(s.jar(), data, output)) {
            target.awaitReady(START);
            Senders senders = Senders.start(ledger, target, SENDERS, "fb");
            Thread.sleep(2_000);
            senders.close();
            result.expect(target.awaitProcessed(CATCH_UP), "processing did not catch up before the damage");
            target.stop();
        }
        Path log = data.resolve(EmbeddedLog.FILE);
        long damagedAt = Files.size(log) / 2;
        try (FileChannel file = FileChannel.open(log, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            file.read(one, damagedAt);
            one.put(0, (byte) (one.get(0) ^ 0x5a)).rewind();
            file.write(one, damagedAt);
        }
        Set<String> before = new HashSet<>(ledger.acked);

        try (Target refused = Target.start(s.jar(), data, dir.resolve("refused.out"))) {
            Integer exit = refused.awaitExit(START);
            String said = String.join("\n", refused.outputLines());
            result.expect(exit != null && exit != 0, "livehook started on a log damaged in the middle");
            result.expect(said.contains("is damaged at byte") && said.contains("livehook log salvage"),
                    "the refusal does not say where and what to do: " + said);
            result.figure("start on the damaged log", exit == null ? "still running" : "exit " + exit);
        }
        Target.Ran check = Target.run(s.jar(), dir.resolve("check.out"), "log", "check", "--data-dir", data.toString());
        result.expect(check.exit() == 4, "log check exit " + check.exit() + ", not 4: " + check.output());
        Target.Ran salvage = Target.run(s.jar(), dir.resolve("salvage.out"), "log", "salvage", "--data-dir",
                data.toString());
        result.expect(salvage.exit() == 0, "log salvage exit " + salvage.exit() + ": " + salvage.output());
        Matcher lostPositions = Pattern.compile("(\\d+) position\\(s\\) lay in the damaged bytes").matcher(salvage.output());
        int lost = lostPositions.find() ? Integer.parseInt(lostPositions.group(1)) : 0;

        try (Target target = Target.start(s.jar(), data, output)) {
            target.awaitReady(START);
            Senders senders = Senders.start(ledger, target, SENDERS, "fa");
            Thread.sleep(2_000);
            senders.close();
            result.expect(target.awaitProcessed(CATCH_UP), "processing did not catch up after the salvage");
            target.stop();
        }
        Set<String> after = new HashSet<>(ledger.acked);
        after.removeAll(before);
        Ledger.Check later = ledger.check(data, after);
        Ledger.Check earlier = ledger.check(data, before);
        result.figure("damaged byte at", damagedAt).figure("log check exit", check.exit())
                .figure("positions in the damaged bytes (salvage)", lost)
                .figure("events answered 200 before the damage", before.size())
                .figure("of them in the damaged bytes", earlier.lostFromLog())
                .figure("events answered 200 after the salvage", after.size())
                .figure("of them not applied", later.notApplied());
        result.expect(later.clean(), "events after the salvage: " + later);
        result.expect(earlier.lostFromLog() <= lost, "more events lost than positions in the damaged bytes: "
                + earlier.lostFromLog() + " > " + lost);
        result.expect(earlier.twiceInLog() == 0 && earlier.appliedTwice() == 0, "stored or applied twice: " + earlier);
        return result;
    }

    static Result diskFull(Settings s) throws Exception {
        if (!isRoot()) {
            return Result.skip("disk-full", "needs root to mount a small tmpfs (run bench/chaos as root)");
        }
        Result result = Result.of("disk-full");
        Path dir = s.dir("disk-full");
        Path mount = Files.createDirectories(dir.resolve("tmpfs"));
        if (command("mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", mount.toString()) != 0) {
            return Result.skip("disk-full", "could not mount a tmpfs at " + mount);
        }
        Path data = mount.resolve("data");
        Path output = dir.resolve("livehook.out");
        Ledger ledger = new Ledger();
        String token = "chaos-api-token-0123456789abcdef0123";
        try {
            try (Target target = Target.start(s.jar(), data, output, 0, Map.of("LIVEHOOK_API_TOKEN", token))) {
                target.awaitReady(START);
                Senders senders = Senders.start(ledger, target, 4, "df");
                Thread.sleep(1_000);
                Path filler = mount.resolve("filler");
                long filled = fill(filler);
                long full = System.nanoTime();
                Duration notReady = target.awaitStatus("/readyz", 503, Duration.ofSeconds(30));
                result.expect(notReady != null, "/readyz did not answer 503 while the disk was full");
                int before503 = senders.answered("503");
                Thread.sleep(3_000);
                int answered503 = senders.answered("503") - before503;
                result.expect(answered503 > 0, "no 503 while the disk was full");
                Files.delete(filler);
                long freed = System.nanoTime();
                Duration ready = target.awaitStatus("/readyz", 200, Duration.ofSeconds(60));
                result.expect(ready != null, "/readyz did not come back once there was space again");
                int acked = ledger.acked.size();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (ledger.acked.size() == acked && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                result.expect(ledger.acked.size() > acked, "no event answered 200 once there was space again");
                long ackAgainMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - freed);
                senders.close();
                result.expect(target.awaitProcessed(CATCH_UP), "processing did not catch up after the disk filled");
                // The state file was on the full disk too: processing dead-letters what it cannot write, and says so;
                // once there is space, a retry applies them.
                List<String> dead = target.openDeadLetters(token);
                if (!dead.isEmpty()) {
                    target.retryDeadLetters(token, dead);
                    long retryDeadline = System.nanoTime() + CATCH_UP.toNanos();
                    while (!target.openDeadLetters(token).isEmpty() && System.nanoTime() < retryDeadline) {
                        Thread.sleep(200);
                    }
                }
                result.figure("dead-lettered while the state could not be written, applied after a retry", dead.size());
                result.expect(target.openDeadLetters(token).isEmpty(), "dead letters still open after a retry");
                target.stop();
                long lines = target.outputLines().stream().filter(l -> l.contains("answering 503")).count();
                result.figure("filler written", filled / 1024 + " KiB")
                        .figure("full to /readyz 503", notReady == null ? "never" : notReady.toMillis() + " ms")
                        .figure("503 answers in 3 s of a full disk", answered503)
                        .figure("log lines about them", lines)
                        .figure("space again to /readyz 200", ready == null ? "never" : ready.toMillis() + " ms")
                        .figure("space again to the next 200", ackAgainMs + " ms")
                        .figure("full for", TimeUnit.NANOSECONDS.toMillis(freed - full) + " ms");
                result.expect(lines <= 40, lines + " log lines about 503s: no budget");
            }
            Ledger.Check check = ledger.check(data);
            result.figure("answered 200", check.acked()).figure("lost", check.lostFromLog())
                    .figure("stored twice", check.twiceInLog()).figure("applied twice", check.appliedTwice());
            result.expect(check.clean(), "ledger: " + check);
        } finally {
            if (command("umount", mount.toString()) != 0) {
                command("umount", "-l", mount.toString());
            }
        }
        return result;
    }

    /** Writes until the file system is full; how much was written. */
    private static long fill(Path filler) throws IOException {
        long written = 0;
        try (FileChannel out = FileChannel.open(filler, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (int chunk = 1 << 20; chunk >= 512; chunk /= 2) {
                ByteBuffer zeros = ByteBuffer.allocate(chunk);
                try {
                    while (true) {
                        zeros.clear();
                        written += out.write(zeros);
                    }
                } catch (IOException full) {
                    // next, smaller chunks: fill to the last block
                }
            }
        }
        return written;
    }

    static Result connectionFlood(Settings s) throws Exception {
        Result result = Result.of("connection-flood");
        Path dir = s.dir("connection-flood");
        int openFiles = 512;
        try (Target target = Target.start(s.jar(), dir.resolve("data"), dir.resolve("livehook.out"), openFiles, Map.of())) {
            target.awaitReady(START);
            double maxConnections = target.metric("livehook_server_connections_max");
            List<Socket> held = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicInteger connected = new AtomicInteger();
            AtomicBoolean flooding = new AtomicBoolean(true);
            target.statusKeptAlive("/healthz", Duration.ofSeconds(2)); // a connection kept alive from before the flood
            int probes = 0;
            int probesOk = 0;
            int keptAliveOk = 0;
            try (ExecutorService attackers = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < s.floodConnections(); i++) {
                    boolean slow = i % 5 == 0;
                    attackers.submit(() -> attack(target.port(), slow, flooding, held, connected));
                }
                long until = System.nanoTime() + s.flood().toNanos();
                while (System.nanoTime() < until) {
                    probes++;
                    probesOk += target.status("/healthz", Duration.ofSeconds(1)) == 200 ? 1 : 0;
                    keptAliveOk += target.statusKeptAlive("/healthz", Duration.ofSeconds(1)) == 200 ? 1 : 0;
                    Thread.sleep(250);
                }
                flooding.set(false);
                synchronized (held) {
                    for (Socket socket : held) {
                        closeQuietly(socket);
                    }
                }
                attackers.shutdownNow();
            }
            Duration healthy = target.awaitStatus("/healthz", 200, Duration.ofSeconds(60));
            boolean alive = target.process.process().isAlive();
            Ledger ledger = new Ledger();
            long webhookStart = System.nanoTime();
            Senders senders = Senders.start(ledger, target, 1, "cf");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (ledger.acked.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            senders.close();
            String out = String.join("\n", target.outputLines());
            result.figure("open-file limit of the child", openFiles)
                    .figure("connections it takes at once", (long) maxConnections)
                    .figure("flood", s.floodConnections() + " connections (a fifth sending a header byte a second) for "
                            + s.flood().toSeconds() + " s")
                    .figure("connected by the kernel", connected.get())
                    .figure("health probes during the flood, new connections", probesOk + " of " + probes)
                    .figure("health probes during the flood, a kept-alive connection", keptAliveOk + " of " + probes)
                    .figure("flood over to /healthz 200", healthy == null ? "never" : healthy.toMillis() + " ms")
                    .figure("then a webhook answered 200", ledger.acked.isEmpty() ? "never"
                            : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - webhookStart) + " ms")
                    .figure("connections closed by deadlines", (long) target.metric(
                            "livehook_server_connections_timed_out_total"));
            result.expect(alive, "the process died");
            result.expect(healthy != null && healthy.toSeconds() < 10, "not answering within seconds after the flood");
            result.expect(!ledger.acked.isEmpty(), "no webhook accepted after the flood");
            result.expect(!out.contains("terminating now"), "the listener stopped: " + out.lines()
                    .filter(l -> l.contains("terminating now")).findFirst().orElse(""));
            result.expect(!out.contains("Too many open files"), "the child ran out of file descriptors");
        }
        return result;
    }

    private static void attack(int port, boolean slow, AtomicBoolean flooding, List<Socket> held,
            AtomicInteger connected) {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 3_000);
            connected.incrementAndGet();
            held.add(socket);
            OutputStream out = socket.getOutputStream();
            out.write("POST /webhook HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            while (flooding.get()) {
                if (slow) {
                    out.write('X');
                    out.flush();
                }
                Thread.sleep(1_000);
            }
        } catch (IOException | InterruptedException e) {
            // cut off by the server, or the flood is over
        } finally {
            closeQuietly(socket);
        }
    }

    static Result forgedTokens(Settings s) throws Exception {
        Result result = Result.of("forged-tokens");
        Path dir = s.dir("forged-tokens");
        List<Webhooks.Category> categories = Webhooks.forgeries();
        Map<String, AtomicInteger> statuses = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> acceptedBy = new ConcurrentHashMap<>();
        AtomicInteger leaky = new AtomicInteger();
        AtomicInteger sent = new AtomicInteger();
        try (Target target = Target.start(s.jar(), dir.resolve("data"), dir.resolve("livehook.out"))) {
            target.awaitReady(START);
            int linesBefore = target.outputLines().size();
            long start = System.nanoTime();
            int threads = 16;
            // The client is closed after the pool, which waits for its tasks.
            try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                    ExecutorService pool = Executors.newFixedThreadPool(threads)) {
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    pool.submit(() -> {
                        for (int i = thread; i < s.forgedRequests(); i += threads) {
                            Webhooks.Category category = categories.get(i % categories.size());
                            Webhooks.Forged forged = category.forge().apply("EV_forged" + i);
                            HttpRequest.Builder request = HttpRequest.newBuilder(target.uri("/webhook"))
                                    .timeout(Duration.ofSeconds(10))
                                    .header("Content-Type", "application/webhook+json")
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(forged.body()));
                            if (forged.authorization() != null) {
                                request.header("Authorization", forged.authorization());
                            }
                            try {
                                HttpResponse<String> response = http.send(request.build(),
                                        HttpResponse.BodyHandlers.ofString());
                                statuses.computeIfAbsent(Integer.toString(response.statusCode()),
                                        k -> new AtomicInteger()).incrementAndGet();
                                if (response.statusCode() < 400) {
                                    acceptedBy.computeIfAbsent(category.name(), k -> new AtomicInteger())
                                            .incrementAndGet();
                                }
                                if (response.body().contains("Exception") || response.body().contains("\tat ")) {
                                    leaky.incrementAndGet();
                                }
                            } catch (IOException e) {
                                statuses.computeIfAbsent("error", k -> new AtomicInteger()).incrementAndGet();
                            }
                            sent.incrementAndGet();
                        }
                        return null;
                    });
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            int linesAfter = target.outputLines().size();
            Ledger ledger = new Ledger();
            Senders genuine = Senders.start(ledger, target, 1, "fg");
            Thread.sleep(500);
            genuine.close();
            result.figure("forged requests", sent.get()).figure("categories", categories.size())
                    .figure("answers", new TreeMap<>(statuses)).figure("accepted", acceptedBy)
                    .figure("answers with a stack trace or exception", leaky.get())
                    .figure("rate", String.format("%.0f requests/s", sent.get() / seconds))
                    .figure("log lines written", linesAfter - linesBefore)
                    .figure("genuine webhooks answered 200 afterwards", ledger.acked.size());
            result.expect(acceptedBy.isEmpty(), "forged requests accepted: " + acceptedBy);
            result.expect(leaky.get() == 0, leaky.get() + " answers showed an exception");
            result.expect(!ledger.acked.isEmpty(), "a genuine webhook was not accepted afterwards");
            target.stop();
        }
        return result;
    }

    static Result halfHeaders(Settings s) throws Exception {
        Result result = Result.of("half-headers");
        Path dir = s.dir("half-headers");
        try (Target target = Target.start(s.jar(), dir.resolve("data"), dir.resolve("livehook.out"))) {
            target.awaitReady(START);
            int linesBefore = target.outputLines().size();
            AtomicInteger dropped = new AtomicInteger();
            long start = System.nanoTime();
            try (ExecutorService peers = Executors.newFixedThreadPool(64)) {
                for (int i = 0; i < s.halfSentRequests(); i++) {
                    boolean reset = i % 2 == 0;
                    peers.submit(() -> {
                        try (Socket socket = new Socket("127.0.0.1", target.port())) {
                            if (reset) {
                                socket.setSoLinger(true, 0); // close with a reset instead of a FIN
                            }
                            socket.getOutputStream().write(("POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                    + "Content-Type: application/webh").getBytes(StandardCharsets.US_ASCII));
                            socket.getOutputStream().flush();
                            Thread.sleep(5);
                            dropped.incrementAndGet();
                        } catch (IOException | InterruptedException e) {
                            // refused or cut: it still counts against the server
                        }
                        return null;
                    });
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Duration healthy = target.awaitStatus("/healthz", 200, Duration.ofSeconds(30));
            Thread.sleep(2_000); // let whatever they cause reach the log
            List<String> lines = target.outputLines();
            List<String> added = lines.subList(Math.min(linesBefore, lines.size()), lines.size());
            long traces = added.stream().filter(l -> l.startsWith("\tat ") || l.startsWith("Caused by")).count();
            long bytes = added.stream().mapToLong(l -> l.length() + 1).sum();
            result.figure("connections dropped half-way through their headers", dropped.get())
                    .figure("in", String.format("%.1f s", seconds))
                    .figure("log lines written", added.size() + " (" + bytes + " bytes)")
                    .figure("stack trace lines", traces)
                    .figure("then /healthz 200 after", healthy == null ? "never" : healthy.toMillis() + " ms");
            result.expect(traces == 0, "stack traces in the log: " + traces + " lines");
            result.expect(added.size() <= 20, added.size() + " log lines for dropped connections: no budget");
            result.expect(healthy != null, "not answering afterwards");
            target.stop();
        }
        return result;
    }

    private static boolean isRoot() {
        try {
            Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
            String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            return id.waitFor() == 0 && uid.equals("0");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int command(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        return p.waitFor(60, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already gone
        }
    }

    private static long median(List<Long> values) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
