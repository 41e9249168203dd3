package io.livehook.cli;

/** Prints whether livehook sees its stderr as a terminal: ProgressLineTest runs it inside a pseudo-terminal. */
final class TerminalProbe {
    private TerminalProbe() {}

    public static void main(String[] args) {
        System.out.println("stderr is a terminal: " + ProgressLine.stderrIsTerminal());
    }
}
