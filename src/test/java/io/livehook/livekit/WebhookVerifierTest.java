package io.livehook.livekit;

import static io.livehook.testing.TestJwt.claims;
import static io.livehook.testing.TestJwt.hs256;
import static io.livehook.testing.TestJwt.sha256Base64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livehook.config.ApiKeys;
import io.livehook.testing.TestJwt;
import io.livekit.server.AccessToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class WebhookVerifierTest {
    private static final Duration LEEWAY = Duration.ofSeconds(60);
    /** The official server SDKs' own webhook test vectors (key, secret, body, expected hash). */
    private static final String VECTORS = "/livekit/sdk-test-vectors.json";

    private static JsonNode vectorFile;

    @BeforeAll
    static void loadVectors() throws IOException {
        try (var in = WebhookVerifierTest.class.getResourceAsStream(VECTORS)) {
            if (in == null) {
                fail("LiveKit SDK test vectors missing from the test classpath: " + VECTORS);
            }
            vectorFile = new ObjectMapper().readTree(in);
        }
    }

    private static WebhookVerifier verifier(Map<String, String> keys, Clock clock) {
        return new WebhookVerifier(new ApiKeys(keys), LEEWAY, clock);
    }

    private static Clock at(long epochSecond) {
        return Clock.fixed(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void assertRejected(Verification verification, Rejection reason) {
        assertThat(verification).isInstanceOfSatisfying(Verification.Rejected.class,
                r -> assertThat(r.reason()).isEqualTo(reason));
    }

    private static void assertVerified(Verification verification, String keyId) {
        assertThat(verification).isEqualTo(new Verification.Verified(keyId));
    }

    // ---------------------------------------------------------------- official SDK vectors

    /** The upstream vectors that carry a body and a key pair (the others have nothing to sign). */
    private static List<JsonNode> signedVectors() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode v : vectorFile.get("vectors")) {
            if (v.hasNonNull("body") && v.hasNonNull("apiKey") && v.hasNonNull("apiSecret")) {
                out.add(v);
            }
        }
        return out;
    }

    @Test
    void theVectorFileHasTheSignedVectorsWeExpect() {
        assertThat(signedVectors()).extracting(v -> v.get("name").asText())
                .containsExactly("node-webhook-receiver", "kotlin-webhook-receiver-current", "kotlin-webhook-receiver-2022");
    }

    @TestFactory
    List<DynamicTest> bodyHashEqualsTheSdkVectorsClaim() {
        return signedVectors().stream().map(v -> DynamicTest.dynamicTest(v.get("name").asText(), () -> {
            byte[] hash = BodyHash.of(utf8(v.get("body").asText()));
            assertThat(new String(hash, StandardCharsets.US_ASCII)).isEqualTo(v.get("sha256ClaimInToken").asText());
        })).toList();
    }

    @TestFactory
    List<DynamicTest> tokensMintedByTheOfficialJavaSdkAreAccepted() {
        return signedVectors().stream().map(v -> DynamicTest.dynamicTest(v.get("name").asText(), () -> {
            String key = v.get("apiKey").asText();
            String secret = v.get("apiSecret").asText();
            byte[] body = utf8(v.get("body").asText());
            AccessToken token = new AccessToken(key, secret);
            token.setSha256(v.get("sha256ClaimInToken").asText());
            String jwt = token.toJwt();

            WebhookVerifier verifier = verifier(Map.of(key, secret), Clock.systemUTC());
            assertVerified(verifier.verify(jwt, body), key);
            // The same token must not cover any other bytes.
            byte[] altered = body.clone();
            altered[altered.length - 1] = ' ';
            assertRejected(verifier.verify(jwt, altered), Rejection.HASH_MISMATCH);
            // Nor verify under another secret for the same key.
            assertRejected(verifier(Map.of(key, secret + "x"), Clock.systemUTC()).verify(jwt, body),
                    Rejection.BAD_SIGNATURE);
        })).toList();
    }

    @Nested
    class DerivedFixedTimeToken {
        JsonNode derived;
        String key;
        String secret;
        String token;
        byte[] body;
        long nbf;
        long exp;

        @org.junit.jupiter.api.BeforeEach
        void read() {
            derived = vectorFile.get("derived").get(0);
            key = derived.get("apiKey").asText();
            secret = derived.get("apiSecret").asText();
            token = derived.get("token").asText();
            assertThat(derived.get("body").asText()).isEqualTo("same as vectors[0].body");
            body = utf8(vectorFile.get("vectors").get(0).get("body").asText());
            nbf = derived.get("jwtClaims").get("nbf").asLong();
            exp = derived.get("jwtClaims").get("exp").asLong();
        }

        Verification verifyAt(long epochSecond) {
            return verifier(Map.of(key, secret), at(epochSecond)).verify(token, body);
        }

        @Test
        void acceptedBetweenNbfAndExp() {
            assertVerified(verifyAt(nbf), key);
            assertVerified(verifyAt(nbf + 10), key);
            assertVerified(verifyAt(exp), key);
        }

        @Test
        void sixtySecondsOfLeewayAfterExp() {
            assertVerified(verifyAt(exp + 59), key);
            assertRejected(verifyAt(exp + 61), Rejection.EXPIRED);
        }

        @Test
        void sixtySecondsOfLeewayBeforeNbf() {
            assertVerified(verifyAt(nbf - 59), key);
            assertRejected(verifyAt(nbf - 61), Rejection.NOT_YET_VALID);
        }

        @Test
        void rejectedAtRealTime() {
            assertRejected(verifier(Map.of(key, secret), Clock.systemUTC()).verify(token, body), Rejection.EXPIRED);
        }
    }

    // ---------------------------------------------------------------- hand-made tokens

    private static final String KEY = "APIkey1";
    private static final String SECRET = "s3cr3t-0123456789abcdefghijklmnopqrstuvwxyz";
    private static final long NOW = 1_771_351_907L;

    private static final String BODY = "{\"event\":\"participant_joined\",\"room\":{\"sid\":\"RM_a\",\"name\":\"r1\"},"
            + "\"participant\":{\"sid\":\"PA_b\",\"identity\":\"u1\",\"state\":\"ACTIVE\"},"
            + "\"id\":\"EV_jT6Y4xyzXsjM\",\"createdAt\":\"1771351907\"}";

    private static Verification verifyNow(String token, byte[] body) {
        return verifier(Map.of(KEY, SECRET), at(NOW)).verify(token, body);
    }

    private static String liveKitToken(byte[] body) {
        return TestJwt.webhook(KEY, SECRET, body, Instant.ofEpochSecond(NOW));
    }

    @Test
    void aLiveKitShapedTokenIsAcceptedAndNamesItsKey() {
        assertVerified(verifyNow(liveKitToken(utf8(BODY)), utf8(BODY)), KEY);
    }

    @Test
    void bothCommaStylesVerifyOverTheirOwnBytes() {
        String compact = "{\"event\":\"room_started\",\"room\":{\"sid\":\"RM_x\",\"name\":\"r\"},\"id\":\"EV_a\"}";
        String spaced = compact.replace(",", ", ");
        assertThat(spaced).isNotEqualTo(compact);
        assertVerified(verifyNow(liveKitToken(utf8(compact)), utf8(compact)), KEY);
        assertVerified(verifyNow(liveKitToken(utf8(spaced)), utf8(spaced)), KEY);
        // Same JSON meaning, different bytes: a re-serializing receiver would get this wrong.
        assertRejected(verifyNow(liveKitToken(utf8(compact)), utf8(spaced)), Rejection.HASH_MISMATCH);
        assertRejected(verifyNow(liveKitToken(utf8(spaced)), utf8(compact)), Rejection.HASH_MISMATCH);
    }

    @Test
    void nonAsciiNamesAndMetadataVerifyOverTheirUtf8Bytes() {
        String body = "{\"event\":\"participant_joined\",\"room\":{\"name\":\"Ёлка\"},"
                + "\"participant\":{\"identity\":\"zoë\",\"name\":\"Zoë 🎧\",\"metadata\":\"{\\\"note\\\":\\\"naïve — 東京\\\"}\"},"
                + "\"id\":\"EV_u\"}";
        byte[] bytes = utf8(body);
        assertVerified(verifyNow(liveKitToken(bytes), bytes), KEY);
        // A receiver that decoded the body as ISO-8859-1 and re-encoded it as UTF-8 hashes other bytes.
        byte[] mangled = utf8(new String(bytes, StandardCharsets.ISO_8859_1));
        assertThat(mangled).isNotEqualTo(bytes);
        assertRejected(verifyNow(liveKitToken(bytes), mangled), Rejection.HASH_MISMATCH);
    }

    @Test
    void missingOrBlankAuthorizationIsMissingToken() {
        assertRejected(verifyNow(null, utf8(BODY)), Rejection.MISSING_TOKEN);
        assertRejected(verifyNow("", utf8(BODY)), Rejection.MISSING_TOKEN);
        assertRejected(verifyNow("   ", utf8(BODY)), Rejection.MISSING_TOKEN);
    }

    @Test
    void bearerPrefixIsMalformed() {
        String token = liveKitToken(utf8(BODY));
        assertVerified(verifyNow(token, utf8(BODY)), KEY);
        assertRejected(verifyNow("Bearer " + token, utf8(BODY)), Rejection.MALFORMED_TOKEN);
        assertRejected(verifyNow("bearer " + token, utf8(BODY)), Rejection.MALFORMED_TOKEN);
    }

    @Test
    void garbageIsMalformed() {
        assertRejected(verifyNow("not-a-jwt", utf8(BODY)), Rejection.MALFORMED_TOKEN);
        assertRejected(verifyNow("a.b.c", utf8(BODY)), Rejection.MALFORMED_TOKEN);
        String noIss = hs256(SECRET, "{\"exp\":" + (NOW + 300) + ",\"sha256\":\"" + sha256Base64(utf8(BODY)) + "\"}");
        assertRejected(verifyNow(noIss, utf8(BODY)), Rejection.MALFORMED_TOKEN);
        String textExp = hs256(SECRET, "{\"iss\":\"" + KEY + "\",\"exp\":\"" + (NOW + 300) + "\"}");
        assertRejected(verifyNow(textExp, utf8(BODY)), Rejection.MALFORMED_TOKEN);
        String fourParts = liveKitToken(utf8(BODY)) + ".x";
        assertRejected(verifyNow(fourParts, utf8(BODY)), Rejection.MALFORMED_TOKEN);
        String arrayClaims = hs256(SECRET, "[1]");
        assertRejected(verifyNow(arrayClaims, utf8(BODY)), Rejection.MALFORMED_TOKEN);
    }

    @Test
    void issuedInTheFutureBeyondTheLeewayIsNotYetValid() {
        long iat = NOW + 1000;
        String token = hs256(SECRET, claims(KEY, iat + 300, null, iat, sha256Base64(utf8(BODY))));
        assertVerified(verifier(Map.of(KEY, SECRET), at(iat - 59)).verify(token, utf8(BODY)), KEY);
        assertRejected(verifier(Map.of(KEY, SECRET), at(iat - 61)).verify(token, utf8(BODY)), Rejection.NOT_YET_VALID);
    }

    @Test
    void hs512IsWrongAlgorithmEvenWithTheRightSecret() {
        String token = TestJwt.sign("HmacSHA512", SECRET, "{\"alg\":\"HS512\",\"typ\":\"JWT\"}",
                claims(KEY, NOW + 300, NOW, NOW, sha256Base64(utf8(BODY))));
        assertRejected(verifyNow(token, utf8(BODY)), Rejection.WRONG_ALGORITHM);
    }

    @Test
    void algNoneIsWrongAlgorithm() {
        String token = TestJwt.unsigned(claims(KEY, NOW + 300, NOW, NOW, sha256Base64(utf8(BODY))));
        assertRejected(verifyNow(token, utf8(BODY)), Rejection.WRONG_ALGORITHM);
    }

    @Test
    void headerClaimingHs256OverAnHs512SignatureIsBadSignature() {
        String hs512 = TestJwt.sign("HmacSHA512", SECRET, TestJwt.HS256_HEADER,
                claims(KEY, NOW + 300, NOW, NOW, sha256Base64(utf8(BODY))));
        assertRejected(verifyNow(hs512, utf8(BODY)), Rejection.BAD_SIGNATURE);
    }

    @Test
    void missingExpIsRejected() {
        String token = hs256(SECRET, claims(KEY, null, NOW, NOW, sha256Base64(utf8(BODY))));
        assertRejected(verifyNow(token, utf8(BODY)), Rejection.MISSING_EXPIRY);
    }

    @Test
    void expiryHasSixtySecondsOfLeeway() {
        long exp = NOW - 300;
        String token = hs256(SECRET, claims(KEY, exp, exp - 300, exp - 300, sha256Base64(utf8(BODY))));
        WebhookVerifier v59 = verifier(Map.of(KEY, SECRET), at(exp + 59));
        WebhookVerifier v61 = verifier(Map.of(KEY, SECRET), at(exp + 61));
        assertVerified(v59.verify(token, utf8(BODY)), KEY);
        assertRejected(v61.verify(token, utf8(BODY)), Rejection.EXPIRED);
    }

    @Test
    void notBeforeHasSixtySecondsOfLeeway() {
        // A sender whose clock runs ahead of ours.
        long nbf = NOW + 1000;
        String token = hs256(SECRET, claims(KEY, nbf + 300, nbf, nbf, sha256Base64(utf8(BODY))));
        assertVerified(verifier(Map.of(KEY, SECRET), at(nbf - 59)).verify(token, utf8(BODY)), KEY);
        assertRejected(verifier(Map.of(KEY, SECRET), at(nbf - 61)).verify(token, utf8(BODY)), Rejection.NOT_YET_VALID);
        // nbf alone (no iat) is checked the same way.
        String nbfOnly = hs256(SECRET, claims(KEY, nbf + 300, nbf, null, sha256Base64(utf8(BODY))));
        assertVerified(verifier(Map.of(KEY, SECRET), at(nbf - 59)).verify(nbfOnly, utf8(BODY)), KEY);
        assertRejected(verifier(Map.of(KEY, SECRET), at(nbf - 61)).verify(nbfOnly, utf8(BODY)), Rejection.NOT_YET_VALID);
    }

    @Test
    void unknownKeyIsRejected() {
        String token = TestJwt.webhook("someone-else", SECRET, utf8(BODY), Instant.ofEpochSecond(NOW));
        assertRejected(verifyNow(token, utf8(BODY)), Rejection.UNKNOWN_KEY);
    }

    @Test
    void wrongSecretIsBadSignature() {
        String token = TestJwt.webhook(KEY, SECRET + "!", utf8(BODY), Instant.ofEpochSecond(NOW));
        assertRejected(verifyNow(token, utf8(BODY)), Rejection.BAD_SIGNATURE);
    }

    @Test
    void tamperedClaimsAreBadSignature() {
        String token = liveKitToken(utf8(BODY));
        String[] parts = token.split("\\.");
        String otherClaims = TestJwt.b64url(utf8(claims(KEY, NOW + 3000, NOW, NOW, sha256Base64(utf8(BODY)))));
        assertRejected(verifyNow(parts[0] + "." + otherClaims + "." + parts[2], utf8(BODY)), Rejection.BAD_SIGNATURE);
    }

    @Test
    void everySingleByteChangeOfTheBodyIsHashMismatch() {
        byte[] body = utf8(BODY);
        String token = liveKitToken(body);
        for (int i = 0; i < body.length; i++) {
            byte[] altered = body.clone();
            altered[i] ^= 0x01;
            assertRejected(verifyNow(token, altered), Rejection.HASH_MISMATCH);
        }
        byte[] longer = (BODY + "\n").getBytes(StandardCharsets.UTF_8);
        assertRejected(verifyNow(token, longer), Rejection.HASH_MISMATCH);
        assertRejected(verifyNow(token, new byte[0]), Rejection.HASH_MISMATCH);
    }

    @Test
    void theHashMustBeStandardPaddedBase64() {
        // Find a body whose hash has '+' or '/' so the URL-safe form really differs.
        String body = BODY;
        for (int i = 0; ; i++) {
            body = BODY.replace("EV_jT6Y4xyzXsjM", "EV_" + i);
            String std = sha256Base64(utf8(body));
            if (std.contains("+") || std.contains("/")) {
                break;
            }
        }
        byte[] bytes = utf8(body);
        byte[] digest = TestJwt.sha256(bytes);
        String standard = Base64.getEncoder().encodeToString(digest);
        String urlSafe = Base64.getUrlEncoder().encodeToString(digest);
        String unpadded = Base64.getEncoder().withoutPadding().encodeToString(digest);
        String hex = HexFormat.of().formatHex(digest);
        assertThat(urlSafe).isNotEqualTo(standard);
        assertThat(standard).hasSize(44).endsWith("=");

        assertVerified(verifyNow(hs256(SECRET, claims(KEY, NOW + 300, NOW, NOW, standard)), bytes), KEY);
        for (String other : List.of(urlSafe, unpadded, hex, hex.toUpperCase())) {
            assertRejected(verifyNow(hs256(SECRET, claims(KEY, NOW + 300, NOW, NOW, other)), bytes),
                    Rejection.HASH_MISMATCH);
        }
    }

    @Test
    void missingOrNonStringHashClaimIsHashMismatch() {
        byte[] body = utf8(BODY);
        assertRejected(verifyNow(hs256(SECRET, claims(KEY, NOW + 300, NOW, NOW, null)), body), Rejection.HASH_MISMATCH);
        String numeric = "{\"iss\":\"" + KEY + "\",\"exp\":" + (NOW + 300) + ",\"sha256\":12345}";
        assertRejected(verifyNow(hs256(SECRET, numeric), body), Rejection.HASH_MISMATCH);
        // An empty body with no claim must not pass as "nothing hashed equals nothing claimed".
        assertRejected(verifyNow(hs256(SECRET, claims(KEY, NOW + 300, NOW, NOW, null)), new byte[0]),
                Rejection.HASH_MISMATCH);
    }

    @Test
    void keyRotationAcceptsEitherKeyAndReportsWhichOne() {
        Map<String, String> keys = Map.of("old-key", "old-secret-aaaaaaaaaaaaaaaa", "new-key", "new-secret-bbbbbbbbbbbbbbbb");
        WebhookVerifier verifier = verifier(keys, at(NOW));
        byte[] body = utf8(BODY);
        Instant now = Instant.ofEpochSecond(NOW);
        String fromOld = TestJwt.webhook("old-key", "old-secret-aaaaaaaaaaaaaaaa", body, now);
        String fromNew = TestJwt.webhook("new-key", "new-secret-bbbbbbbbbbbbbbbb", body, now);
        // Repeated, so that the per-key cached verifiers are exercised in both orders.
        for (int i = 0; i < 3; i++) {
            assertVerified(verifier.verify(fromOld, body), "old-key");
            assertVerified(verifier.verify(fromNew, body), "new-key");
        }
        // A key's name with the other key's secret is not accepted.
        String crossed = TestJwt.webhook("old-key", "new-secret-bbbbbbbbbbbbbbbb", body, now);
        assertRejected(verifier.verify(crossed, body), Rejection.BAD_SIGNATURE);
    }

    @Test
    void rejectionDetailsNeverContainTheSecretOrTheToken() {
        byte[] body = utf8(BODY);
        String good = liveKitToken(body);
        List<String> tokens = List.of("Bearer " + good, good, TestJwt.webhook(KEY, "wrong", body, Instant.ofEpochSecond(NOW)),
                TestJwt.webhook("k\u0000\n" + "x".repeat(100), SECRET, body, Instant.ofEpochSecond(NOW)));
        for (String token : tokens) {
            Verification v = verifyNow(token, "{}".getBytes(StandardCharsets.UTF_8));
            assertThat(v).isInstanceOf(Verification.Rejected.class);
            String detail = ((Verification.Rejected) v).detail();
            assertThat(detail).doesNotContain(SECRET).doesNotContain(good).doesNotContain("\n").hasSizeLessThan(200);
        }
    }
}
