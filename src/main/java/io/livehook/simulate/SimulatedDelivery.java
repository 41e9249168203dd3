package io.livehook.simulate;

import java.time.Duration;
import java.util.List;

/** What became of one event: its outcome and every attempt made for it (none when it was never sent). */
public record SimulatedDelivery(String eventId, String queueKey, DeliveryOutcome outcome, List<Attempt> attempts) {

    public SimulatedDelivery {
        attempts = List.copyOf(attempts);
    }

    /**
     * One request. {@code waitedBefore} is the LiveKit-time wait that preceded it (zero for the first);
     * {@code status} is 0 when no answer came ({@code error} says why); {@code latency} is real time from
     * sending to the complete answer.
     */
    public record Attempt(Duration waitedBefore, int status, String error, boolean timedOut, Duration latency) {
        public boolean answered() {
            return status != 0;
        }

        public boolean succeeded() {
            return status >= 200 && status < 300;
        }
    }
}
