package dev.tollgate.adapter.mock;

import java.time.Duration;
import java.util.Map;

/**
 * How the mock provider behaves for one model.
 *
 * @param timeToFirstToken delay before the first event
 * @param interTokenDelay delay between two tokens
 * @param tokens how many completion tokens an answer has (a request's {@code max_tokens} may cap
 *     it)
 */
public record MockSettings(Duration timeToFirstToken, Duration interTokenDelay, int tokens) {

  public static final MockSettings DEFAULT = new MockSettings(Duration.ZERO, Duration.ZERO, 16);

  public MockSettings {
    if (timeToFirstToken.isNegative()) {
      throw new IllegalArgumentException("mock.ttft-ms: " + timeToFirstToken + " (expected: >= 0)");
    }
    if (interTokenDelay.isNegative()) {
      throw new IllegalArgumentException(
          "mock.inter-token-ms: " + interTokenDelay + " (expected: >= 0)");
    }
    if (tokens <= 0) {
      throw new IllegalArgumentException("mock.tokens: " + tokens + " (expected: > 0)");
    }
  }

  /**
   * Reads {@code ttft-ms}, {@code inter-token-ms} and {@code tokens}; absent ones keep defaults.
   */
  public static MockSettings from(Map<String, String> options) {
    return new MockSettings(
        Duration.ofMillis(number(options, "ttft-ms", DEFAULT.timeToFirstToken.toMillis())),
        Duration.ofMillis(number(options, "inter-token-ms", DEFAULT.interTokenDelay.toMillis())),
        tokens(number(options, "tokens", DEFAULT.tokens)));
  }

  private static int tokens(long tokens) {
    if (tokens != (int) tokens) {
      throw new IllegalArgumentException(
          "mock.tokens: " + tokens + " (expected: > 0 and <= " + Integer.MAX_VALUE + ")");
    }
    return (int) tokens;
  }

  private static long number(Map<String, String> options, String key, long fallback) {
    String value = options.get(key);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("mock." + key + ": '" + value + "' (expected: a number)");
    }
  }
}
