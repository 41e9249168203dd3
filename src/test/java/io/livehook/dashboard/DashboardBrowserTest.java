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
 * body and key id, retrying a dead letter, the health sparklines, logging out. Hostile names must stay text.
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
        story = Story.start(dataDir, TOKEN, false).tell();

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
    void loggingOutEndsTheSession() {
        open("/dashboard");
        find("form.logout button").click();
        await("the login page", () -> driver.getCurrentUrl().contains("/dashboard/login"));
        assertThat(driver.manage().getCookieNamed("livehook_session")).isNull();
        open("/dashboard/dead-letters");
        await("sent back to log in", () -> driver.getCurrentUrl().contains("/dashboard/login"));
    }
}
