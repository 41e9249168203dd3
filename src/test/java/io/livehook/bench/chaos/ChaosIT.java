package io.livehook.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos suite, short: a few runs of every scenario against the packaged jar (the full one is
 * {@code bench/chaos}). Every event answered 200 survives once, no forged request is accepted, and livehook
 * answers again within seconds of every flood. The disk-full scenario needs root and says SKIPPED without it.
 */
class ChaosIT {
    @TempDir
    Path work;

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void everyPromiseHoldsUnderAShortChaosRun() {
        Path jar = Path.of(System.getProperty("livehook.jar", "target/livehook.jar")).toAbsolutePath();
        assertThat(jar).as("the shaded jar (built by package)").isRegularFile();
        List<Chaos.Result> results = Chaos.run(new Chaos.Settings(jar, work, false), List.of());
        assertThat(results).hasSize(Chaos.SCENARIOS.size());
        assertThat(results).allSatisfy(result -> assertThat(result.problems()).as(result.toString()).isEmpty());
    }
}
