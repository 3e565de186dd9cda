package dev.tollgate.gateway.route;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How requests are retried and failed over ({@code gateway.routing.*}).
 *
 * @param maxAttempts tries on one deployment (the first included) before moving to the next
 * @param backoffBase the wait before the first retry on a deployment; doubled for each next one
 * @param backoffMax the longest wait between two tries; a {@code Retry-After} longer than this
 *     moves on to the next deployment at once instead of waiting
 * @param circuitBreaker each deployment's breaker
 */
public record RoutingSettings(
    int maxAttempts,
    Duration backoffBase,
    Duration backoffMax,
    CircuitBreaker.Settings circuitBreaker) {

  public RoutingSettings {
    Objects.requireNonNull(backoffBase, "backoffBase");
    Objects.requireNonNull(backoffMax, "backoffMax");
    Objects.requireNonNull(circuitBreaker, "circuitBreaker");
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts: " + maxAttempts + " (expected: > 0)");
    }
    if (backoffBase.isNegative()) {
      throw new IllegalArgumentException("backoffBase: " + backoffBase + " (expected: >= 0)");
    }
    if (backoffMax.compareTo(backoffBase) < 0) {
      throw new IllegalArgumentException(
          "backoffMax: " + backoffMax + " (expected: >= the base, " + backoffBase + ")");
    }
  }

  public static RoutingSettings defaults() {
    return new RoutingSettings(
        2, Duration.ofMillis(100), Duration.ofSeconds(2), CircuitBreaker.Settings.defaults());
  }

  /**
   * The wait before retry number {@code retry} (1 for the first) on the same deployment: the base
   * doubled per retry, capped, then jittered down to between half and all of it, so that many
   * requests that failed together do not come back together.
   */
  public Duration backoff(int retry, RandomGenerator random) {
    long base = backoffBase.toNanos();
    long cap = backoffMax.toNanos();
    int shift = Math.max(retry - 1, 0);
    boolean overflows = base > 0 && shift >= Long.numberOfLeadingZeros(base) - 1;
    long full = overflows ? cap : Math.min(cap, base << shift);
    if (full <= 1) {
      return Duration.ofNanos(full);
    }
    long half = full / 2;
    return Duration.ofNanos(half + random.nextLong(full - half + 1));
  }
}
