package dev.tollgate.gateway.auth;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.auth.failed-keys.*}: how clients that keep presenting wrong API keys are slowed
 * down.
 *
 * @param freeAttempts wrong keys per window a client may present before its refusals are delayed
 * @param delay the delay of the first refusal past the free attempts; it doubles with each further
 *     one
 * @param maxDelay the longest delay
 * @param window how long failures are remembered (two windows at most)
 * @param maxClients how many clients are tracked at once; past that, new ones are not slowed
 */
@ConfigurationProperties("gateway.auth.failed-keys")
public record FailedKeyProperties(
    @DefaultValue("5") int freeAttempts,
    @DefaultValue("250ms") Duration delay,
    @DefaultValue("5s") Duration maxDelay,
    @DefaultValue("10m") Duration window,
    @DefaultValue("100000") int maxClients) {

  public FailedKeyProperties {
    if (freeAttempts < 0) {
      throw new IllegalArgumentException(
          "gateway.auth.failed-keys.free-attempts: " + freeAttempts + " (expected: >= 0)");
    }
    requirePositive(delay, "delay");
    requirePositive(maxDelay, "max-delay");
    requirePositive(window, "window");
    if (maxDelay.compareTo(delay) < 0) {
      throw new IllegalArgumentException(
          "gateway.auth.failed-keys.max-delay: "
              + maxDelay
              + " (expected: >= delay "
              + delay
              + ")");
    }
    if (maxClients <= 0) {
      throw new IllegalArgumentException(
          "gateway.auth.failed-keys.max-clients: " + maxClients + " (expected: > 0)");
    }
  }

  private static void requirePositive(Duration value, String name) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(
          "gateway.auth.failed-keys." + name + ": " + value + " (expected: > 0)");
    }
  }
}
