package io.livehook.state;

/** A published track, from publication to unpublication (or its participant's end). */
public record Track(
        String sid,
        String participantSid,
        String roomSid,
        String type,
        String source,
        String mimeType,
        String name,
        Long publishedAtMs,
        String publishSource,
        Long unpublishedAtMs,
        String endSource) {

    public boolean open() {
        return endSource == null;
    }
}
