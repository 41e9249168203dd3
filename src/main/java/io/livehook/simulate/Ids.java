package io.livehook.simulate;

import java.util.random.RandomGenerator;

/** LiveKit's resource ids: a prefix ({@code EV_}, {@code RM_}, {@code PA_}, {@code TR_}, {@code EG_}) and 12 base57 characters. */
final class Ids {
    /** The shortuuid alphabet LiveKit uses: digits and letters without 0, 1, I, O and l. */
    static final String BASE57 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    private Ids() {}

    static String next(RandomGenerator random, String prefix) {
        return prefix + chars(random, 12);
    }

    static String chars(RandomGenerator random, int count) {
        StringBuilder id = new StringBuilder(count);
        for (int i = 0; i < count; i++) {
            id.append(BASE57.charAt(random.nextInt(BASE57.length())));
        }
        return id.toString();
    }
}
