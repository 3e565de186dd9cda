package dev.tollgate.gateway.ratelimit;

import dev.tollgate.gateway.error.GatewayException;
import java.util.Objects;

/**
 * The 429s of rate limiting, in the OpenAI error shape ({@code type} {@code requests} or {@code
 * tokens}, {@code code} {@code rate_limit_exceeded}). The error carries no headers: the caller puts
 * {@link RateLimitHeaders} on the response before signalling it (the error handler keeps them).
 */
public final class RateLimitErrors {

  private static final String CODE = "rate_limit_exceeded";

  private RateLimitErrors() {}

  /** A refused requests- or tokens-per-minute check. */
  public static GatewayException exceeded(LimitKind kind, Decision decision) {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(decision, "decision");
    if (decision.allowed()) {
      throw new IllegalArgumentException("decision: allowed (expected: a refusal)");
    }
    return new GatewayException(
        429,
        kind.wireName(),
        CODE,
        null,
        "Rate limit reached for "
            + kind.wireName()
            + " per min ("
            + kind.abbreviation()
            + "): Limit "
            + decision.limit()
            + ", Remaining "
            + decision.remaining()
            + ". Please try again in "
            + RateLimitHeaders.format(decision.retryAfter())
            + ".");
  }

  /**
   * A key already has {@code max} requests in flight: its own code, so that a client can tell a
   * full concurrency limit (retry when one of its requests ends) from a per-minute one.
   */
  public static GatewayException tooManyStreams(int max) {
    return new GatewayException(
        429,
        LimitKind.REQUESTS.wireName(),
        "too_many_streams",
        null,
        "Too many concurrent requests for this key: at most "
            + max
            + " may run at once. Please try again when one has finished.");
  }
}
