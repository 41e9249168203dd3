package io.livehook.livekit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.auth0.jwt.JWT;
import com.auth0.jwt.interfaces.DecodedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** LiveKit's tokens as livehook mints them, and the check a simulated RoomService makes of them. */
class AccessTokenTest {
    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
    private final AccessToken tokens = new AccessToken("APIk", "a-secret-long-enough-for-hs256",
            Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void aWebhookTokenCoversTheBodyForFiveMinutes() {
        byte[] body = "{\"id\":\"EV_1\"}".getBytes(StandardCharsets.UTF_8);
        DecodedJWT token = JWT.decode(tokens.forBody(body));
        assertThat(token.getAlgorithm()).isEqualTo("HS256");
        assertThat(token.getIssuer()).isEqualTo("APIk");
        assertThat(token.getNotBeforeAsInstant()).isEqualTo(NOW);
        assertThat(token.getIssuedAtAsInstant()).isEqualTo(NOW);
        assertThat(token.getExpiresAtAsInstant()).isEqualTo(NOW.plus(AccessToken.VALIDITY));
        assertThat(token.getClaim("sha256").asString()).isEqualTo(BodyHash.text(body)).hasSize(44);
        assertThat(token.getClaim("video").isMissing()).isTrue();
    }

    @Test
    void anApiTokenCarriesOnlyItsGrant_andVerifiesBackToIt() {
        String bearer = "Bearer " + tokens.forGrant(VideoGrant.adminOf("standup"));
        assertThat(JWT.decode(bearer.substring(7)).getClaim("video").asMap())
                .containsOnlyKeys("roomAdmin", "room");
        assertThat(tokens.verifyBearer(bearer)).isEqualTo(VideoGrant.adminOf("standup"));
        assertThat(tokens.verifyBearer("Bearer " + tokens.forGrant(VideoGrant.listRooms())))
                .isEqualTo(VideoGrant.listRooms());
    }

    @Test
    void aBearerOfAnotherSecretKeyOrFormIsRefused() {
        String grant = tokens.forGrant(VideoGrant.listRooms());
        AccessToken otherSecret = new AccessToken("APIk", "another-secret-long-enough-for-hs256",
                Clock.fixed(NOW, ZoneOffset.UTC));
        assertThatThrownBy(() -> otherSecret.verifyBearer("Bearer " + grant)).isInstanceOf(IllegalArgumentException.class);
        AccessToken otherKey = new AccessToken("APIother", "a-secret-long-enough-for-hs256", Clock.fixed(NOW, ZoneOffset.UTC));
        assertThatThrownBy(() -> otherKey.verifyBearer("Bearer " + grant)).hasMessage("unknown API key");
        assertThatThrownBy(() -> tokens.verifyBearer(grant)).hasMessageContaining("Bearer");
        AccessToken later = new AccessToken("APIk", "a-secret-long-enough-for-hs256",
                Clock.fixed(NOW.plus(AccessToken.VALIDITY).plusSeconds(1), ZoneOffset.UTC));
        assertThatThrownBy(() -> later.verifyBearer("Bearer " + grant)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining(grant);
    }
}
