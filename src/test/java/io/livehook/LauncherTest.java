package io.livehook;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./livehook} launcher, run for real against fake JDKs: each fake {@code java} records how it was
 * called instead of starting a JVM, and a fake {@code mvnw} records the build. The PATH holds nothing but the
 * few tools the launcher may use and a fake Java 17, as on a machine whose default {@code java} is too old.
 */
class LauncherTest {
    private static final Path LAUNCHER = Path.of("livehook");
    private static final List<String> TOOLS = List.of("sh", "dirname", "sed", "head", "find", "cat");

    @TempDir
    Path tmp;

    private Path repo;
    private Path jdks;
    private Path pathBin;
    private Path record;
    private Path buildRecord;

    @BeforeEach
    void layOut() throws Exception {
        repo = Files.createDirectories(tmp.resolve("repo"));
        Files.copy(LAUNCHER, repo.resolve("livehook"));
        executable(repo.resolve("livehook"));
        Files.writeString(repo.resolve("pom.xml"), "<project/>\n");
        Path source = Files.createDirectories(repo.resolve("src/main/java/io/livehook")).resolve("Livehook.java");
        Files.writeString(source, "class Livehook {}\n");
        Files.createDirectories(repo.resolve("target"));
        record = tmp.resolve("java-ran");
        buildRecord = tmp.resolve("mvnw-ran");
        script(repo.resolve("mvnw"), """
                #!/bin/sh
                { printf 'JAVA_HOME=%s\\n' "$JAVA_HOME"; printf 'MAVEN_OPTS=%s\\n' "$MAVEN_OPTS"; printf '%s\\n' "$@"; } > "$FAKE_BUILD_RECORD"
                : > "$(dirname "$0")/target/livehook.jar"
                """);
        Files.writeString(repo.resolve("target/livehook.jar"), "jar");
        age(repo.resolve("pom.xml"), 3600);
        age(source, 3600);

        jdks = Files.createDirectories(tmp.resolve("jdks"));
        fakeJdk(jdks.resolve("jdk-17"), "17.0.10", true, true);
        fakeJdk(jdks.resolve("jdk-21"), "21.0.5", false, true);
        fakeJdk(jdks.resolve("jdk-25"), "25.0.1", true, true);

        pathBin = Files.createDirectories(tmp.resolve("bin"));
        for (String tool : TOOLS) {
            Files.createSymbolicLink(pathBin.resolve(tool), which(tool));
        }
        Path pathJdk = fakeJdk(tmp.resolve("default-java"), "17.0.15", false, true);
        Files.createSymbolicLink(pathBin.resolve("java"), pathJdk.resolve("bin/java"));
    }

    @Test
    void runsTheNewestJdkOfTheSearchRootsWhenThePathHasJava17AndJavaHomeIsUnset() throws Exception {
        Run run = launch(env(), "serve", "--dev");

        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(ran()).containsExactly(jdks.resolve("jdk-25/bin/java").toString(),
                "-Xmx256m", "-XX:+ExitOnOutOfMemoryError", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-jar", repo.resolve("target/livehook.jar").toString(),
                "serve", "--dev");
        assertThat(buildRecord).as("the jar is newer than the sources: no build").doesNotExist();
    }

    @Test
    void javaHomeComesFirstAndAJdkOlderThan24GetsNoUnsafeOption() throws Exception {
        Map<String, String> env = env();
        env.put("JAVA_HOME", jdks.resolve("jdk-21").toString());

        Run run = launch(env, "--version");

        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(ran()).first().isEqualTo(jdks.resolve("jdk-21/bin/java").toString());
        assertThat(ran()).contains("-XX:+ExitOnOutOfMemoryError").noneMatch(a -> a.startsWith("--sun-misc-unsafe"));
    }

