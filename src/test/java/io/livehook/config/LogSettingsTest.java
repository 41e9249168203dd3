package io.livehook.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LogSettingsTest {

    @Test
    void defaultsToTextAtInfo() {
        assertThat(LogSettings.fromEnv(Map.of())).isEqualTo(new LogSettings("text", "INFO"));
        assertThat(LogSettings.fromEnv(Map.of("LIVEHOOK_LOG_FORMAT", " ", "LIVEHOOK_LOG_LEVEL", "")))
                .isEqualTo(new LogSettings("text", "INFO"));
    }

    @Test
    void acceptsTheKnownValuesInAnyCase() {
        assertThat(LogSettings.fromEnv(Map.of("LIVEHOOK_LOG_FORMAT", "JSON", "LIVEHOOK_LOG_LEVEL", "debug")))
                .isEqualTo(new LogSettings("json", "DEBUG"));
        for (String level : LogSettings.LEVELS) {
            assertThat(LogSettings.fromEnv(Map.of("LIVEHOOK_LOG_LEVEL", level)).level()).isEqualTo(level);
        }
    }

    @Test
    void aTypoStopsWithTheSettingAndTheAllowedValues() {
        assertThatThrownBy(() -> LogSettings.fromEnv(Map.of("LIVEHOOK_LOG_FORMAT", "xml")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("LIVEHOOK_LOG_FORMAT must be one of text, json (default text), got \"xml\"");
        assertThatThrownBy(() -> LogSettings.fromEnv(Map.of("LIVEHOOK_LOG_FORMAT", "jsno")))
                .hasMessageContaining("LIVEHOOK_LOG_FORMAT");
        assertThatThrownBy(() -> LogSettings.fromEnv(Map.of("LIVEHOOK_LOG_LEVEL", "verbose")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("LIVEHOOK_LOG_LEVEL must be one of TRACE, DEBUG, INFO, WARN, ERROR, OFF (default INFO), "
                        + "got \"verbose\"");
    }
}
