package io.livehook.livekit;

import java.util.random.RandomGenerator;

/**
 * LiveKit's resource ids: a prefix ({@code EV_}, {@code RM_}, {@code PA_}, {@code TR_}, {@code EG_}) and 12
 * characters of the shortuuid alphabet, digits and letters without 0, 1, I, O and l.
 */
public final class ResourceIds {
    /** The prefix of livehook's own events' ids: reconciliation's corrections. */
    public static final String LIVEHOOK_EVENT = "LH_";
    /** The prefix of the events livehook writes when it infers from silence that a room has ended. */
    public static final String INFERRED_EVENT = "LHI_";
    public static final String BASE57 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    private ResourceIds() {}

    /** Whether livehook wrote the event itself (a correction or an inferred end): LiveKit never sent it. */
    public static boolean writtenByLivehook(String eventId) {
        return eventId.startsWith(LIVEHOOK_EVENT) || eventId.startsWith(INFERRED_EVENT);
    }

    public static String next(RandomGenerator random, String prefix) {
        return prefix + chars(random, 12);
    }

    public static String chars(RandomGenerator random, int count) {
        StringBuilder id = new StringBuilder(count);
        for (int i = 0; i < count; i++) {
            id.append(BASE57.charAt(random.nextInt(BASE57.length())));
        }
        return id.toString();
    }
}
