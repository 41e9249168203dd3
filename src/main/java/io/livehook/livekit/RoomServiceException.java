package io.livehook.livekit;

/** A RoomService call that got no usable answer. The message never holds a token or secret. */
public final class RoomServiceException extends Exception {
    public RoomServiceException(String message) {
        super(message);
    }

    public RoomServiceException(String message, Throwable cause) {
        super(message, cause);
    }
}