    @Test
    void aJavaHomeOlderThan21IsPassedOver() throws Exception {
        Map<String, String> env = env();
        env.put("JAVA_HOME", jdks.resolve("jdk-17").toString());

        Run run = launch(env, "--version");

        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(ran()).first().isEqualTo(jdks.resolve("jdk-25/bin/java").toString());
    }

    @Test
    void withoutAnyJdk21ItSaysWhatToInstallAndFails() throws Exception {
        Map<String, String> env = env();
        env.put("LIVEHOOK_JDK_SEARCH", jdks.resolve("jdk-1*") + ":" + tmp.resolve("nowhere/*"));

        Run run = launch(env, "serve", "--dev");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.stderr()).contains("needs a Java Development Kit (JDK) 21 or newer",
                "java on the PATH: " + tmp.resolve("default-java") + " is Java 17",
                jdks.resolve("jdk-17") + " is Java 17", "JAVA_HOME: not set",
                "sudo apt-get install openjdk-21-jdk-headless", "brew install --cask temurin@21",
                "sdk install java", "JAVA_HOME=/path/to/jdk");
        assertThat(record).as("nothing ran").doesNotExist();
    }

    @Test
    void livehookJavaOptsComeAfterLivehooksOwnSoTheyWin() throws Exception {
        Map<String, String> env = env();
        env.put("LIVEHOOK_JAVA_OPTS", "-Xmx1g -Dlivehook.extra=1");

        Run run = launch(env, "serve");

        assertThat(run.exit()).as(run.stderr()).isZero();
        List<String> args = ran();
        assertThat(args.indexOf("-Xmx1g")).isGreaterThan(args.indexOf("-Xmx256m"));
        assertThat(args.subList(args.indexOf("-Xmx1g"), args.size()))
                .startsWith("-Xmx1g", "-Dlivehook.extra=1", "-jar");
    }

    @Test
    void buildsWithTheJdkWhenASourceIsNewerThanTheJar() throws Exception {
        Path newer = Files.writeString(repo.resolve("src/main/java/io/livehook/New.java"), "class New {}\n");
        age(repo.resolve("target/livehook.jar"), 60);
        age(newer, 0);

        Run run = launch(env(), "serve");

        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(run.stderr()).contains("building target/livehook.jar with Java 25");
        assertThat(Files.readAllLines(buildRecord)).containsExactly("JAVA_HOME=" + jdks.resolve("jdk-25"),
                "MAVEN_OPTS=--sun-misc-unsafe-memory-access=allow", "-q", "-B", "package", "-DskipTests");
        assertThat(ran()).first().isEqualTo(jdks.resolve("jdk-25/bin/java").toString());
    }

    @Test
    void buildsWhenTheJarIsMissingOrOlderThanThePom() throws Exception {
        Files.delete(repo.resolve("target/livehook.jar"));
        assertThat(launch(env(), "--version").exit()).isZero();
        assertThat(buildRecord).exists();

        Files.delete(buildRecord);
        age(repo.resolve("target/livehook.jar"), 60);
        age(repo.resolve("pom.xml"), 0);
        assertThat(launch(env(), "--version").exit()).isZero();
        assertThat(buildRecord).exists();

        Files.delete(buildRecord);
        assertThat(launch(env(), "--version").exit()).isZero();
        assertThat(buildRecord).as("built once, up to date since").doesNotExist();
    }

    @Test
    void aBuildNeedsACompilerSoARuntimeAloneIsPassedOver() throws Exception {
        fakeJdk(jdks.resolve("jre-26"), "26", true, false);
        Files.delete(repo.resolve("target/livehook.jar"));

        Run run = launch(env(), "serve");

        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(Files.readAllLines(buildRecord)).first().isEqualTo("JAVA_HOME=" + jdks.resolve("jdk-25"));

        // With the jar built, the newest runtime is good enough to run it.
        Files.delete(buildRecord);
        assertThat(launch(env(), "serve").exit()).isZero();
        assertThat(ran()).first().isEqualTo(jdks.resolve("jre-26/bin/java").toString());
        assertThat(buildRecord).doesNotExist();
    }

    @Test
    void testRunsMavenVerifyWithTheJdkAndPassesArgumentsOn() throws Exception {
        Run run = launch(env(), "test", "-Pimage", "-Dtest=FooTest");

        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(Files.readAllLines(buildRecord)).containsExactly("JAVA_HOME=" + jdks.resolve("jdk-25"),
                "MAVEN_OPTS=--sun-misc-unsafe-memory-access=allow", "-B", "verify", "-Pimage", "-Dtest=FooTest");
        assertThat(record).as("tests do not run livehook itself").doesNotExist();
    }

    @Test
    void printsTheJvmOptionsForTheChosenJdk() throws Exception {
        Map<String, String> env = env();
        env.put("LIVEHOOK_LAUNCHER", "jvm-options");
        env.put("JAVA_HOME", jdks.resolve("jdk-21").toString());

        Run run = launch(env);

        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(run.stdout().lines()).containsExactly("-Xmx256m", "-XX:+ExitOnOutOfMemoryError",
                "--enable-native-access=ALL-UNNAMED");
    }

    @Test
    void printsTheHomeOfTheNewestJdkWithACompilerForTheBenchmarks() throws Exception {
        fakeJdk(jdks.resolve("jre-26"), "26", true, false);
        Map<String, String> env = env();
        env.put("LIVEHOOK_LAUNCHER", "jdk-home");

        Run run = launch(env);

        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(run.stdout().lines()).containsExactly(jdks.resolve("jdk-25").toString());
        assertThat(buildRecord).as("nothing built").doesNotExist();
    }

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", pathBin.toString());
        env.put("HOME", tmp.resolve("home").toString());
        env.put("LIVEHOOK_JDK_SEARCH", jdks + "/*");
        env.put("FAKE_JAVA_RECORD", record.toString());
        env.put("FAKE_BUILD_RECORD", buildRecord.toString());
        return env;
    }

    private record Run(int exit, String stdout, String stderr) {}

    private Run launch(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(repo.resolve("livehook").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(tmp.toFile());
        builder.environment().clear();
        builder.environment().putAll(env);
        Path out = tmp.resolve("stdout");
        Path err = tmp.resolve("stderr");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** The command line the fake java was run with: its own path, then its arguments. */
    private List<String> ran() throws IOException {
        assertThat(record).as("a java ran").exists();
        return Files.readAllLines(record);
    }

    /**
     * A JDK home whose java answers -version (and -XshowSettings) like the real one and otherwise records its
     * command line. With {@code releaseFile} its version is also in a release file, as in real JDKs.
     */
    private static Path fakeJdk(Path home, String version, boolean releaseFile, boolean compiler) throws IOException {
        Path bin = Files.createDirectories(home.resolve("bin"));
        script(bin.resolve("java"), """
                #!/bin/sh
                for arg in "$@"; do
                  if [ "$arg" = -version ]; then
                    printf 'openjdk version "%s" 2025-01-21\\n' '@VERSION@' >&2
                    printf '    java.home = %s\\n' '@HOME@' >&2
                    exit 0
                  fi
                done
                printf '%s\\n' "$0" "$@" > "$FAKE_JAVA_RECORD"
                """.replace("@VERSION@", version).replace("@HOME@", home.toString()));
        if (compiler) {
            script(bin.resolve("javac"), "#!/bin/sh\nexit 0\n");
        }
        if (releaseFile) {
            Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"Fake\"\nJAVA_VERSION=\"" + version + "\"\n");
        }
        return home;
    }

    private static void script(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
        executable(file);
    }

    private static void executable(Path file) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static void age(Path file, long secondsAgo) throws IOException {
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(secondsAgo)));
    }

    private static Path which(String tool) {
        for (String dir : System.getenv("PATH").split(":")) {
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException(tool + " is not on the PATH");
    }
}
