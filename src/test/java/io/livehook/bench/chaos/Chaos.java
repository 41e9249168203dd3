package io.livehook.bench.chaos;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The chaos suite: the packaged livehook as a child process on 127.0.0.1, killed, stopped, torn, damaged,
 * starved of disk and file descriptors, and fed forged and half-sent requests; each scenario prints its figures
 * and what it found wrong. Not a test: {@code bench/chaos} runs the full suite, {@link ChaosIT} a short one in
 * {@code ./mvnw verify}.
 *
 * <pre>java -cp target/test-classes:target/livehook.jar io.livehook.bench.chaos.Chaos [--short] [--only a,b]</pre>
 */
public final class Chaos {
    private Chaos() {}

    /** How much of everything: {@code full} for the benchmark, short for verify. */
    record Settings(Path jar, Path work, boolean full) {
        int killRuns() {
            return full ? 20 : 2;
        }

        int sigtermRuns() {
            return full ? 5 : 1;
        }

        int forgedRequests() {
            return full ? 100_050 : 4_600;
        }

        int floodConnections() {
            return full ? 4_000 : 1_200;
        }

        Duration flood() {
            return full ? Duration.ofSeconds(15) : Duration.ofSeconds(6);
        }

        int halfSentRequests() {
            return full ? 5_000 : 1_000;
        }

        Path dir(String scenario) throws java.io.IOException {
            return Files.createDirectories(work.resolve(scenario));
        }
    }

    /** One scenario's outcome: its figures in order, what broke a promise, or why it did not run. */
    record Result(String scenario, Map<String, Object> figures, List<String> problems, String skipped) {
        static Result of(String scenario) {
            return new Result(scenario, new LinkedHashMap<>(), new ArrayList<>(), null);
        }

        static Result skip(String scenario, String why) {
            return new Result(scenario, Map.of(), List.of(), why);
        }

        Result figure(String name, Object value) {
            figures.put(name, value);
            return this;
        }

        Result problem(String what) {
            problems.add(what);
            return this;
        }

        /** Adds a problem unless {@code holds}. */
        Result expect(boolean holds, String what) {
            return holds ? this : problem(what);
        }

        @Override
        public String toString() {
            if (skipped != null) {
                return String.format("%-15s SKIPPED: %s", scenario, skipped);
            }
            StringBuilder line = new StringBuilder(String.format("%-15s %s", scenario, problems.isEmpty() ? "ok" : "FAILED"));
            figures.forEach((k, v) -> line.append("\n    ").append(k).append(": ").append(v));
            problems.forEach(p -> line.append("\n    PROBLEM: ").append(p));
            return line.toString();
        }
    }

    @FunctionalInterface
    interface Scenario {
        Result run(Settings settings) throws Exception;
    }

    static final Map<String, Scenario> SCENARIOS = scenarios();

    private static Map<String, Scenario> scenarios() {
        Map<String, Scenario> all = new LinkedHashMap<>();
        all.put("kill-9", Scenarios::killNine);
        all.put("sigterm", Scenarios::sigterm);
        all.put("torn-tail", Scenarios::tornTail);
        all.put("flipped-byte", Scenarios::flippedByte);
        all.put("disk-full", Scenarios::diskFull);
        all.put("connection-flood", Scenarios::connectionFlood);
        all.put("forged-tokens", Scenarios::forgedTokens);
        all.put("half-headers", Scenarios::halfHeaders);
        return all;
    }

    /** Runs the named scenarios (all when empty) one after the other, printing each result as it comes. */
    static List<Result> run(Settings settings, List<String> only) {
        List<Result> results = new ArrayList<>();
        for (Map.Entry<String, Scenario> scenario : SCENARIOS.entrySet()) {
            if (!only.isEmpty() && !only.contains(scenario.getKey())) {
                continue;
            }
            long start = System.nanoTime();
            Result result;
            try {
                result = scenario.getValue().run(settings);
            } catch (Exception e) {
                result = Result.of(scenario.getKey()).problem("the scenario itself failed: " + e);
            }
            if (result.skipped() == null) {
                result.figure("took", String.format("%.1f s", (System.nanoTime() - start) / 1e9));
            }
            System.out.println(result);
            System.out.flush();
            results.add(result);
        }
        return results;
    }

    public static void main(String[] args) throws Exception {
        boolean full = true;
        List<String> only = new ArrayList<>();
        Path jar = Path.of("target", "livehook.jar");
        Path work = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--short" -> full = false;
                case "--only" -> only.addAll(List.of(args[++i].split(",")));
                case "--jar" -> jar = Path.of(args[++i]);
                case "--work" -> work = Path.of(args[++i]);
                case "-h", "--help" -> {
                    System.out.println("chaos [--short] [--only " + String.join(",", SCENARIOS.keySet())
                            + "] [--jar target/livehook.jar] [--work dir]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (see --help)");
            }
        }
        if (work == null) {
            work = Files.createTempDirectory("livehook-chaos");
        }
        System.out.println("chaos suite (" + (full ? "full" : "short") + ") against " + jar.toAbsolutePath()
                + ", work in " + work);
        List<Result> results = run(new Settings(jar.toAbsolutePath(), work, full), only);
        long failed = results.stream().filter(r -> !r.problems().isEmpty()).count();
        System.out.println(failed == 0 ? "all promises held" : failed + " scenario(s) broke a promise");
        System.exit(failed == 0 ? 0 : 1);
    }
}
