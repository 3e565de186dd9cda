package dev.tollgate.gateway.ratelimit;

import dev.tollgate.gateway.config.BillingProperties;
import dev.tollgate.gateway.config.GatewayProperties;
import dev.tollgate.gateway.redis.RedisConnections;
import java.time.Duration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The per-key limiters, when billing (and so Redis) is on: Bucket4j buckets on the byte-valued
 * connection of {@link RedisConnections} and stream leases on billing's, both under billing's key
 * prefix, on one server or a cluster alike. With billing off there is no Redis, and {@link
 * KeyLimitsGuard} enforces only what needs none (allowed models).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(
    name = "gateway.billing.enabled",
    havingValue = "true",
    matchIfMissing = true)
public class RateLimitConfiguration {

  /** A stream lease never lasts longer than this without renewal. */
  static final Duration MAX_LEASE = Duration.ofMinutes(10);

  @Bean
  RateLimiter rateLimiter(RedisConnections redis, BillingProperties properties) {
    return new RateLimiter(redis.binary(), properties.redisPrefix());
  }

  @Bean
  ConcurrencyLimiter concurrencyLimiter(
      RedisConnections redis, BillingProperties billing, GatewayProperties gateway) {
    return new ConcurrencyLimiter(
        redis.reactive(), billing.redisPrefix(), lease(gateway.upstream().firstByteTimeout()));
  }

  /**
   * Twice the first-byte timeout, at most {@link #MAX_LEASE}: a slot whose gateway died frees
   * itself after that; a live stream renews its lease every half lease ({@link KeyLimitsGuard}).
   */
  static Duration lease(Duration firstByteTimeout) {
    Duration twice = firstByteTimeout.multipliedBy(2);
    return twice.compareTo(MAX_LEASE) > 0 ? MAX_LEASE : twice;
  }
}
