package dev.tollgate.adapter;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One configured upstream provider.
 *
 * @param name the provider's name in configuration
 * @param type which {@link ProviderAdapterFactory} serves it
 * @param baseUrl the API base URL, for example {@code https://api.openai.com/v1}; null for
 *     providers without a network endpoint (mock)
 * @param apiKey the upstream credential; empty when the upstream needs none
 * @param timeouts connect, first-byte and idle timeouts
 * @param maxConnections the size of this provider's connection pool
 * @param options provider-specific settings
 */
public record ProviderSpec(
    String name,
    String type,
    @Nullable URI baseUrl,
    String apiKey,
    Timeouts timeouts,
    int maxConnections,
    Map<String, String> options) {

  public ProviderSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(timeouts, "timeouts");
    options = Map.copyOf(options);
    if (maxConnections <= 0) {
      throw new IllegalArgumentException("max-connections: " + maxConnections + " (expected: > 0)");
    }
  }

  /**
   * Upstream timeouts.
   *
   * @param connect to open a connection
   * @param firstByte from sending the request to the response's first event (or whole body)
   * @param idle the longest gap between two events of a stream
   */
  public record Timeouts(Duration connect, Duration firstByte, Duration idle) {
    public Timeouts {
      requirePositive(connect, "connect-timeout");
      requirePositive(firstByte, "first-byte-timeout");
      requirePositive(idle, "idle-timeout");
    }

    private static void requirePositive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
      }
    }
  }
}
