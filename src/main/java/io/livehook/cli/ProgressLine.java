package io.livehook.cli;

import io.livehook.simulate.Simulation;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Function;

/**
 * One line of progress for long work, redrawn in place every second, on a terminal only: piped or redirected
 * (a log file, CI) the output holds nothing but the final report. Lines printed through {@link #println}
 * appear above the progress line.
 */
final class ProgressLine implements AutoCloseable {
    private static final Duration EVERY = Duration.ofSeconds(1);
    private static final String CLEAR_LINE = "\r\u001b[K";

    private final PrintWriter out;
    private final Function<Duration, String> status;
    private final long started = System.nanoTime();
    private final Thread painter;
    private String shown = "";

    private ProgressLine(PrintWriter out, boolean terminal, Duration every, Function<Duration, String> status) {
        this.out = out;
        this.status = status;
        this.painter = terminal ? Thread.ofVirtual().name("progress").start(() -> paint(every)) : null;
    }

    /** Progress on {@code out} (which is where stderr goes) when stderr is a terminal; {@code status} gets the time elapsed. */
    static ProgressLine onTerminal(PrintWriter out, Function<Duration, String> status) {
        return new ProgressLine(out, stderrIsTerminal(), EVERY, status);
    }

    static ProgressLine start(PrintWriter out, boolean terminal, Duration every, Function<Duration, String> status) {
        return new ProgressLine(out, terminal, every, status);
    }

    /** A line of its own, above the progress line. */
    synchronized void println(String line) {
        out.print(painter != null && !shown.isEmpty() ? CLEAR_LINE + line + "\n" + shown : line + "\n");
        out.flush();
    }

    private void paint(Duration every) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(every);
                String text = status.apply(Duration.ofNanos(System.nanoTime() - started));
                synchronized (this) {
                    shown = text;
                    out.print(CLEAR_LINE + text);
                    out.flush();
                }
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    /** Stops and erases the progress line, so that what follows starts on a clean line; closing again does nothing. */
    @Override
    public void close() {
        if (painter == null) {
            return;
        }
        painter.interrupt();
        try {
            painter.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (!shown.isEmpty()) {
                out.print(CLEAR_LINE);
                out.flush();
                shown = "";
            }
        }
    }

    /**
     * {@code replay: 1,234 / 20,500 events (6%), 3 s, about 47 s left}: what is done of how much, how long
     * it has taken, and at that pace how long the rest takes.
     */
    static String format(String task, long done, long total, String unit, Duration elapsed) {
        StringBuilder line = new StringBuilder(task).append(": ")
                .append(String.format(Locale.ROOT, "%,d / %,d %s", done, total, unit));
        if (total > 0) {
            line.append(String.format(Locale.ROOT, " (%d%%)", Math.min(100, done * 100 / total)));
        }
        line.append(", ").append(duration(elapsed));
        if (done > 0 && done < total && elapsed.toMillis() >= 1000) {
            long leftMillis = Math.round((double) elapsed.toMillis() * (total - done) / done);
            line.append(", about ").append(duration(Duration.ofMillis(leftMillis))).append(" left");
        }
        return line.toString();
    }

    /** A simulated LiveKit's progress: events sent of all, then how many its queues still hold. */
    static String sending(String task, Simulation.Progress progress, Duration elapsed) {
        if (progress.generated() < progress.total() || progress.total() == 0) {
            return format(task, progress.generated(), progress.total(), "events sent", elapsed);
        }
        return String.format(Locale.ROOT, "%s: all %,d events sent, %,d queued or in flight, %s", task,
                progress.total(), progress.unsettled(), duration(elapsed));
    }

    /** 7 s, 2 min 05 s, 1 h 02 min. */
    static String duration(Duration d) {
        long s = Math.max(0, Math.round(d.toMillis() / 1000.0));
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, s % 3600 / 60);
    }

    /**
     * Whether the process's stderr is a terminal. Linux names each descriptor's target under /proc; elsewhere
     * the console is the best sign Java gives (JDK 22+ reports one even when redirected).
     */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return System.console() != null;
        }
    }
}
