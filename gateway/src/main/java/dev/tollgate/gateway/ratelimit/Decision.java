package dev.tollgate.gateway.ratelimit;

import java.time.Duration;
import java.util.Objects;

/**
 * The answer of one rate-limit check.
 *
 * @param allowed whether the request (or its tokens) fit in the limit and were taken
 * @param limit the limit per minute the check ran against
 * @param remaining what is left in the bucket after this check (never negative)
 * @param resetAfter how long until the bucket is full again
 * @param retryAfter for a refusal, how long until the same check would pass; zero when allowed
 */
public record Decision(
    boolean allowed, long limit, long remaining, Duration resetAfter, Duration retryAfter) {

  public Decision {
    Objects.requireNonNull(resetAfter, "resetAfter");
    Objects.requireNonNull(retryAfter, "retryAfter");
    if (limit < 0) {
      throw new IllegalArgumentException("limit: " + limit + " (expected: >= 0)");
    }
    remaining = Math.max(0, remaining);
  }
}
