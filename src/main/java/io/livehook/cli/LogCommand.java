package io.livehook.cli;

import io.livehook.config.ConfigException;
import io.livehook.config.ConfigLoader;
import io.livehook.log.DataDirLock;
import io.livehook.log.EmbeddedLog;
import io.livehook.log.LogCheck;
import io.livehook.log.LogSalvage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code livehook log check|salvage}: the event log file of a data directory, with the service stopped. */
@Command(name = "log", description = "Check the event log file for damage, or salvage a damaged one (stop the service first).",
        mixinStandardHelpOptions = true, subcommands = {LogCommand.Check.class, LogCommand.Salvage.class})
final class LogCommand {
    static final int INTACT = 0;
    static final int FAILED = 1;
    static final int CONFIG = 2;
    static final int TORN_TAIL = 3;
    static final int DAMAGED = 4;

    abstract static class OnDataDir implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, description = "YAML configuration file (environment variables override it).")
        Path config;

        @Option(names = "--data-dir", description = "The data directory (default: from the configuration).")
        Path dataDir;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            Path dir;
            try {
                dir = dataDir != null ? dataDir
                        : new ConfigLoader(System.getenv()).load(Optional.ofNullable(config), true).storage().dataDir();
            } catch (ConfigException e) {
                err.println("livehook: " + e.getMessage());
                return CONFIG;
            }
            Path file = dir.resolve(EmbeddedLog.FILE);
            if (!Files.isRegularFile(file)) {
                err.println("livehook: no event log file at " + file.toAbsolutePath());
                return FAILED;
            }
            try (DataDirLock lock = DataDirLock.acquire(dir, purpose())) {
                int exit = run(file, spec.commandLine().getOut());
                spec.commandLine().getOut().flush();
                return exit;
            } catch (IllegalStateException | IOException e) {
                err.println("livehook: " + e.getMessage());
                return FAILED;
            }
        }

        abstract String purpose();

        abstract int run(Path file, PrintWriter out) throws IOException;
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Read the whole event log and report damage. Exit code: 0 intact, 3 a torn tail (a write "
                    + "cut short by a crash, which the next start moves aside), 4 damaged where answered events were "
                    + "(the start refuses: run `livehook log salvage`), 1 cannot check.")
    static final class Check extends OnDataDir {
        @Override
        String purpose() {
            return "checking its log";
        }

        @Override
        int run(Path file, PrintWriter out) throws IOException {
            LogCheck.Report report = LogCheck.check(file);
            describe(report, out);
            return switch (report.verdict()) {
                case INTACT -> INTACT;
                case TORN_TAIL -> TORN_TAIL;
                case DAMAGED_IN_THE_MIDDLE -> DAMAGED;
            };
        }
    }

    @Command(name = "salvage", mixinStandardHelpOptions = true,
            description = "Write a new event log with every intact record of the damaged one, in order and at their "
                    + "positions; the original is kept aside as events.log.damaged-<time>. Later events continue after "
                    + "the highest position the old log ever handed out.")
    static final class Salvage extends OnDataDir {
        @Override
        String purpose() {
            return "salvaging its log";
        }

        @Override
        int run(Path file, PrintWriter out) throws IOException {
            LogCheck.Report before = LogCheck.check(file);
            if (before.verdict() == LogCheck.Verdict.INTACT) {
                describe(before, out);
                out.println("nothing to salvage");
                return INTACT;
            }
            LogSalvage.Salvaged salvaged = LogSalvage.salvage(file);
            describe(salvaged.original(), out);
            LogCheck.Report after = LogCheck.check(file);
            out.printf("salvaged: %s now holds %d events (positions %d-%d) and %d quarantined bodies; the next event "
                            + "gets position %d; the original is kept as %s%n", file, after.events(),
                    after.firstPosition(), after.lastPosition(), after.quarantined(), after.highestPosition() + 1,
                    salvaged.keptAside());
            long lost = before.damage().stream().mapToLong(LogCheck.Damage::lostPositions).sum();
            if (lost > 0) {
                out.printf("%d position(s) lay in the damaged bytes: events there that processing had not applied yet "
                        + "are gone (reconciliation corrects rooms from LiveKit's RoomService)%n", lost);
            }
            return after.verdict() == LogCheck.Verdict.INTACT ? INTACT : FAILED;
        }
    }

    static void describe(LogCheck.Report report, PrintWriter out) {
        out.printf("event log %s: %d bytes, %d events%s, %d duplicate markers, %d quarantined bodies%n",
                report.file().toAbsolutePath(), report.bytes(), report.events(),
                report.events() == 0 ? "" : " (positions " + report.firstPosition() + "-" + report.lastPosition() + ")",
                report.duplicates(), report.quarantined());
        for (LogCheck.Damage damage : report.damage()) {
            out.printf("  damaged: bytes %d-%d (%d bytes)%s%n", damage.offset(), damage.offset() + damage.length() - 1,
                    damage.length(), damage.lostPositions() == 0 ? ""
                            : ", " + damage.lostPositions() + " position(s) between the intact events around it");
        }
        out.println(switch (report.verdict()) {
            case INTACT -> "intact";
            case TORN_TAIL -> "torn tail: the last commit was cut short by a crash (never answered 200); the next "
                    + "start moves it aside";
            case DAMAGED_IN_THE_MIDDLE -> "damaged in the middle: " + report.eventsAfterFirstDamage() + " intact events "
                    + "of later commits follow the damage; livehook does not start on this log: run `livehook log "
                    + "salvage`";
        });
    }
}
