package io.livehook.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.config.LivehookConfig;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ApiAuthTest {
    @Test
    void bearer_token_must_match() {
        ApiAuth auth = new ApiAuth(new LivehookConfig.Api(Optional.of("s3cret-token")), false);
        assertThat(auth.allows("Bearer s3cret-token")).isTrue();
        assertThat(auth.allows("bearer s3cret-token")).isTrue();
        assertThat(auth.allows("Bearer s3cret-token2")).isFalse();
        assertThat(auth.allows("Bearer s3cret")).isFalse();
        assertThat(auth.allows("s3cret-token")).as("no scheme").isFalse();
        assertThat(auth.allows("Basic s3cret-token")).isFalse();
        assertThat(auth.allows(null)).isFalse();
        assertThat(auth.allows("")).isFalse();
        assertThat(auth.toString()).doesNotContain("s3cret");
    }

    @Test
    void the_token_is_needed_even_in_dev_mode_once_it_is_set() {
        ApiAuth auth = new ApiAuth(new LivehookConfig.Api(Optional.of("t")), true);
        assertThat(auth.allows(null)).isFalse();
        assertThat(auth.allows("Bearer t")).isTrue();
    }

    @Test
    void without_a_token_open_in_dev_closed_otherwise() {
        assertThat(new ApiAuth(new LivehookConfig.Api(Optional.empty()), true).allows(null)).isTrue();
        ApiAuth closed = new ApiAuth(new LivehookConfig.Api(Optional.empty()), false);
        assertThat(closed.allows(null)).isFalse();
        assertThat(closed.allows("Bearer ")).isFalse();
        assertThat(closed.allows("Bearer anything")).isFalse();
    }
}
