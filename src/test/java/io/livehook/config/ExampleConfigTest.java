package io.livehook.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ops/livehook.example.yaml is a valid configuration, with its switched-off settings ("#setting: value")
 * switched on too, and it shows every setting ConfigLoader accepts and every environment variable it reads:
 * a new setting without its example fails here.
 */
class ExampleConfigTest {
    private static final Path EXAMPLE = Path.of("ops/livehook.example.yaml");
    private static final Path LOADER_SOURCE = Path.of("src/main/java/io/livehook/config/ConfigLoader.java");
    /** "#key: value", "#  key: value" or "#- key: value": a setting line behind a '#' (prose never starts so). */
    private static final Pattern SWITCHED_OFF = Pattern.compile("(?m)^([ \\t]*)#(?=[ \\t]*(?:- )?[A-Za-z0-9_]+:(?:[ \\t]|$))");
    private static final Pattern ENV_NAME = Pattern.compile("\"(LIVE(?:KIT|HOOK)_[A-Z_]+)\"");
    private static final Map<String, String> SECRETS = Map.of(
            "APP_WEBHOOK_SECRET", "app-secret",
            "BILLING_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

    @TempDir
    Path tmp;

    @Test
    void asShippedIsValidAndItsValuesAreTheDefaults() throws Exception {
        LivehookConfig example = new ConfigLoader(Map.of("LIVEKIT_API_KEY", "APIk", "LIVEKIT_API_SECRET", "s"))
                .load(Optional.of(EXAMPLE), false);
        LivehookConfig defaults = new ConfigLoader(Map.of()).load(Optional.empty(), true);

        assertThat(example.server()).isEqualTo(defaults.server());
        assertThat(example.livekit().leeway()).isEqualTo(defaults.livekit().leeway());
        assertThat(example.reconcile()).isEqualTo(defaults.reconcile());
        assertThat(example.process()).isEqualTo(defaults.process());
        assertThat(example.storage().dataDir()).isEqualTo(Path.of("/var/lib/livehook"));
        assertThat(example.destinations()).isEmpty();
    }

    @Test
    void withEverySettingSwitchedOnIsValidAndShowsEverySettingConfigLoaderAccepts() throws Exception {
        Path everything = Files.writeString(tmp.resolve("everything.yaml"), switchedOn());

        LivehookConfig config = new ConfigLoader(SECRETS).load(Optional.of(everything), false);
        assertThat(config.destinations()).hasSize(4);
        assertThat(config.livekit().url()).isPresent();
        assertThat(config.livekit().keys().keyIds()).contains("APIxxxxxxxxxxxx", "APIold", "APInew");

        JsonNode tree = new ObjectMapper(new YAMLFactory()).readTree(everything.toFile());
        Set<String> missing = new TreeSet<>();
        for (String setting : ConfigLoader.settingPaths()) {
            if (!present(tree, setting)) {
                missing.add(setting);
            }
        }
        assertThat(ConfigLoader.settingPaths()).contains("server.port", "destinations[].signing.secret_env");
        assertThat(missing).as("settings ConfigLoader accepts that %s does not show", EXAMPLE).isEmpty();
    }

    @Test
    void namesEveryEnvironmentVariableConfigLoaderReads() throws Exception {
        Set<String> names = new TreeSet<>();
        Matcher matcher = ENV_NAME.matcher(Files.readString(LOADER_SOURCE));
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        assertThat(names).contains("LIVEKIT_API_KEY", "LIVEHOOK_PORT", "LIVEHOOK_PROCESS_NICE");
        String example = Files.readString(EXAMPLE);
        assertThat(names).allSatisfy(name -> assertThat(example).as("%s mentions %s", EXAMPLE, name).contains(name));
    }

    private static String switchedOn() throws Exception {
        return SWITCHED_OFF.matcher(Files.readString(EXAMPLE)).replaceAll("$1");
    }

    /** Whether the dotted path exists; {@code name[]} means "in any element of the list name". */
    private static boolean present(JsonNode node, String path) {
        int dot = path.indexOf('.');
        String head = dot < 0 ? path : path.substring(0, dot);
        String rest = dot < 0 ? null : path.substring(dot + 1);
        if (head.endsWith("[]")) {
            JsonNode list = node.get(head.substring(0, head.length() - 2));
            if (list == null || !list.isArray()) {
                return false;
            }
            for (JsonNode element : list) {
                if (rest == null || present(element, rest)) {
                    return true;
                }
            }
            return false;
        }
        JsonNode child = node.get(head);
        return child != null && (rest == null || present(child, rest));
    }
}
