package io.livehook.bench.chaos;

import io.livehook.testing.TestJwt;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

/** LiveKit's webhooks for the chaos scenarios: well-formed and signed, or forged in many ways. */
final class Webhooks {
    private Webhooks() {}

    /** A participant_joined with its own participant, in one of eight rooms: every event changes state. */
    static byte[] joined(String id) {
        long now = Instant.now().getEpochSecond();
        return ("{\"event\":\"participant_joined\",\"room\":{\"sid\":\"RM_chaos" + (id.hashCode() & 7)
                + "\",\"name\":\"chaos-room-" + (id.hashCode() & 7) + "\"},\"participant\":{\"sid\":\"PA_" + id
                + "\",\"identity\":\"" + id + "\",\"state\":\"ACTIVE\",\"joinedAt\":\"" + now + "\"},\"id\":\"" + id
                + "\",\"createdAt\":\"" + now + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    static String sign(byte[] body) {
        return TestJwt.webhook(Target.KEY, Target.SECRET, body, Instant.now());
    }

    /** A forged request: the Authorization value to send (null: none) with the body. */
    record Forged(String authorization, byte[] body) {}

    /** One way to forge a request, by name. */
    record Category(String name, Function<String, Forged> forge) {}

    private static String claims(Long exp, Long nbf, String sha256) {
        long now = Instant.now().getEpochSecond();
        return TestJwt.claims(Target.KEY, exp, nbf, now, sha256);
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** A category whose Authorization value is made from the body it is sent with. */
    private static Category forging(String name, Function<byte[], String> authorization) {
        return new Category(name, id -> {
            byte[] body = joined(id);
            return new Forged(authorization.apply(body), body);
        });
    }

    private static String hash(byte[] body) {
        return b64(TestJwt.sha256(body));
    }

    /** Every way the audit forged a webhook, and a few more; none may be accepted. */
    static List<Category> forgeries() {
        long now = Instant.now().getEpochSecond();
        return List.of(
                forging("no_authorization", body -> null),
                forging("empty_authorization", body -> ""),
                forging("bearer_prefix", body -> "Bearer " + sign(body)),
                forging("garbage", body -> "not-a-token-at-all"),
                forging("alg_none", body -> TestJwt.unsigned(claims(now + 300, now, hash(body)))),
                forging("hs512", body -> TestJwt.sign("HmacSHA512", Target.SECRET, "{\"alg\":\"HS512\",\"typ\":\"JWT\"}",
                        claims(now + 300, now, hash(body)))),
                forging("rs256_header", body -> TestJwt.sign("HmacSHA256", Target.SECRET,
                        "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", claims(now + 300, now, hash(body)))),
                forging("wrong_secret", body -> TestJwt.hs256("not-the-secret-0123456789abcdef",
                        claims(now + 300, now, hash(body)))),
                forging("unknown_key", body -> TestJwt.hs256(Target.SECRET,
                        TestJwt.claims("APIunknown", now + 300, now, now, hash(body)))),
                forging("api_key_as_secret", body -> TestJwt.hs256(Target.KEY, claims(now + 300, now, hash(body)))),
                forging("expired", body -> TestJwt.hs256(Target.SECRET, claims(now - 600, now - 900, hash(body)))),
                forging("not_yet_valid", body -> TestJwt.hs256(Target.SECRET, claims(now + 1200, now + 600, hash(body)))),
                forging("no_exp", body -> TestJwt.hs256(Target.SECRET, claims(null, now, hash(body)))),
                forging("no_sha256", body -> TestJwt.hs256(Target.SECRET, claims(now + 300, now, null))),
                forging("empty_sha256", body -> TestJwt.hs256(Target.SECRET, claims(now + 300, now, ""))),
                forging("sha256_hex", body -> TestJwt.hs256(Target.SECRET,
                        claims(now + 300, now, HexFormat.of().formatHex(TestJwt.sha256(body))))),
                forging("sha256_url_safe", body -> TestJwt.hs256(Target.SECRET, claims(now + 300, now,
                        Base64.getUrlEncoder().withoutPadding().encodeToString(TestJwt.sha256(body))))),
                forging("hash_of_another_body", body -> TestJwt.hs256(Target.SECRET,
                        claims(now + 300, now, hash("{}".getBytes(StandardCharsets.UTF_8))))),
                new Category("body_changed_after_signing", id -> {
                    byte[] body = joined(id);
                    String token = sign(body);
                    body[body.length - 3] ^= 1;
                    return new Forged(token, body);
                }),
                forging("truncated_signature", body -> {
                    String token = sign(body);
                    return token.substring(0, token.length() - 4);
                }),
                forging("claims_changed_after_signing", body -> {
                    String[] parts = sign(body).split("\\.");
                    String longer = Base64.getUrlEncoder().withoutPadding().encodeToString(
                            claims(now + 86_400, now, hash(body)).getBytes(StandardCharsets.UTF_8));
                    return parts[0] + "." + longer + "." + parts[2];
                }),
                forging("signature_of_another_token", body -> {
                    String[] mine = sign(body).split("\\.");
                    String[] theirs = sign("{}".getBytes(StandardCharsets.UTF_8)).split("\\.");
                    return mine[0] + "." + mine[1] + "." + theirs[2];
                }),
                forging("two_parts", body -> {
                    String token = sign(body);
                    return token.substring(0, token.lastIndexOf('.'));
                }));
    }
}
