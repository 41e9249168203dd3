package io.livehook;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.metrics.Metrics;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The build's identity as Maven wrote it: in --version, the start-up line and livehook_build_info. */
class BuildInfoTest {

    @Test
    void carriesTheProjectVersionTheCommitAndTheBuildTime() {
        BuildInfo build = BuildInfo.current();
        assertThat(build.version()).isEqualTo(System.getProperty("livehook.version")).isNotBlank();
        // A build from a git checkout knows its commit; one from an unpacked source archive does not.
        assertThat(build.commit()).matches("[0-9a-f]{7,40}(-dirty)?|unknown");
        assertThat(Instant.parse(build.time())).isBefore(Instant.now().plusSeconds(1));
        assertThat(build.describe()).isEqualTo("livehook " + build.version() + " (commit " + build.commit()
                + ", built " + build.time() + ")");
    }

    @Test
    void isExposedAsTheBuildInfoGauge() {
        BuildInfo build = BuildInfo.current();
        assertThat(Metrics.prometheus().scrape()).contains("livehook_build_info{commit=\"" + build.commit()
                + "\",version=\"" + build.version() + "\"} 1");
    }
}
