package io.livehook.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code livehook log check}: reads a whole log file, past damage, without changing it, and says what the
 * next start would make of it.
 */
public final class LogCheck {
    private LogCheck() {}

    public enum Verdict {
        /** Every byte is a record. */
        INTACT,
        /** Damage only in the last commit: a write a crash cut short, which the next start moves aside. */
        TORN_TAIL,
        /** Damage where answered events were: the next start refuses; {@code livehook log salvage} repairs. */
        DAMAGED_IN_THE_MIDDLE
    }

    /**
     * A stretch of bytes that holds no intact record. {@code lostPositions} is how many positions lie between
     * the intact events either side of it: events that were in it, or positions a crash left unused.
     */
    public record Damage(long offset, long length, long lostPositions) {}

    /**
     * What the file holds. {@code events} counts the intact events, including those after damage;
     * {@code highestPosition} is the highest ever handed out, which the next event continues after.
     */
    public record Report(Path file, long bytes, long events, long firstPosition, long lastPosition, long duplicates,
            long quarantined, long highestPosition, List<Damage> damage, long eventsAfterFirstDamage, Verdict verdict) {}

    public static Report check(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            LogScan.checkHeader(channel);
            Survey survey = new Survey(null);
            LogScan.Classifier classifier = new LogScan.Classifier(survey, true);
            LogScan.walk(channel, channel.size(), classifier);
            survey.finish();
            LogScan.FirstDamage first = classifier.firstDamage();
            Verdict verdict = !first.present() ? Verdict.INTACT
                    : first.inTheMiddle() ? Verdict.DAMAGED_IN_THE_MIDDLE : Verdict.TORN_TAIL;
            return new Report(file, channel.size(), survey.events, survey.firstPosition, survey.head, survey.duplicates,
                    survey.quarantined, Math.max(survey.head, survey.highestCommitted), List.copyOf(survey.damage),
                    survey.eventsAfterFirstDamage, verdict);
        }
    }

    /** Where a survey puts each record it keeps. */
    interface Sink {
        void keep(long offset, LogFile.Entry entry) throws IOException;
    }

    /**
     * Keeps every intact record that follows the ones kept before it (the rule the start applies), across
     * damage, and counts what it keeps; salvage passes a sink that copies them.
     */
    static final class Survey implements LogScan.Visitor {
        private final Sink sink;
        final List<Damage> damage = new ArrayList<>();
        long events;
        long firstPosition;
        long head;
        long duplicates;
        long quarantined;
        long highestCommitted;
        long eventsAfterFirstDamage;
        private long damageOpenSince = -1;
        private long damageOpenLength;
        private long headBeforeDamage;

        Survey(Sink sink) {
            this.sink = sink;
        }

        @Override
        public LogScan.Verdict record(long offset, LogFile.Entry entry) throws IOException {
            if (!LogScan.follows(entry, head)) {
                return LogScan.Verdict.REJECT;
            }
            switch (entry.kind()) {
                case LogFile.EVENT -> {
                    closeDamage(entry.position());
                    events++;
                    eventsAfterFirstDamage += damage.isEmpty() && damageOpenSince < 0 ? 0 : 1;
                    firstPosition = firstPosition == 0 ? entry.position() : firstPosition;
                    head = entry.position();
                }
                case LogFile.DUPLICATE -> duplicates++;
                case LogFile.QUARANTINE -> quarantined++;
                default -> highestCommitted = Math.max(highestCommitted, entry.position());
            }
            if (sink != null) {
                sink.keep(offset, entry);
            }
            return LogScan.Verdict.KEEP;
        }

        @Override
        public void damaged(long offset, long length) {
            if (damageOpenSince >= 0 && damageOpenSince + damageOpenLength == offset) {
                damageOpenLength += length; // a record rejected right after damage: one stretch
                return;
            }
            closeDamage(head + 1);
            damageOpenSince = offset;
            damageOpenLength = length;
            headBeforeDamage = head;
        }

        /** Ends an open stretch of damage at the next intact event, whose position says how many were lost. */
        private void closeDamage(long nextPosition) {
            if (damageOpenSince >= 0) {
                damage.add(new Damage(damageOpenSince, damageOpenLength, Math.max(0, nextPosition - headBeforeDamage - 1)));
                damageOpenSince = -1;
            }
        }

        void finish() {
            closeDamage(Math.max(head, highestCommitted) + 1);
        }
    }
}
