package dev.tollgate.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.tollgate.gateway.error.GatewayException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateLimitHeadersTest {

  @Test
  void resetsAreFormattedAsOpenAiDoes() {
    assertThat(RateLimitHeaders.format(Duration.ofMinutes(6))).isEqualTo("6m0s");
    assertThat(RateLimitHeaders.format(Duration.ofSeconds(1))).isEqualTo("1s");
    assertThat(RateLimitHeaders.format(Duration.ofMillis(20))).isEqualTo("20ms");
    assertThat(RateLimitHeaders.format(Duration.ofMillis(8640))).isEqualTo("8.64s");
    assertThat(RateLimitHeaders.format(Duration.ofMillis(1500))).isEqualTo("1.5s");
    assertThat(RateLimitHeaders.format(Duration.ofMillis(60_005))).isEqualTo("1m0.005s");
    assertThat(RateLimitHeaders.format(Duration.ofSeconds(3723))).isEqualTo("1h2m3s");
    assertThat(RateLimitHeaders.format(Duration.ofNanos(999_999))).isEqualTo("0s");
    assertThat(RateLimitHeaders.format(Duration.ZERO)).isEqualTo("0s");
  }

  @Test
  void allowedRequestsGetTheSixHeadersAndNoRetryAfter() {
    Decision requests = new Decision(true, 60, 59, Duration.ofSeconds(1), Duration.ZERO);
    Decision tokens = new Decision(true, 150_000, 149_000, Duration.ofMillis(400), Duration.ZERO);
    assertThat(RateLimitHeaders.of(requests, tokens))
        .containsExactly(
            entry("x-ratelimit-limit-requests", "60"),
            entry("x-ratelimit-remaining-requests", "59"),
            entry("x-ratelimit-reset-requests", "1s"),
            entry("x-ratelimit-limit-tokens", "150000"),
            entry("x-ratelimit-remaining-tokens", "149000"),
            entry("x-ratelimit-reset-tokens", "400ms"));
  }

  @Test
  void aRefusalAddsRetryAfterInWholeSecondsRoundedUp() {
    Decision requests = new Decision(true, 60, 10, Duration.ofSeconds(50), Duration.ZERO);
    Decision tokens =
        new Decision(false, 1000, 3, Duration.ofSeconds(59), Duration.ofMillis(12_001));
    assertThat(RateLimitHeaders.of(requests, tokens)).containsEntry("Retry-After", "13");
    assertThat(RateLimitHeaders.of(null, tokens))
        .containsOnlyKeys(
            "x-ratelimit-limit-tokens",
            "x-ratelimit-remaining-tokens",
            "x-ratelimit-reset-tokens",
            "Retry-After");
    assertThat(RateLimitHeaders.retryAfterSeconds(Duration.ofSeconds(12))).isEqualTo(12);
    assertThat(RateLimitHeaders.retryAfterSeconds(Duration.ofNanos(1))).isEqualTo(1);
    assertThat(RateLimitHeaders.retryAfterSeconds(Duration.ZERO)).isEqualTo(1);
  }

  @Test
  void refusalsAre429sInTheOpenAiShape() {
    Decision refused = new Decision(false, 5, 0, Duration.ofSeconds(60), Duration.ofSeconds(12));
    GatewayException e = RateLimitErrors.exceeded(LimitKind.REQUESTS, refused);
    assertThat(e.status()).isEqualTo(429);
    assertThat(e.type()).isEqualTo("requests");
    assertThat(e.code()).isEqualTo("rate_limit_exceeded");
    assertThat(e.param()).isNull();
    assertThat(e.getMessage())
        .isEqualTo(
            "Rate limit reached for requests per min (RPM): Limit 5, Remaining 0."
                + " Please try again in 12s.");
    assertThat(RateLimitErrors.exceeded(LimitKind.TOKENS, refused).type()).isEqualTo("tokens");
    assertThat(RateLimitErrors.tooManyStreams(3).status()).isEqualTo(429);
    assertThat(RateLimitErrors.tooManyStreams(3).code()).isEqualTo("too_many_streams");
  }
}
