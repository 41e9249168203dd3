package io.livehook.log;

import java.time.Instant;

/**
 * A correctly signed body that livehook cannot file as an event (not JSON, no id or event). It came from
 * LiveKit, so it is kept with the reason instead of being refused.
 */
public record QuarantinedBody(long id, byte[] body, Instant receivedAt, String keyId, String reason) {}
