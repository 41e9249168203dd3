package io.livehook.simulate;

import io.livehook.livekit.ResourceIds;
import java.time.Instant;
import java.util.SplittableRandom;

/**
 * The traffic of a LiveKit deployment with {@code rooms} rooms open at any time, as a sequence of webhook
 * events: each event comes from one of the open rooms picked at random, and a room that finishes is replaced
 * by a new one. Event {@code n} is stamped {@code start + n / rate}, so that the sequence, bodies included,
 * depends only on the seed, the start and the rate, never on how fast anyone consumes it.
 */
public final class TrafficModel {
    private final SplittableRandom random;
    private final RoomScript[] slots;
    private final Instant start;
    private final double rate;
    private final String runTag;
    private final GroundTruth truth;
    private long produced;
    private int roomsOpened;

    public TrafficModel(long seed, int rooms, Instant start, double rate) {
        this(seed, rooms, start, rate, new GroundTruth());
    }

    /** A model that records what happens into {@code truth}, which others may read while it runs. */
    public TrafficModel(long seed, int rooms, Instant start, double rate, GroundTruth truth) {
        if (rooms < 1) {
            throw new IllegalArgumentException("at least one room, not " + rooms);
        }
        if (!(rate > 0)) {
            throw new IllegalArgumentException("rate must be positive, not " + rate);
        }
        this.truth = truth;
        this.random = new SplittableRandom(seed);
        this.slots = new RoomScript[rooms];
        this.start = start;
        this.rate = rate;
        // SimulatedRoom names carry a tag of the seed, so that runs with different seeds never share a room.
        this.runTag = ResourceIds.chars(random, 5);
    }

    public GeneratedEvent next() {
        int slot = random.nextInt(slots.length);
        if (slots[slot] == null || slots[slot].finished()) {
            roomsOpened++;
            slots[slot] = new RoomScript(random.split(), "sim-" + runTag + "-" + roomsOpened, truth);
        }
        Instant at = start.plusNanos(Math.round(produced * 1e9 / rate));
        produced++;
        return slots[slot].next(ResourceIds.next(random, "EV_"), at);
    }

    public long produced() {
        return produced;
    }

    /** Everything produced so far, and the state it describes. */
    public GroundTruth truth() {
        return truth;
    }
}
