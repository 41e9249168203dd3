package io.livehook.log;

import java.util.Optional;

/** Whether an embedded log can take writes right now, and if not, why: what readiness reports. */
final class LogHealth {
    private volatile String problem;

    void failed(String reason) {
        problem = reason;
    }

    void ok() {
        if (problem != null) {
            problem = null;
        }
    }

    boolean healthy() {
        return problem == null;
    }

    Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    /** What a throwable says, for a person: the message, or the class when it has none (OutOfMemoryError). */
    static String describe(Throwable t) {
        return t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getSimpleName()
                : t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
