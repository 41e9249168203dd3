package io.livehook.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.livehook.testing.LivehookFixture;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * The dashboard in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}; nothing is
 * downloaded) against a real livehook fed the {@link Story}: log in with the token (a wrong one refused), the
 * rooms page, a room's timeline with both participants' bars and the anomaly marker, an event down to its raw
 * body and key id, retrying a dead letter, the health sparklines, the deliveries page with its replay and
 * retries, timeline axes from seconds to months, logging out. Hostile names must stay text.
 * Screenshots go to {@code target/screenshots/}.
 *
 * <p>Without Chromium the class is skipped with a loud message, unless {@code LIVEHOOK_REQUIRE_BROWSER=1}
 * (CI), which makes a missing browser a failure.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {
    static final String TOKEN = "browser-test-token-5f1c-a9b8c7d6e5f4";
    static final Path CHROMIUM = Path.of(System.getProperty("livehook.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("livehook.chromedriver", "/usr/bin/chromedriver"));
    static final Path SCREENSHOTS = Path.of(System.getProperty("basedir", "."), "target", "screenshots");
    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dataDir;
    @TempDir
    static Path profileDir;
    static Story story;
    static ChromeDriver driver;
    static ChromeDriverService service;

    /** Why the browser tests cannot run here (null: they can). */
    static String missing;

    @BeforeAll
    static void start() throws InterruptedException, IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            missing = "Chromium (" + CHROMIUM + ") or chromedriver (" + CHROMEDRIVER + ") is not installed: "
                    + "the dashboard browser tests cannot run. Install them with "
                    + "'apt-get install -y chromium chromium-driver'.";
            if ("1".equals(System.getenv("LIVEHOOK_REQUIRE_BROWSER"))) {
                fail(missing + " LIVEHOOK_REQUIRE_BROWSER=1 makes this a failure.");
            }
            String bar = "#".repeat(100);
            System.err.println(bar + "\n### SKIP: " + missing + "\n" + bar);
            return;
        }
        Files.createDirectories(SCREENSHOTS);
        story = Story.start(dataDir, TOKEN, false).tell().tellSpans();

        // Debian's binaries only: Selenium Manager is skipped when the service names the driver; were it ever
        // run, it gets the SE_* system properties as its environment, and SE_OFFLINE keeps it from downloading.
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        System.setProperty("SE_OFFLINE", "true");
        service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(SCREENSHOTS.resolve("chromedriver.log").toFile())
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1400,1000", "--user-data-dir=" + profileDir);
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(WAIT);
    }

    @AfterAll
    static void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (service != null) {
            service.stop();
        }
        if (story != null) {
            story.close();
        }
    }

    /** Every test is reported skipped without a browser; each judges only its own console messages. */
    @BeforeEach
    void browserOrSkip() {
        Assumptions.assumeTrue(missing == null, () -> "SKIPPED: " + missing);
        driver.manage().logs().get(LogType.BROWSER);
    }

    // -- helpers ----------------------------------------------------------------------------------------

    static void open(String path) {
        driver.get(story.base() + path);
    }

    /** Polls until {@code check} gives a non-null, non-false value. */
    static <T> T await(String what, Supplier<T> check) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                T value = check.get();
                if (value != null && !Boolean.FALSE.equals(value)) {
                    return value;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
        throw new AssertionError("timed out waiting for " + what + " (at " + driver.getCurrentUrl() + ")", last);
    }

    static WebElement find(String css) {
        return await(css, () -> driver.findElement(By.cssSelector(css)));
    }

    static Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** The whole page, not just the window, as target/screenshots/{name}.png. */
    static void screenshot(String name) throws IOException {
        long height = (Long) js("return Math.ceil(document.documentElement.scrollHeight)");
        driver.manage().window().setSize(new Dimension(1400, (int) Math.min(Math.max(height + 140, 600), 4000)));
        File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        driver.manage().window().setSize(new Dimension(1400, 1000));
    }

    /** The page ran without a script error or a Content-Security-Policy refusal. */
    static void assertCleanConsole() {
        List<LogEntry> severe = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
        assertThat(severe).as("browser console errors").isEmpty();
    }

    static void assertNoInjectedMarkup() {
        assertThatThrownBy(() -> driver.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
        assertThat(js("return document.querySelectorAll('script:not([src])').length")).isEqualTo(0L);
        assertThat(js("return document.images.length")).as("no <img> got into the page").isEqualTo(0L);
        assertThat(js("return document.querySelectorAll('[onerror],[onload],[onclick],[onmouseover]').length"))
                .isEqualTo(0L);
    }

    // -- the story in the browser -----------------------------------------------------------------------

    @Test
    @Order(1)
    void aWrongTokenIsRefused() throws IOException {
        open("/dashboard");
        await("the login page", () -> driver.getCurrentUrl().contains("/dashboard/login?next=%2Fdashboard"));
        find("#token").sendKeys("not-the-token");
        find("#login-submit").click();
        WebElement error = find("#login-error");
        assertThat(error.getText()).contains("not livehook's API token");
        assertThat(driver.getPageSource()).doesNotContain("not-the-token");
        assertThat(driver.manage().getCookieNamed("livehook_session")).isNull();
        screenshot("login-refused");
        open("/dashboard/rooms/RM_sync");
        await("sent back to log in", () -> driver.getCurrentUrl().contains("/dashboard/login"));
        assertThat(driver.getPageSource()).doesNotContain("weekly-sync");
    }

    @Test
    @Order(2)
    void loggingInShowsTheRooms() throws IOException {
        open("/dashboard/login");
        find("#token").sendKeys(TOKEN);
        find("#login-submit").click();
        WebElement active = find("#active-rooms tr[data-room='RM_sync']");
        assertThat(driver.getCurrentUrl()).endsWith("/dashboard");
        assertThat(active.getText()).contains("weekly-sync").contains("RM_sync");
        assertThat(active.findElement(By.cssSelector("td.strong")).getText()).as("participants now").isEqualTo("2");
        assertThat(find("#finished-rooms tr[data-room='RM_retro']").getText()).contains("retro");

        Cookie cookie = driver.manage().getCookieNamed("livehook_session");
        assertThat(cookie).isNotNull();
        assertThat(cookie.isHttpOnly()).isTrue();
        assertThat(cookie.getSameSite()).isEqualTo("Strict");
        assertThat(cookie.getValue()).doesNotContain(TOKEN);
        assertThat(js("return document.cookie")).as("invisible to scripts").isEqualTo("");
        assertCleanConsole();
        screenshot("rooms");
    }

    @Test
    @Order(3)
    void theRoomTimelineShowsBothParticipantsTheInferredStartAndTheAnomaly() throws IOException {
        open("/dashboard");
        find("#active-rooms tr[data-room='RM_sync'] a.room-link").click();
        await("the room page", () -> driver.getCurrentUrl().endsWith("/dashboard/rooms/RM_sync"));

        for (String sid : List.of("PA_alice", "PA_bob")) {
            WebElement bar = find("svg#timeline g.bar.session[data-session='" + sid + "'] rect.bar-body");
            assertThat(bar.isDisplayed()).as(sid).isTrue();
            assertThat(bar.getRect().getWidth()).as(sid + " bar width").isGreaterThan(20);
            assertThat(bar.getCssValue("fill")).as("styled by the bundled CSS").isEqualTo("rgb(59, 125, 216)");
        }
        WebElement alice = find("svg#timeline g.bar.session[data-session='PA_alice'] rect.bar-body");
        WebElement bob = find("svg#timeline g.bar.session[data-session='PA_bob'] rect.bar-body");
        assertThat(bob.getRect().getWidth()).as("bob left long before alice").isLessThan(alice.getRect().getWidth());

        WebElement carol = find("svg#timeline g.bar.session[data-session='PA_carol']");
        assertThat(carol.getAttribute("data-start")).isEqualTo("inferred");
        assertThat(carol.findElement(By.cssSelector("rect.inferred-end")).isDisplayed()).as("hatched start").isTrue();

        WebElement anomaly = find("svg#timeline g.anomaly[data-kind='track_from_unknown_participant']");
        assertThat(anomaly.findElement(By.cssSelector("path.anomaly-marker")).isDisplayed()).isTrue();
        WebElement label = anomaly.findElement(By.cssSelector("text.anomaly-label"));
        assertThat(label.isDisplayed()).isTrue();
        assertThat(label.getText()).isEqualTo("track_from_unknown_participant");
        assertThat(find("#anomalies tr[data-kind='track_from_unknown_participant']").getText()).contains("carol");

        // bob's hostile display name is text, nothing more
        assertThat(find("#sessions tr[data-session='PA_bob'] td.participant-name").getText())
                .isEqualTo(Story.HOSTILE_NAME);
        assertNoInjectedMarkup();
        assertCleanConsole();
        screenshot("room-timeline");

        // a finished room: dave never left, room_finished ended him: the end is hatched and marked
        open("/dashboard/rooms/RM_retro");
        WebElement dave = find("svg#timeline g.bar.session[data-session='PA_dave']");
        assertThat(dave.getAttribute("data-end")).isEqualTo("inferred");
        assertThat(dave.findElement(By.cssSelector("rect.inferred-end")).isDisplayed()).isTrue();
        assertThat(find("svg#timeline g.anomaly[data-kind='session_ended_by_room_finished'] text").getText())
                .isEqualTo("session_ended_by_room_finished");
        assertCleanConsole();
        screenshot("room-finished-timeline");
    }

    @Test
    @Order(4)
    void clickingAnEventShowsItsRawBodyAndTheKeyThatVerifiedIt() throws IOException {
        open("/dashboard/rooms/RM_sync");
        find("#events tr[data-event='EV_pc'] a.event-link").click();
        await("the event page", () -> driver.getCurrentUrl().endsWith("/dashboard/events/EV_pc"));
        assertThat(js("return document.getElementById('raw-body').textContent")).isEqualTo(story.bodies.get("EV_pc"));
        assertThat(find("#key-id").getText()).isEqualTo(LivehookFixture.API_KEY);
        assertThat(find("#verification").getText()).contains("Verified with key " + LivehookFixture.API_KEY)
                .contains("received");
        assertThat(find("#processing").getText()).contains("applied");
        assertThat(driver.getPageSource()).contains("track_from_unknown_participant");
        assertCleanConsole();
        screenshot("event");

        // a click anywhere on a row opens its event too; a hostile body shows as its exact text
        open("/dashboard/rooms/RM_sync");
        find("#events tr[data-event='EV_jb'] td.num").click();
        await("bob's join", () -> driver.getCurrentUrl().endsWith("/dashboard/events/EV_jb"));
        assertThat(js("return document.getElementById('raw-body').textContent")).isEqualTo(story.bodies.get("EV_jb"));
        assertNoInjectedMarkup();
    }

    @Test
    @Order(5)
    void retryingADeadLetterRequeuesIt() throws IOException {
        JsonNode before = story.api("/api/dead-letters/EV_bad");
        assertThat(before.get("attempts").asInt()).isEqualTo(1);
        assertThat(before.get("status").asText()).isEqualTo("open");

        open("/dashboard");
        find("header.top nav a[href='/dashboard/dead-letters']").click();
        WebElement row = find("#dead-letters tr[data-event='EV_bad']");
        assertThat(row.getAttribute("data-status")).isEqualTo("open");
        assertThat(row.findElement(By.cssSelector("td.attempts")).getText()).isEqualTo("1");
        assertThat(row.getText()).contains("participant_joined").contains("weekly-sync");
        assertThat(find("#quarantine").getText()).contains("body is not valid JSON");
        screenshot("dead-letters");

        row.findElement(By.cssSelector("button[data-retry='EV_bad']")).click();
        await("the retry to fail again", () -> "2".equals(
                driver.findElement(By.cssSelector("#dead-letters tr[data-event='EV_bad'] td.attempts")).getText()));
        assertThat(find("#flash").getText()).contains("EV_bad failed again (attempt 2)");

        JsonNode after = story.api("/api/dead-letters/EV_bad");
        assertThat(after.get("attempts").asInt()).isEqualTo(2);
        assertThat(after.get("status").asText()).isEqualTo("open");
        assertThat(after.get("last_failed_ms").asLong()).isGreaterThanOrEqualTo(before.get("last_failed_ms").asLong());
        assertCleanConsole();
        screenshot("dead-letters-after-retry");
    }

    @Test
    @Order(6)
    void healthDrawsTheSampledLastHour() throws IOException, InterruptedException {
        for (int i = 0; i < 3; i++) {
            story.livehook.history().sample();
            Thread.sleep(50);
        }
        open("/dashboard/health");
        await("eight charts", () -> driver.findElements(By.cssSelector("#charts .chart")).size() == 8);
        WebElement ingest = find("#charts .chart[data-chart^='Webhooks answered']");
        assertThat(ingest.findElements(By.cssSelector("polyline, circle"))).isNotEmpty();
        assertThat(ingest.getText()).contains("appended").contains("quarantined");
        assertThat(find("#charts .chart[data-chart^='Dead letters']").getText()).contains("dead letters 1");
        assertThat(find("#now-figures").getText()).contains("dead letters");
        assertCleanConsole();
        screenshot("health");
    }

    @Test
    @Order(7)
    void theDeliveriesPageShowsTheBacklogTheOpenCircuitAndReplays() throws IOException {
        open("/dashboard");
        find("header.top nav a[href='/dashboard/deliveries']").click();
        WebElement crm = find("#destinations tr[data-destination='crm']");
        long waiting = story.fixture.deliveryStore().count("crm", "pending");
        assertThat(waiting).isGreaterThan(20);
        assertThat(crm.getAttribute("data-circuit")).isEqualTo("open");
        assertThat(crm.findElement(By.cssSelector("td.circuit")).getText()).contains("open").contains("next try in");
        assertThat(crm.findElement(By.cssSelector("td.pending")).getText()).isEqualTo(Long.toString(waiting));
        assertThat(crm.findElement(By.cssSelector("td.oldest")).getText()).matches("\\d+[smh].*");
        assertThat(crm.findElement(By.cssSelector("td.error")).getText()).containsIgnoringCase("connect");
        WebElement audit = find("#destinations tr[data-destination='audit']");
        assertThat(audit.findElement(By.cssSelector("td.dead")).getText()).isEqualTo("6");
        assertThat(audit.getText()).contains("HTTP 400");
        assertCleanConsole();
        screenshot("deliveries");

        long delivered = story.fixture.deliveryStore().count("app", "delivered");
        WebElement app = find("#destinations tr[data-destination='app']");
        new org.openqa.selenium.support.ui.Select(app.findElement(By.cssSelector("select[data-replay-range]")))
                .selectByVisibleText("last 24 hours");
        app.findElement(By.cssSelector("button[data-replay='app']")).click();
        String flash = await("the replay's answer", () -> {
            String text = driver.findElement(By.id("flash")).getText();
            return text.isEmpty() ? null : text;
        });
        assertThat(flash).matches(delivered + " replay deliveries queued for app \\(events of the last 24 hours\\)\\.");
        await("the replays delivered",
                () -> story.fixture.deliveryStore().count("app", "delivered") == 2 * delivered);
        assertThat(story.app.requests().get(story.app.requests().size() - 1).header("Livehook-Replay")).isEqualTo("1");
        assertCleanConsole();
    }

    @Test
    @Order(8)
    void aDeadDeliveryIsRetriedFromTheDeadLettersPage_andTheRestFromTheDeliveriesPage() throws IOException {
        story.auditRefuses.set(false); // the receiver is fixed
        open("/dashboard/dead-letters");
        WebElement row = find("#delivery-dead-letters tr[data-destination='audit'][data-event='EV_rf3']");
        assertThat(row.getText()).contains(Story.HOSTILE_ROOM).contains("room_finished").contains("HTTP 400");
        assertThat(driver.findElements(By.cssSelector("#delivery-dead-letters tbody tr"))).hasSize(6);
        assertNoInjectedMarkup();
        screenshot("dead-deliveries");

        row.findElement(By.cssSelector("button[data-retry-delivery='EV_rf3']")).click();
        await("delivered on retry", () -> "delivered".equals(driver.findElement(By.cssSelector(
                "#delivery-dead-letters tr[data-event='EV_rf3']")).getAttribute("data-status")));
        assertThat(find("#flash").getText()).isEqualTo("EV_rf3 to audit delivered on retry.");
        assertThat(story.audit.accepted()).contains("EV_rf3");
        assertThat(story.fixture.deliveryStore().deliveries("audit", "EV_rf3").get(0).status()).isEqualTo("delivered");
        screenshot("dead-deliveries-after-retry");

        open("/dashboard/deliveries");
        WebElement audit = find("#destinations tr[data-destination='audit']");
        assertThat(audit.findElement(By.cssSelector("td.dead")).getText()).isEqualTo("5");
        audit.findElement(By.cssSelector("button[data-retry-destination='audit']")).click();
        await("the retry's answer", () -> driver.findElement(By.id("flash")).getText()
                .equals("5 dead deliveries to audit back to pending."));
        assertThat(find("#destinations tr[data-destination='audit'] td.dead").getText()).isEqualTo("0");
        await("all of audit's delivered", () -> story.fixture.deliveryStore().count("audit", "delivered") == 6);
        assertCleanConsole();
    }

    @Test
    @Order(9)
    void theTimelineAxisStaysReadableFromSecondsToMonths() throws IOException {
        for (var room : List.of("RM_span_s", "RM_span_h", "RM_span_d", "RM_span_m", "RM_sync")) {
            open("/dashboard/rooms/" + room);
            find("svg#timeline g.axis");
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> labels = (List<Map<String, Object>>) js("""
                    const svg = document.getElementById('timeline').getBoundingClientRect();
                    return Array.from(document.querySelectorAll('svg#timeline g.axis text')).map(function (t) {
                      const r = t.getBoundingClientRect();
                      return {text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom,
                              inside: r.left >= svg.left && r.right <= svg.right};
                    });""");
            List<Map<String, Object>> ticks = labels.stream().filter(l -> !"now".equals(l.get("text"))).toList();
            assertThat(ticks).as(room + " tick labels").hasSizeBetween(3, 20);
            for (int i = 0; i < labels.size(); i++) {
                Map<String, Object> a = labels.get(i);
                assertThat(a.get("inside")).as(room + " " + a.get("text") + " inside the drawing").isEqualTo(true);
                for (int j = i + 1; j < labels.size(); j++) {
                    Map<String, Object> b = labels.get(j);
                    boolean apart = number(a, "right") <= number(b, "left") || number(b, "right") <= number(a, "left")
                            || number(a, "bottom") <= number(b, "top") || number(b, "bottom") <= number(a, "top");
                    assertThat(apart).as(room + ": \"" + a.get("text") + "\" and \"" + b.get("text") + "\" overlap")
                            .isTrue();
                }
            }
            String first = (String) ticks.get(0).get("text");
            switch (room) {
                case "RM_span_s" -> assertThat(first).matches("[A-Z][a-z]{2} \\d+ \\d\\d:\\d\\d:\\d\\d");
                case "RM_span_h" -> assertThat(first).matches("[A-Z][a-z]{2} \\d+( \\d\\d:\\d\\d)?");
                case "RM_span_d" -> assertThat(ticks).anySatisfy(t -> assertThat((String) t.get("text"))
                        .matches("[A-Z][a-z]{2} \\d+"));
                case "RM_span_m" -> {
                    assertThat(driver.findElements(By.cssSelector("svg#timeline g.axis-break"))).as("squeezed weeks")
                            .hasSizeGreaterThanOrEqualTo(2);
                    // each busy day is wide enough to see its sessions as bars
                    for (int i = 0; i < 4; i++) {
                        assertThat(find("svg#timeline g.bar.session[data-session='PA_RM_span_m_" + i + "'] rect.bar-body")
                                .getRect().getWidth()).as("session " + i).isGreaterThan(8);
                    }
                }
                default -> { }
            }
            assertCleanConsole();
            screenshot("axis-" + (room.equals("RM_sync") ? "active-room" : Story.SPANS.get(room).replace(' ', '-')));
        }
    }

    private static double number(Map<String, Object> map, String key) {
        return ((Number) map.get(key)).doubleValue();
    }

    @Test
    @Order(20)
    void loggingOutEndsTheSession() {
        open("/dashboard");
        find("form.logout button").click();
        await("the login page", () -> driver.getCurrentUrl().contains("/dashboard/login"));
        assertThat(driver.manage().getCookieNamed("livehook_session")).isNull();
        open("/dashboard/dead-letters");
        await("sent back to log in", () -> driver.getCurrentUrl().contains("/dashboard/login"));
    }
}
