package io.livehook.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.livehook.testing.LivehookFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard and the Prometheus alert rules only use metric names a real livehook exposes (plus
 * the delivery metrics being built), so renaming a metric breaks this test rather than a panel or an alert.
 */
class OpsFilesTest {
    private static final Path DASHBOARD = Path.of("ops/grafana/livehook-dashboard.json");
    private static final Path ALERTS = Path.of("ops/prometheus/livehook-alerts.yml");
    private static final Path RUNBOOK = Path.of("ops/RUNBOOK.md");

    /** Delivery meters, named by the delivery work that is not merged yet. */
    private static final Set<String> DELIVERY = Set.of(
            "livehook_delivery_attempts_total",
            "livehook_delivery_latency_seconds_bucket",
            "livehook_delivery_latency_seconds_count",
            "livehook_delivery_latency_seconds_sum",
            "livehook_delivery_latency_seconds_max",
            "livehook_delivery_backlog",
            "livehook_delivery_backlog_age_seconds",
            "livehook_delivery_circuit_state",
            "livehook_delivery_dead_letters");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+),\\s*\\w+\\)");
    private static final Pattern SUFFIX = Pattern.compile("_(bucket|count|sum|max)$");

    @TempDir
    static Path dataDir;

    private static Set<String> scraped;

    @BeforeAll
    static void scrapeARealLivehook() throws Exception {
        try (LivehookFixture lh = LivehookFixture.in(dataDir).reconcilingNowhere().start()) {
            // One applied and one dead-lettered event, so the meters created on first use exist too.
            lh.postWebhook("""
                    {"id":"EV_ops_1","event":"room_started","room":{"sid":"RM_ops","name":"ops"},"createdAt":"1700000000"}""");
            lh.postWebhook("""
                    {"id":"EV_ops_2","event":"room_started","room":{"sid":"RM_ops2","name":"ops2"},"createdAt":"x"}""");
            lh.awaitCaughtUp();
            Scrape scrape = Scrape.parse(lh.metricsText());
            // GC pause meters appear after the first collection is reported.
            for (int i = 0; i < 50 && !scrape.names().contains("jvm_gc_pause_seconds_count"); i++) {
                System.gc();
                Thread.sleep(100);
                scrape = Scrape.parse(lh.metricsText());
            }
            scraped = scrape.names();
        }
        assertThat(scraped).contains("livehook_process_events_total", "jvm_gc_pause_seconds_count");
    }

    @Test
    void extractsMetricNamesFromPromQl() {
        assertThat(PromQl.metricNames("""
                sum by (le, job) (rate(foo_bucket{a="x y", b=~"$instance", c!="rate(q)"}[$__rate_interval]))
                  / on (job) group_left bar offset 15m > 0.5e3 unless ignoring(x) baz:rec * ${var} and time() > 900"""))
                .containsExactlyInAnyOrder("foo_bucket", "bar", "baz:rec");
    }

    @Test
    void dashboardQueriesOnlyUseMetricsLivehookExposes() throws IOException {
        List<String> exprs = dashboardExprs();
        assertThat(exprs).hasSizeGreaterThan(20);
        Set<String> used = names(exprs);
        assertThat(used).allSatisfy(name -> assertThat(known(name)).as("%s is scraped from livehook or a delivery meter", name).isTrue());
    }

    @Test
    void dashboardShowsEveryLivehookMetric() throws IOException {
        Set<String> usedFamilies = names(dashboardExprs()).stream().map(OpsFilesTest::family).collect(Collectors.toSet());
        Set<String> families = Stream.concat(scraped.stream(), DELIVERY.stream())
                .filter(n -> n.startsWith("livehook_"))
                .map(OpsFilesTest::family)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(usedFamilies).containsAll(families);
    }

    @Test
    void dashboardUsesTheDatasourceVariableEverywhere() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        assertThat(dashboard.path("schemaVersion").asInt()).isBetween(36, 41);
        assertThat(dashboard.path("templating").path("list")).anySatisfy(variable -> {
            assertThat(variable.path("name").asText()).isEqualTo("datasource");
            assertThat(variable.path("type").asText()).isEqualTo("datasource");
            assertThat(variable.path("query").asText()).isEqualTo("prometheus");
        });
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertThat(ids.add(panel.path("id").asInt())).as("panel id %s unique", panel.path("id")).isTrue();
            if (panel.path("type").asText().equals("row")) {
                continue;
            }
            assertThat(panel.path("datasource").path("uid").asText()).as(panel.path("title").asText()).isEqualTo("${datasource}");
            assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty().allSatisfy(target ->
                    assertThat(target.path("datasource").path("uid").asText()).isEqualTo("${datasource}"));
        }
    }

    @Test
    void dashboardQueriesParseAsPromQl() throws Exception {
        // promtool is optional locally (ops/prometheus/check prints a SKIP then); CI has it.
        if (!onPath("promtool")) {
            System.out.println("SKIP dashboardQueriesParseAsPromQl: promtool not on the PATH");
            return;
        }
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        List<String> exprs = dashboardExprs();
        for (int i = 0; i < exprs.size(); i++) {
            String expr = exprs.get(i).replace("$__rate_interval", "5m").replace("$instance", ".*");
            rules.append("      - record: dashboard_").append(i).append("\n        expr: ")
                    .append(new ObjectMapper().writeValueAsString(expr)).append('\n');
        }
        Path file = Files.createTempFile(dataDir, "dashboard-rules", ".yml");
        Files.writeString(file, rules);
        Process promtool = new ProcessBuilder("promtool", "check", "rules", file.toString()).redirectErrorStream(true).start();
        String output = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(promtool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(promtool.exitValue()).as(output).isZero();
    }

    @Test
    void alertRulesOnlyUseMetricsLivehookExposes() throws IOException {
        List<JsonNode> alerts = alerts();
        Set<String> used = names(alerts.stream().map(a -> a.path("expr").asText()).toList());
        assertThat(used).allSatisfy(name -> assertThat(name.equals("up") || known(name))
                .as("%s is scraped from livehook or a delivery meter", name).isTrue());
    }

    @Test
    void everyAlertHasSeveritySummaryDescriptionAndARunbookSection() throws IOException {
        Set<String> anchors = Files.readAllLines(RUNBOOK).stream()
                .filter(line -> line.startsWith("## "))
                .map(line -> line.substring(3).strip().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 -]", "").replace(' ', '-'))
                .collect(Collectors.toSet());
        List<JsonNode> alerts = alerts();
        assertThat(alerts).hasSizeGreaterThanOrEqualTo(10);
        for (JsonNode alert : alerts) {
            String name = alert.path("alert").asText();
            assertThat(alert.path("labels").path("severity").asText()).as(name).isIn("warning", "critical");
            assertThat(alert.path("annotations").path("summary").asText()).as(name).isNotBlank();
            assertThat(alert.path("annotations").path("description").asText()).as(name).isNotBlank();
            String runbook = alert.path("annotations").path("runbook").asText();
            assertThat(runbook).as(name).startsWith("ops/RUNBOOK.md#");
            assertThat(anchors).as("RUNBOOK.md section for %s", name).contains(runbook.substring(runbook.indexOf('#') + 1));
            assertThat(runbook).as(name).endsWith("#" + name.toLowerCase(Locale.ROOT));
        }
    }

    private static boolean known(String name) {
        return scraped.contains(name) || DELIVERY.contains(name);
    }

    private static String family(String name) {
        return SUFFIX.matcher(name).replaceAll("");
    }

    private static Set<String> names(List<String> exprs) {
        Set<String> names = new TreeSet<>();
        exprs.forEach(expr -> names.addAll(PromQl.metricNames(expr)));
        return names;
    }

    private static List<String> dashboardExprs() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        List<String> exprs = new ArrayList<>();
        dashboard.findValues("expr").forEach(expr -> exprs.add(expr.asText()));
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                // Grafana's label_values(selector, label): the selector is PromQL.
                Matcher labelValues = LABEL_VALUES.matcher(variable.path("definition").asText());
                assertThat(labelValues.matches()).as("variable %s", variable.path("name")).isTrue();
                exprs.add(labelValues.group(1));
            }
        }
        return exprs;
    }

    private static List<JsonNode> alerts() throws IOException {
        JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(ALERTS.toFile());
        List<JsonNode> alerts = new ArrayList<>();
        for (JsonNode group : rules.path("groups")) {
            group.path("rules").forEach(alerts::add);
        }
        return alerts;
    }

    private static boolean onPath(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
    }
}
