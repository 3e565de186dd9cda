package dev.tollgate.gateway.health;

import io.lettuce.core.api.StatefulRedisConnection;
import io.r2dbc.pool.ConnectionPool;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Mono;

/**
 * The {@code redis} and {@code postgres} health indicators (readiness includes {@code redis}:
 * application.yaml, {@code management.endpoint.health.group.readiness}). With billing disabled the
 * gateway uses neither server: both report UNKNOWN, which leaves readiness UP.
 */
@Configuration(proxyBeanMethods = false)
public class HealthConfiguration {

  @Bean
  ReactiveHealthIndicator redisHealthIndicator(
      ObjectProvider<StatefulRedisConnection<String, String>> connection,
      @Value("${gateway.health.timeout:1s}") Duration timeout) {
    StatefulRedisConnection<String, String> billing = connection.getIfAvailable();
    return billing != null
        ? new RedisHealthIndicator(billing, timeout)
        : HealthConfiguration::unused;
  }

  @Bean
  ReactiveHealthIndicator postgresHealthIndicator(
      ObjectProvider<ConnectionPool> pool,
      @Value("${gateway.health.timeout:1s}") Duration timeout) {
    ConnectionPool billing = pool.getIfAvailable();
    return billing != null
        ? new PostgresHealthIndicator(billing, timeout)
        : HealthConfiguration::unused;
  }

  private static Mono<Health> unused() {
    return Mono.just(
        Health.status(Status.UNKNOWN).withDetail("billing", "disabled: not used").build());
  }
}
