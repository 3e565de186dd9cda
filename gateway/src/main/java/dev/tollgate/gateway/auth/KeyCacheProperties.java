package dev.tollgate.gateway.auth;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.auth.key-cache.*}: how long stored API keys are cached (see {@link
 * CachingKeyStore}).
 *
 * @param ttl how long a known key is served from the cache before it is looked up again
 * @param negativeTtl how long an unknown or refused key is remembered as such
 * @param serveStaleFor while PostgreSQL cannot be reached, how long after its last successful
 *     lookup a known key is still served from its last good entry; revocations still apply (they
 *     come through Redis). Past it, the key gets 503 {@code auth_unavailable} until PostgreSQL is
 *     back.
 */
@ConfigurationProperties("gateway.auth.key-cache")
public record KeyCacheProperties(
    @DefaultValue("30s") Duration ttl,
    @DefaultValue("1s") Duration negativeTtl,
    @DefaultValue("1h") Duration serveStaleFor) {

  public KeyCacheProperties {
    requirePositive(ttl, "ttl");
    requirePositive(negativeTtl, "negative-ttl");
    if (serveStaleFor == null || serveStaleFor.isNegative()) {
      throw new IllegalArgumentException(
          "gateway.auth.key-cache.serve-stale-for: " + serveStaleFor + " (expected: >= 0)");
    }
  }

  private static void requirePositive(Duration value, String name) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(
          "gateway.auth.key-cache." + name + ": " + value + " (expected: > 0)");
    }
  }
}
