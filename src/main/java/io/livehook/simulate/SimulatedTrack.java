package io.livehook.simulate;

import java.time.Instant;

/** A published track. Dimensions are 0 for audio (and then absent from the body, as protojson omits zeros). */
public record SimulatedTrack(String sid, String participantSid, Source source, String name, String mimeType, int width, int height,
        boolean simulcast, Instant publishedAt) {

    /** The sources the simulator publishes, each with LiveKit's track type. */
    public enum Source {
        CAMERA("VIDEO"),
        MICROPHONE("AUDIO"),
        SCREEN_SHARE("VIDEO");

        private final String type;

        Source(String type) {
            this.type = type;
        }

        /** LiveKit's TrackType name; AUDIO is its zero value. */
        public String type() {
            return type;
        }
    }
}
